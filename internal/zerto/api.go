package zerto

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ---- sites and lookups ----

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
	if err != nil {
		return nil, err
	}
	for _, s := range sites {
		if s.VirtualizationSiteName == name {
			return &s, nil
		}
	}
	return nil, fmt.Errorf("site %q: %w (known sites: %s)", name, ErrNotFound, names(sites, func(s VirtualizationSite) string { return s.VirtualizationSiteName }))
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
	if err != nil {
		return nil, err
	}
	for _, v := range vdcs {
		if v.OrgVdcName == name {
			return &v, nil
		}
	}
	return nil, fmt.Errorf("recovery org VDC %q: %w (known: %s)", name, ErrNotFound, names(vdcs, func(v OrgVdc) string { return v.OrgVdcName }))
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
	if err != nil {
		return nil, err
	}
	for _, n := range nets {
		if n.VirtualizationNetworkName == name {
			return &n, nil
		}
	}
	return nil, fmt.Errorf("org VDC network %q: %w (known: %s)", name, ErrNotFound, names(nets, func(n Network) string { return n.VirtualizationNetworkName }))
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
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		if p.StoragePolicyName == name {
			if !p.IsEnabled {
				return nil, fmt.Errorf("storage policy %q of the recovery org VDC is disabled", name)
			}
			return &p, nil
		}
	}
	return nil, fmt.Errorf("storage policy %q: %w (known: %s)", name, ErrNotFound, names(ps, func(p StoragePolicy) string { return p.StoragePolicyName }))
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
	if err != nil {
		return nil, err
	}
	for _, p := range sps {
		if p.ServiceProfileName == name {
			return &p, nil
		}
	}
	return nil, fmt.Errorf("service profile %q: %w (known: %s)", name, ErrNotFound, names(sps, func(p ServiceProfile) string { return p.ServiceProfileName }))
}

// Zorgs lists the Zerto organizations (getZorgAll).
func (c *Client) Zorgs(ctx context.Context) ([]Zorg, error) {
	var out []Zorg
	return out, c.do(ctx, http.MethodGet, "/v1/zorgs", nil, nil, &out)
}

// ZorgByName finds a ZORG by name.
func (c *Client) ZorgByName(ctx context.Context, name string) (*Zorg, error) {
	zs, err := c.Zorgs(ctx)
	if err != nil {
		return nil, err
	}
	for _, z := range zs {
		if z.ZorgName == name {
			return &z, nil
		}
	}
	return nil, fmt.Errorf("ZORG %q: %w", name, ErrNotFound)
}

func names[T any](xs []T, f func(T) string) string {
	if len(xs) == 0 {
		return "none"
	}
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return strings.Join(out, ", ")
}

// ---- VPG settings workflow ----

// NewVpgSettings creates a settings object (newVpgSetting) and returns its id.
// An empty s starts a new VPG; s.VpgIdentifier set makes an editable copy of
// that VPG's current settings.
func (c *Client) NewVpgSettings(ctx context.Context, s VpgSettings) (string, error) {
	var id string
	if err := c.do(ctx, http.MethodPost, "/v1/vpgSettings", nil, s, &id); err != nil {
		return "", err
	}
	if id == "" {
		return "", errors.New("POST /v1/vpgSettings returned no settings identifier")
	}
	return id, nil
}

// CopyVpgSettings opens an editable copy of an existing VPG's settings.
func (c *Client) CopyVpgSettings(ctx context.Context, vpgID string) (string, error) {
	return c.NewVpgSettings(ctx, VpgSettings{VpgIdentifier: vpgID})
}

