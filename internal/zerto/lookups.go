package zerto

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// LocalSite returns the site this ZVM manages (getLocalSiteAll).
func (c *Client) LocalSite(ctx context.Context) (*LocalSite, error) {
	var s LocalSite
	if err := c.do(ctx, http.MethodGet, "/v1/localsite", nil, nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// PeerSites lists the paired sites (getPeerAll).
func (c *Client) PeerSites(ctx context.Context) ([]PeerSite, error) {
	var out []PeerSite
	return out, c.do(ctx, http.MethodGet, "/v1/peersites", nil, nil, &out)
}

// VirtualizationSites lists the local and paired sites (getVirtualizationSiteAll).
func (c *Client) VirtualizationSites(ctx context.Context) ([]VirtualizationSite, error) {
	var out []VirtualizationSite
	return out, c.do(ctx, http.MethodGet, "/v1/virtualizationsites", nil, nil, &out)
}

// SiteByName finds a virtualization site by its name.
func (c *Client) SiteByName(ctx context.Context, name string) (*VirtualizationSite, error) {
	sites, err := c.VirtualizationSites(ctx)
	return findByName(sites, err, func(s VirtualizationSite) string { return s.VirtualizationSiteName }, name, "site", "known sites")
}

// SiteByID finds a virtualization site by its identifier.
func (c *Client) SiteByID(ctx context.Context, id string) (*VirtualizationSite, error) {
	sites, err := c.VirtualizationSites(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range sites {
		if s.SiteIdentifier == id {
			return &s, nil
		}
	}
	return nil, fmt.Errorf("site %q: %w", id, ErrNotFound)
}

// OrgVdcs lists a site's Cloud Director org VDCs (getVirtualizationSiteOrgVdcAll).
func (c *Client) OrgVdcs(ctx context.Context, siteID string) ([]OrgVdc, error) {
	var out []OrgVdc
	return out, c.do(ctx, http.MethodGet, "/v1/virtualizationsites/"+url.PathEscape(siteID)+"/orgvdcs", nil, nil, &out)
}

// OrgVdcByName finds an org VDC of a site by name.
func (c *Client) OrgVdcByName(ctx context.Context, siteID, name string) (*OrgVdc, error) {
	vdcs, err := c.OrgVdcs(ctx, siteID)
	return findByName(vdcs, err, func(v OrgVdc) string { return v.OrgVdcName }, name, "recovery org VDC", "known")
}

// OrgVdcNetworks lists an org VDC's networks (getVirtualizationSiteOrgVdcNetworkAll).
func (c *Client) OrgVdcNetworks(ctx context.Context, siteID, vdcID string) ([]Network, error) {
	var out []Network
	return out, c.do(ctx, http.MethodGet, "/v1/virtualizationsites/"+url.PathEscape(siteID)+"/orgvdcs/"+
		url.PathEscape(vdcID)+"/networks", nil, nil, &out)
}

// NetworkByName finds an org VDC network by name.
func (c *Client) NetworkByName(ctx context.Context, siteID, vdcID, name string) (*Network, error) {
	nets, err := c.OrgVdcNetworks(ctx, siteID, vdcID)
	return findByName(nets, err, func(n Network) string { return n.VirtualizationNetworkName }, name, "org VDC network", "known")
}

// VcdVapps lists the Cloud Director vApps of a site that no VPG protects yet
// (getVirtualizationSiteVmVcdVappAll).
func (c *Client) VcdVapps(ctx context.Context, siteID string) ([]VcdVapp, error) {
	var out []VcdVapp
	return out, c.do(ctx, http.MethodGet, "/v1/virtualizationsites/"+url.PathEscape(siteID)+"/vcdvapps", nil, nil, &out)
}

// StoragePolicies lists an org VDC's storage policies (getVirtualizationSiteStoragePolicyAll).
func (c *Client) StoragePolicies(ctx context.Context, siteID, vdcID string) ([]StoragePolicy, error) {
	var out []StoragePolicy
	return out, c.do(ctx, http.MethodGet, "/v1/virtualizationsites/"+url.PathEscape(siteID)+"/orgvdcs/"+
		url.PathEscape(vdcID)+"/storagepolicies", nil, nil, &out)
}

// StoragePolicyByName finds an enabled storage policy of an org VDC by name.
func (c *Client) StoragePolicyByName(ctx context.Context, siteID, vdcID, name string) (*StoragePolicy, error) {
	ps, err := c.StoragePolicies(ctx, siteID, vdcID)
	p, err := findByName(ps, err, func(p StoragePolicy) string { return p.StoragePolicyName }, name, "storage policy", "known")
	if err == nil && !p.IsEnabled {
		return nil, fmt.Errorf("storage policy %q of the recovery org VDC is disabled", name)
	}
	return p, err
}

// SiteNetworkByName finds a network by name among the org VDC networks of
// every org VDC of a site, e.g. a protected network to map. A name found in
// more than one org VDC is ambiguous.
func (c *Client) SiteNetworkByName(ctx context.Context, siteID, name string) (*Network, error) {
	vdcs, err := c.OrgVdcs(ctx, siteID)
	if err != nil {
		return nil, err
	}
	var found *Network
	var where []string
	for _, v := range vdcs {
		nets, err := c.OrgVdcNetworks(ctx, siteID, v.Identifier)
		if err != nil {
			return nil, err
		}
		for _, n := range nets {
			if n.VirtualizationNetworkName == name {
				found = &n
				where = append(where, v.OrgVdcName)
			}
		}
	}
	switch len(where) {
	case 0:
		return nil, fmt.Errorf("protected org VDC network %q: %w", name, ErrNotFound)
	case 1:
		return found, nil
	}
	return nil, fmt.Errorf("protected org VDC network %q is ambiguous: org VDCs %s all have one", name, strings.Join(where, ", "))
}

// SiteNetworkName returns the name of network id of any org VDC of a site,
// or "" when none has it.
func (c *Client) SiteNetworkName(ctx context.Context, siteID, id string) (string, error) {
	vdcs, err := c.OrgVdcs(ctx, siteID)
	if err != nil {
		return "", err
	}
	for _, v := range vdcs {
		nets, err := c.OrgVdcNetworks(ctx, siteID, v.Identifier)
		if err != nil {
			return "", err
		}
		for _, n := range nets {
			if n.NetworkIdentifier == id {
				return n.VirtualizationNetworkName, nil
			}
		}
	}
	return "", nil
}

// ServiceProfiles lists the service profiles (getServiceProfileAll).
func (c *Client) ServiceProfiles(ctx context.Context) ([]ServiceProfile, error) {
	var out []ServiceProfile
	return out, c.do(ctx, http.MethodGet, "/v1/serviceprofiles", nil, nil, &out)
}

// ServiceProfileByName finds a service profile by name.
func (c *Client) ServiceProfileByName(ctx context.Context, name string) (*ServiceProfile, error) {
	sps, err := c.ServiceProfiles(ctx)
	return findByName(sps, err, func(p ServiceProfile) string { return p.ServiceProfileName }, name, "service profile", "known")
}

// Zorgs lists the Zerto organizations (getZorgAll).
func (c *Client) Zorgs(ctx context.Context) ([]Zorg, error) {
	var out []Zorg
	return out, c.do(ctx, http.MethodGet, "/v1/zorgs", nil, nil, &out)
}

// ZorgByName finds a ZORG by name.
func (c *Client) ZorgByName(ctx context.Context, name string) (*Zorg, error) {
	zs, err := c.Zorgs(ctx)
	return findByName(zs, err, func(z Zorg) string { return z.ZorgName }, name, "ZORG", "")
}

// findByName returns the item of list whose nameOf is name. Otherwise the
// error says what was sought and, when known labels it, the names there are.
func findByName[T any](list []T, err error, nameOf func(T) string, name, what, known string) (*T, error) {
	if err != nil {
		return nil, err
	}
	for i := range list {
		if nameOf(list[i]) == name {
			return &list[i], nil
		}
	}
	if known == "" {
		return nil, fmt.Errorf("%s %q: %w", what, name, ErrNotFound)
	}
	all := make([]string, len(list))
	for i, x := range list {
		all[i] = nameOf(x)
	}
	if len(all) == 0 {
		all = []string{"none"}
	}
	return nil, fmt.Errorf("%s %q: %w (%s: %s)", what, name, ErrNotFound, known, strings.Join(all, ", "))
}
