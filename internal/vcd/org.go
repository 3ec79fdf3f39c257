package vcd

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/vmware/go-vcloud-director/v2/govcd"
	"github.com/vmware/go-vcloud-director/v2/types/v56"
)

// Org is a Cloud Director organization (a tenant).
type Org struct {
	ID          string // URN
	Name        string
	FullName    string
	Description string
	Enabled     bool
	// DeployedVMQuota and StoredVMQuota: 0 is unlimited.
	DeployedVMQuota int
	StoredVMQuota   int
	// Lease policy, in seconds (0: never expires).
	VAppDeploymentLeaseSeconds      int
	VAppStorageLeaseSeconds         int
	VAppTemplateStorageLeaseSeconds int
	DeleteOnStorageLeaseExpiration  bool
	// VDCs are the names of the org's VDCs (read only).
	VDCs []string
}

func decodeXML(resp *http.Response, out any) error {
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	return xml.Unmarshal(b, out)
}

func orgSettings(o Org) *types.OrgSettings {
	deploy, storage, tmpl, del := o.VAppDeploymentLeaseSeconds, o.VAppStorageLeaseSeconds, o.VAppTemplateStorageLeaseSeconds, o.DeleteOnStorageLeaseExpiration
	return &types.OrgSettings{
		OrgGeneralSettings: &types.OrgGeneralSettings{DeployedVMQuota: o.DeployedVMQuota, StoredVMQuota: o.StoredVMQuota, UseServerBootSequence: true},
		OrgVAppLeaseSettings: &types.VAppLeaseSettings{DeploymentLeaseSeconds: &deploy, StorageLeaseSeconds: &storage,
			DeleteOnStorageLeaseExpiration: &del},
		OrgVAppTemplateSettings: &types.VAppTemplateLeaseSettings{StorageLeaseSeconds: &tmpl, DeleteOnStorageLeaseExpiration: &del},
	}
}