// GetVpgSettings reads a settings object (getVpgSetting).
func (c *Client) GetVpgSettings(ctx context.Context, id string) (*VpgSettings, error) {
	var s VpgSettings
	if err := c.do(ctx, http.MethodGet, "/v1/vpgSettings/"+url.PathEscape(id), nil, nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// PutVpgSettings replaces a settings object (editVpgSetting).
func (c *Client) PutVpgSettings(ctx context.Context, id string, s VpgSettings) error {
	return c.do(ctx, http.MethodPut, "/v1/vpgSettings/"+url.PathEscape(id), nil, s, nil)
}

// DeleteVpgSettings discards a settings object (removeVpgSetting).
func (c *Client) DeleteVpgSettings(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/v1/vpgSettings/"+url.PathEscape(id), nil, nil, nil)
}

// CommitVpgSettings deploys a settings object (startVpgSettingCommit) and
// returns the task id. The settings object is consumed by the commit.
func (c *Client) CommitVpgSettings(ctx context.Context, id string) (string, error) {
	var task string
	if err := c.do(ctx, http.MethodPost, "/v1/vpgSettings/"+url.PathEscape(id)+"/commit", nil, nil, &task); err != nil {
		return "", err
	}
	return task, nil
}

// ---- tasks ----

// Task reads a task (getTask).
func (c *Client) Task(ctx context.Context, id string) (*Task, error) {
	var t Task
	if err := c.do(ctx, http.MethodGet, "/v1/tasks/"+url.PathEscape(id), nil, nil, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// TaskError is a task that ended in Failed or Stopped; Reason is Zerto's
// CompleteReason.
type TaskError struct {
	TaskID string
	Type   string
	State  int
	Reason string
}

func (e *TaskError) Error() string {
	what := "failed"
	if e.State == TaskStopped {
		what = "was stopped"
	}
	r := e.Reason
	if r == "" {
		r = "no reason given"
	}
	return fmt.Sprintf("task %s %s: %s", e.TaskID, what, r)
}

// WaitTask polls a task until it completes, fails or ctx ends. It returns
// the final task; a Failed or Stopped task is a *TaskError.
func (c *Client) WaitTask(ctx context.Context, id string) (*Task, error) {
	for {
		t, err := c.Task(ctx, id)
		if err != nil {
			return nil, err
		}
		switch t.Status.State {
		case TaskCompleted:
			return t, nil
		case TaskFailed, TaskStopped:
			return t, &TaskError{TaskID: id, Type: t.Type, State: t.Status.State, Reason: t.CompleteReason}
		}
		if err := sleep(ctx, c.pollInterval); err != nil {
			return t, fmt.Errorf("waiting for task %s (%d%% done): %w", id, t.Status.Progress, err)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

// ---- VPGs ----

// Vpg reads a VPG by identifier (getVpg).
func (c *Client) Vpg(ctx context.Context, id string) (*Vpg, error) {
	var v Vpg
	if err := c.do(ctx, http.MethodGet, "/v1/vpgs/"+url.PathEscape(id), nil, nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// VpgByName finds a VPG by name (getVpgAll with the name filter).
func (c *Client) VpgByName(ctx context.Context, name string) (*Vpg, error) {
	var out []Vpg
	if err := c.do(ctx, http.MethodGet, "/v1/vpgs", url.Values{"name": {name}}, nil, &out); err != nil {
		return nil, err
	}
	for _, v := range out {
		if v.VpgName == name {
			return &v, nil
		}
	}
	return nil, fmt.Errorf("VPG %q: %w", name, ErrNotFound)
}

// DeleteVpg starts a VPG deletion (startVpgDelete) and returns the task id.
func (c *Client) DeleteVpg(ctx context.Context, id string, d VpgDeleteData) (string, error) {
	var task string
	if err := c.do(ctx, http.MethodDelete, "/v1/vpgs/"+url.PathEscape(id), nil, d, &task); err != nil {
		return "", err
	}
	return task, nil
}

// WaitVpgStatus polls a VPG until its status is want, or ctx ends.
func (c *Client) WaitVpgStatus(ctx context.Context, id string, want int) (*Vpg, error) {
	var last *Vpg
	stillNot := func(err error) error {
		return fmt.Errorf("VPG %q is %s (%.0f%% synchronized), still not %s: %w",
			last.VpgName, StatusName(last.Status), last.ProgressPercentage, StatusName(want), err)
	}
	for {
		v, err := c.Vpg(ctx, id)
		if err != nil {
			// The deadline may end a poll in flight as well as a pause:
			// either way, say where the VPG was when it last answered.
			if last != nil && ctx.Err() != nil {
				return last, stillNot(ctx.Err())
			}
			return nil, err
		}
		if v.Status == want {
			return v, nil
		}
		last = v
		if err := sleep(ctx, c.pollInterval); err != nil {
			return v, stillNot(err)
		}
	}
}

// ---- the whole workflows ----

// CommitNew creates a settings object from s, commits it and waits for the
// commit task. It returns the new VPG's id as soon as Zerto names it (also
// together with an error when the wait fails later), so callers can record
// it and never orphan a VPG. The settings object never outlives the call:
// it is discarded when anything before the commit fails.
func (c *Client) CommitNew(ctx context.Context, s VpgSettings) (vpgID string, err error) {
	s.VpgIdentifier = ""
	return c.commit(ctx, s)
}

// Edit applies change to an editable copy of the VPG's settings and commits
// it, waiting for the commit task.
func (c *Client) Edit(ctx context.Context, vpgID string, change func(*VpgSettings)) error {
	id, err := c.CopyVpgSettings(ctx, vpgID)
	if err != nil {
		return err
	}
	s, err := c.GetVpgSettings(ctx, id)
	if err != nil {
		return c.discardAfter(id, err)
	}
	change(s)
	s.VpgIdentifier = vpgID
	s.VpgSettingsIdentifier = id
	if err := c.PutVpgSettings(ctx, id, *s); err != nil {
		return c.discardAfter(id, err)
	}
	return c.commitSettings(ctx, id, func(string) {})
}

// CurrentSettings reads a VPG's settings through a settings copy that is
// discarded before returning (the ZVM exposes journal, recovery and network
// settings only through settings objects).
func (c *Client) CurrentSettings(ctx context.Context, vpgID string) (*VpgSettings, error) {
	id, err := c.CopyVpgSettings(ctx, vpgID)
	if err != nil {
		return nil, err
	}
	s, err := c.GetVpgSettings(ctx, id)
	if derr := c.discard(id); derr != nil {
		return nil, errors.Join(err, derr)
	}
	return s, err
}

func (c *Client) commit(ctx context.Context, s VpgSettings) (string, error) {
	id, err := c.NewVpgSettings(ctx, VpgSettings{})
	if err != nil {
		return "", err
	}
	s.VpgSettingsIdentifier = id
	if err := c.PutVpgSettings(ctx, id, s); err != nil {
		return "", c.discardAfter(id, err)
	}
	var vpgID string
	err = c.commitSettings(ctx, id, func(v string) { vpgID = v })
	return vpgID, err
}

// commitSettings commits settings object id, reports the VPG id through
// found as soon as the task names it, and waits for the task.
func (c *Client) commitSettings(ctx context.Context, id string, found func(string)) error {
	taskID, err := c.CommitVpgSettings(ctx, id)
	if err != nil {
		// A commit the ZVM refused leaves the settings object behind.
		return c.discardAfter(id, err)
	}
	var progress = -1
	for {
		t, err := c.Task(ctx, taskID)
		if err != nil {
			if progress >= 0 && ctx.Err() != nil {
				return fmt.Errorf("waiting for commit task %s (%d%% done): %w", taskID, progress, ctx.Err())
			}
			return err
		}
		progress = t.Status.Progress
		if len(t.RelatedEntities.Vpgs) > 0 && t.RelatedEntities.Vpgs[0].Identifier != "" {
			found(t.RelatedEntities.Vpgs[0].Identifier)
		}
		switch t.Status.State {
		case TaskCompleted:
			return nil
		case TaskFailed, TaskStopped:
			return &TaskError{TaskID: taskID, Type: t.Type, State: t.Status.State, Reason: t.CompleteReason}
		}
		if err := sleep(ctx, c.pollInterval); err != nil {
			return fmt.Errorf("waiting for commit task %s (%d%% done): %w", taskID, t.Status.Progress, err)
		}
	}
}

// discard removes a settings object on a fresh, short context: it runs on
// error paths where the caller's context may be spent. A ZVM that answers
// 5xx or drops the connection is asked again (0.2, 0.4, ... s, up to 30 s in
// all); gone already (e.g. consumed by a commit) is done. What still fails
// is returned so the caller can name the draft it leaves behind.
func (c *Client) discard(id string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	wait := 200 * time.Millisecond
	for {
		err := c.DeleteVpgSettings(ctx, id)
		if err == nil || IsNotFound(err) {
			return nil
		}
		if !retryableDiscard(err) {
			return fmt.Errorf("discarding VPG settings %s: %w", id, err)
		}
		if serr := sleep(ctx, wait); serr != nil {
			return fmt.Errorf("discarding VPG settings %s (left behind): %w", id, err)
		}
		if wait < 4*time.Second {
			wait *= 2
		}
	}
}

// retryableDiscard tells a passing fault (5xx, throttling, a transport
// error) from a refusal that asking again will not change.
func retryableDiscard(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode >= 500 || apiErr.StatusCode == 429
	}
	return true
}

// discardAfter discards settings object id after err and returns err, with
// the discard's own failure joined to it.
func (c *Client) discardAfter(id string, err error) error {
	if derr := c.discard(id); derr != nil {
		return errors.Join(err, derr)
	}
	return err
}

// Delete starts the deletion of a VPG and waits for its task. A VPG that is
// already gone is not an error.
func (c *Client) Delete(ctx context.Context, vpgID string, d VpgDeleteData) error {
	taskID, err := c.DeleteVpg(ctx, vpgID, d)
	if IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = c.WaitTask(ctx, taskID)
	return err
}