func orgFrom(a *types.AdminOrg) *Org {
	o := &Org{ID: a.ID, Name: a.Name, FullName: a.FullName, Description: a.Description, Enabled: a.IsEnabled}
	if s := a.OrgSettings; s != nil {
		if g := s.OrgGeneralSettings; g != nil {
			o.DeployedVMQuota, o.StoredVMQuota = g.DeployedVMQuota, g.StoredVMQuota
		}
		if l := s.OrgVAppLeaseSettings; l != nil {
			o.VAppDeploymentLeaseSeconds = deref(l.DeploymentLeaseSeconds)
			o.VAppStorageLeaseSeconds = deref(l.StorageLeaseSeconds)
			o.DeleteOnStorageLeaseExpiration = l.DeleteOnStorageLeaseExpiration != nil && *l.DeleteOnStorageLeaseExpiration
		}
		if t := s.OrgVAppTemplateSettings; t != nil {
			o.VAppTemplateStorageLeaseSeconds = deref(t.StorageLeaseSeconds)
		}
	}
	if a.Vdcs != nil {
		for _, v := range a.Vdcs.Vdcs {
			o.VDCs = append(o.VDCs, v.Name)
		}
	}
	return o
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// CreateOrg creates an organization and waits for its task. The returned ID
// is set as soon as Cloud Director has accepted the organization, even when
// the task then fails or the wait times out, so the caller can track it.
func (c *Client) CreateOrg(ctx context.Context, spec Org) (id string, err error) {
	cli := c.with(ctx)
	in := &types.AdminOrg{Xmlns: types.XMLNamespaceVCloud, Name: spec.Name, FullName: spec.FullName,
		Description: spec.Description, IsEnabled: spec.Enabled, OrgSettings: orgSettings(spec)}
	var out types.AdminOrg
	_, err = cli.Client.ExecuteRequest(c.href("/admin/orgs"), http.MethodPost, types.MimeAdminOrg, "%s", in, &out)
	if err != nil {
		return "", classify(err)
	}
	if out.Tasks != nil && len(out.Tasks.Task) > 0 {
		if err := c.wait(ctx, cli, out.Tasks.Task[0]); err != nil {
			return out.ID, err
		}
	}
	return out.ID, nil
}

// adminOrg fetches an organization by ID (URN, UUID or HREF); ErrNotFound
// when it does not exist.
func (c *Client) adminOrg(cli *govcd.VCDClient, id string) (*govcd.AdminOrg, error) {
	o := govcd.NewAdminOrg(&cli.Client)
	err := get(cli, c.href("/admin/org/"+uuidOf(id)), o.AdminOrg)
	if isForbidden(err) {
		return nil, c.orgGone(cli, id, err)
	}
	if err != nil {
		return nil, err
	}
	return o, nil
}

// orgGone settles what a 403 on organization id means, the way
// go-vcloud-director's GetAdminOrgById does before it ever reads the org:
// an org missing from the org list (GET /api/org) does not exist
// (ErrNotFound, as govcd answers ErrorEntityNotFound and
// terraform-provider-vcd then removes the resource from state, see
// https://github.com/vmware/terraform-provider-vcd/pull/925); an org the
// list still names is a real permission problem and the 403 stands.
func (c *Client) orgGone(cli *govcd.VCDClient, id string, forbidden error) error {
	var list types.OrgList
	if err := get(cli, c.href("/org"), &list); err != nil {
		return forbidden
	}
	for _, o := range list.Org {
		if uuidOf(o.HREF) == uuidOf(id) {
			return forbidden
		}
	}
	return fmt.Errorf("organization %s is not in the organization list (%v): %w", uuidOf(id), forbidden, ErrNotFound)
}

// GetOrg returns an organization by ID; ErrNotFound when it is gone.
func (c *Client) GetOrg(ctx context.Context, id string) (*Org, error) {
	o, err := c.adminOrg(c.with(ctx), id)
	if err != nil {
		return nil, err
	}
	return orgFrom(o.AdminOrg), nil
}

// GetOrgByName returns an organization by name; ErrNotFound when none has it.
// Unlike govcd's lookup, a failing org list is an error, not "not found".
func (c *Client) GetOrgByName(ctx context.Context, name string) (*Org, error) {
	cli := c.with(ctx)
	var list types.OrgList
	if err := get(cli, c.href("/org"), &list); err != nil {
		return nil, err
	}
	for _, o := range list.Org {
		if o.Name == name {
			a, err := c.adminOrg(cli, o.HREF)
			if err != nil {
				return nil, err
			}
			return orgFrom(a.AdminOrg), nil
		}
	}
	return nil, fmt.Errorf("organization %q: %w", name, ErrNotFound)
}

// UpdateOrg applies spec to the organization and waits for the task.
func (c *Client) UpdateOrg(ctx context.Context, id string, spec Org) error {
	cli := c.with(ctx)
	return c.retryBusy(ctx, func() error {
		o, err := c.adminOrg(cli, id)
		if err != nil {
			return err
		}
		a := o.AdminOrg
		a.Name, a.FullName, a.Description, a.IsEnabled = spec.Name, spec.FullName, spec.Description, spec.Enabled
		want := orgSettings(spec)
		if a.OrgSettings == nil {
			a.OrgSettings = &types.OrgSettings{}
		}
		a.OrgSettings.OrgGeneralSettings = want.OrgGeneralSettings
		a.OrgSettings.OrgVAppLeaseSettings = want.OrgVAppLeaseSettings
		a.OrgSettings.OrgVAppTemplateSettings = want.OrgVAppTemplateSettings
		task, err := o.Update()
		if err != nil {
			return classify(err)
		}
		return c.wait(ctx, cli, task.Task)
	})
}

// DeleteOrg deletes an organization. With VDCs left it fails with
// ErrOrgNotEmpty unless recursive is set, in which case the VDCs are deleted
// first. force also removes the org's vApps and catalogs.
func (c *Client) DeleteOrg(ctx context.Context, id string, recursive, force bool) error {
	cli := c.with(ctx)
	o, err := c.adminOrg(cli, id)
	if err != nil {
		return err
	}
	if o.AdminOrg.Vdcs != nil && len(o.AdminOrg.Vdcs.Vdcs) > 0 {
		var names []string
		for _, v := range o.AdminOrg.Vdcs.Vdcs {
			names = append(names, v.Name)
		}
		if !recursive {
			return fmt.Errorf("%w: %s", ErrOrgNotEmpty, strings.Join(names, ", "))
		}
		for _, v := range o.AdminOrg.Vdcs.Vdcs {
			if err := c.DeleteVDC(ctx, o.AdminOrg.ID, v.HREF); err != nil && !isNotFound(err) {
				return fmt.Errorf("deleting VDC %s: %w", v.Name, err)
			}
		}
	}
	if err := o.Disable(); err != nil {
		return classify(err)
	}
	return c.retryBusy(ctx, func() error {
		task, err := c.do(cli, http.MethodDelete, o.AdminOrg.HREF, map[string]string{
			"force": fmt.Sprint(force), "recursive": fmt.Sprint(recursive)})
		if err != nil {
			return err
		}
		return c.wait(ctx, cli, task)
	})
}

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
