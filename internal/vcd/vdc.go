package vcd

import (
	"context"
	"fmt"
	"net/http"
	"sort"

	"github.com/vmware/go-vcloud-director/v2/govcd"
	"github.com/vmware/go-vcloud-director/v2/types/v56"
)

// VDC is an org virtual data center.
type VDC struct {
	ID              string // URN
	OrgID           string // URN of the owning organization (read only)
	Name            string
	Description     string
	ProviderVDC     string // provider VDC name
	NetworkPool     string // network pool name, "" for none
	AllocationModel string // AllocationVApp, AllocationPool, ReservationPool or Flex
	CPUAllocatedMHz int64
	CPULimitMHz     int64
	MemAllocatedMB  int64
	MemLimitMB      int64
	// CPUUsedMHz and MemUsedMB are what the VDC's powered-on VMs use
	// (read only).
	CPUUsedMHz int64
	MemUsedMB  int64
	// CPUGuaranteed and MemGuaranteed are fractions (0..1); nil: server default.
	CPUGuaranteed *float64
	MemGuaranteed *float64
	// VCPUInMHz is the vCPU speed; 0: server default.
	VCPUInMHz       int64
	StorageProfiles []StorageProfile
	Enabled         bool
	ThinProvision   bool
	FastProvision   bool
	// Status: -1 creation failed, 0 not ready, 1 ready (read only).
	Status int
}

// StorageProfile is a VDC storage profile, named after the provider VDC's.
type StorageProfile struct {
	Name    string
	LimitMB int64 // 0 is unlimited
	Default bool
	Enabled bool
	UsedMB  int64 // storage the VDC's VMs hold on it (read only)
}

// ProviderVDC is what the provider VDC offers.
type ProviderVDC struct {
	ID              string
	Name            string
	StorageProfiles []string
	NetworkPools    []string
}

// GetProviderVDC looks a provider VDC up by name.
func (c *Client) GetProviderVDC(ctx context.Context, name string) (*ProviderVDC, error) {
	cli := c.with(ctx)
	recs, err := govcd.QueryProviderVdcByName(cli, name)
	if err != nil {
		return nil, classify(err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("provider VDC %q: %w", name, ErrNotFound)
	}
	if len(recs) > 1 {
		return nil, &Error{Message: fmt.Sprintf("more than one provider VDC is named %q", name)}
	}
	var p types.ProviderVdc
	if err := get(cli, recs[0].HREF, &p); err != nil {
		return nil, err
	}
	out := &ProviderVDC{ID: p.ID, Name: p.Name}
	if p.StorageProfiles != nil {
		for _, sp := range p.StorageProfiles.ProviderVdcStorageProfile {
			out.StorageProfiles = append(out.StorageProfiles, sp.Name)
		}
	}
	if p.NetworkPoolReferences != nil {
		for _, np := range p.NetworkPoolReferences.NetworkPoolReference {
			out.NetworkPools = append(out.NetworkPools, np.Name)
		}
	}
	sort.Strings(out.StorageProfiles)
	sort.Strings(out.NetworkPools)
	return out, nil
}

func compute(v VDC) []*types.ComputeCapacity {
	return []*types.ComputeCapacity{{
		CPU:    &types.CapacityWithUsage{Units: "MHz", Allocated: v.CPUAllocatedMHz, Limit: v.CPULimitMHz},
		Memory: &types.CapacityWithUsage{Units: "MB", Allocated: v.MemAllocatedMB, Limit: v.MemLimitMB},
	}}
}

// CreateVDC creates a VDC in the organization orgID and waits for its task.
// As with CreateOrg, the ID is returned as soon as the VDC exists, even when
// the task then fails or the wait times out.
func (c *Client) CreateVDC(ctx context.Context, orgID string, spec VDC) (id string, err error) {
	cli := c.with(ctx)
	pvdcs, err := govcd.QueryProviderVdcByName(cli, spec.ProviderVDC)
	if err != nil {
		return "", classify(err)
	}
	if len(pvdcs) != 1 {
		return "", fmt.Errorf("provider VDC %q: %w", spec.ProviderVDC, ErrNotFound)
	}
	pvdcHref := pvdcs[0].HREF
	cfg := &types.VdcConfiguration{
		Name: spec.Name, Description: spec.Description, AllocationModel: spec.AllocationModel,
		ComputeCapacity: compute(spec), IsEnabled: spec.Enabled, IsThinProvision: spec.ThinProvision,
		UsesFastProvisioning: spec.FastProvision, ResourceGuaranteedCpu: spec.CPUGuaranteed,
		ResourceGuaranteedMemory: spec.MemGuaranteed, VCpuInMhz: spec.VCPUInMHz,
		ProviderVdcReference: &types.Reference{HREF: pvdcHref},
	}
	if spec.AllocationModel == "Flex" {
		f := false
		cfg.IsElastic, cfg.IncludeMemoryOverhead = &f, &f
	}
	for _, sp := range spec.StorageProfiles {
		rec, err := cli.QueryProviderVdcStorageProfileByName(sp.Name, pvdcHref)
		if err != nil {
			return "", &Error{Message: fmt.Sprintf("storage profile %q is not offered by provider VDC %q", sp.Name, spec.ProviderVDC)}
		}
		enabled := sp.Enabled
		cfg.VdcStorageProfile = append(cfg.VdcStorageProfile, &types.VdcStorageProfileConfiguration{
			Enabled: &enabled, Units: "MB", Limit: sp.LimitMB, Default: sp.Default,
			ProviderVdcStorageProfile: &types.Reference{HREF: rec.HREF}})
	}
	if spec.NetworkPool != "" {
		pools, err := govcd.QueryNetworkPoolByName(cli, spec.NetworkPool)
		if err != nil {
			return "", classify(err)
		}
		if len(pools) != 1 {
			return "", &Error{Message: fmt.Sprintf("network pool %q not found", spec.NetworkPool)}
		}
		cfg.NetworkPoolReference = &types.Reference{HREF: pools[0].HREF}
	}
	o, err := c.adminOrg(cli, orgID)
	if err != nil {
		return "", err
	}
	task, err := o.CreateOrgVdcAsync(cfg)
	if err != nil {
		return "", classify(err)
	}
	if task.Task.Owner != nil {
		id = task.Task.Owner.ID
	}
	if err := c.wait(ctx, cli, task.Task); err != nil {
		return id, err
	}
	if id == "" {
		v, err := c.GetVDCByName(ctx, orgID, spec.Name)
		if err != nil {
			return "", err
		}
		id = v.ID
	}
	if !spec.Enabled { // the create call cannot express "disabled"
		if _, err := c.do(cli, http.MethodPost, c.href("/admin/vdc/"+uuidOf(id)+"/action/disable"), nil); err != nil {
			return id, err
		}
	}
	return id, nil
}

// GetVDC returns a VDC by ID; ErrNotFound when it is gone. orgID names the
// organization that holds it, "" when unknown (then a 403 cannot be told
// from a permission problem and stays an error).
func (c *Client) GetVDC(ctx context.Context, orgID, id string) (*VDC, error) {
	cli := c.with(ctx)
	a := govcd.NewAdminVdc(&cli.Client)
	err := get(cli, c.href("/admin/vdc/"+uuidOf(id)), a.AdminVdc)
	if isForbidden(err) {
		return nil, c.vdcGone(cli, orgID, id, err)
	}
	if err != nil {
		return nil, err
	}
	return c.vdcFrom(cli, a.AdminVdc)
}

// vdcGone settles what a 403 on VDC id of organization orgID means, as
// terraform-provider-vcd does when it reads a VDC (GetAdminOrgFromResource,
// then GetAdminVDCByName over the org's VDC list; a ContainsNotFound error
// removes it from state): a VDC its organization no longer lists, or whose
// organization is gone, does not exist (ErrNotFound); otherwise the 403
// stands.
func (c *Client) vdcGone(cli *govcd.VCDClient, orgID, id string, forbidden error) error {
	if orgID == "" {
		return forbidden
	}
	o, err := c.adminOrg(cli, orgID)
	if isNotFound(err) {
		return fmt.Errorf("VDC %s: its organization is gone: %w", uuidOf(id), err)
	}
	if err != nil {
		return forbidden
	}
	if o.AdminOrg.Vdcs != nil {
		for _, v := range o.AdminOrg.Vdcs.Vdcs {
			if uuidOf(v.HREF) == uuidOf(id) {
				return forbidden
			}
		}
	}
	return fmt.Errorf("VDC %s is not in organization %q (%v): %w", uuidOf(id), o.AdminOrg.Name, forbidden, ErrNotFound)
}

// GetVDCByName returns the VDC called name in the organization orgID.
func (c *Client) GetVDCByName(ctx context.Context, orgID, name string) (*VDC, error) {
	o, err := c.adminOrg(c.with(ctx), orgID)
	if err != nil {
		return nil, err
	}
	if o.AdminOrg.Vdcs != nil {
		for _, v := range o.AdminOrg.Vdcs.Vdcs {
			if v.Name == name {
				return c.GetVDC(ctx, o.AdminOrg.ID, v.HREF)
			}
		}
	}
	return nil, fmt.Errorf("VDC %q in organization %q: %w", name, o.AdminOrg.Name, ErrNotFound)
}

func (c *Client) vdcFrom(cli *govcd.VCDClient, a *types.AdminVdc) (*VDC, error) {
	v := &VDC{ID: a.ID, Name: a.Name, Description: a.Description, AllocationModel: a.AllocationModel,
		Enabled: a.IsEnabled, Status: a.Status, CPUGuaranteed: a.ResourceGuaranteedCpu, MemGuaranteed: a.ResourceGuaranteedMemory,
		ThinProvision: deref(a.IsThinProvision), FastProvision: deref(a.UsesFastProvisioning), VCPUInMHz: deref(a.VCpuInMhz2)}
	for _, l := range a.Link {
		if l.Rel == "up" && l.Type == types.MimeAdminOrg {
			v.OrgID = "urn:vcloud:org:" + uuidOf(l.HREF)
		}
	}
	if len(a.ComputeCapacity) > 0 {
		if cpu := a.ComputeCapacity[0].CPU; cpu != nil {
			v.CPUAllocatedMHz, v.CPULimitMHz, v.CPUUsedMHz = cpu.Allocated, cpu.Limit, cpu.Used
		}
		if mem := a.ComputeCapacity[0].Memory; mem != nil {
			v.MemAllocatedMB, v.MemLimitMB, v.MemUsedMB = mem.Allocated, mem.Limit, mem.Used
		}
	}
	if a.ProviderVdcReference != nil {
		v.ProviderVDC = a.ProviderVdcReference.Name
	}
	if a.NetworkPoolReference != nil {
		v.NetworkPool = a.NetworkPoolReference.Name
	}
	if a.VdcStorageProfiles != nil {
		for _, ref := range a.VdcStorageProfiles.VdcStorageProfile {
			var sp types.AdminVdcStorageProfile
			if err := get(cli, c.href("/admin/vdcStorageProfile/"+uuidOf(ref.HREF)), &sp); err != nil {
				return nil, fmt.Errorf("reading storage profile %s: %w", ref.Name, err)
			}
			v.StorageProfiles = append(v.StorageProfiles, StorageProfile{Name: ref.Name, LimitMB: sp.Limit, Default: sp.Default,
				Enabled: sp.Enabled == nil || *sp.Enabled, UsedMB: sp.StorageUsedMB})
		}
	}
	return v, nil
}

// UpdateVDC applies spec to the VDC (compute, quotas, description, enabled
// and the storage profiles: added, changed and removed) and waits for every
// task. The provider VDC and allocation model cannot change.
func (c *Client) UpdateVDC(ctx context.Context, id string, spec VDC) error {
	cli := c.with(ctx)
	err := c.retryBusy(ctx, func() error {
		a := govcd.NewAdminVdc(&cli.Client)
		if err := get(cli, c.href("/admin/vdc/"+uuidOf(id)), a.AdminVdc); err != nil {
			return err
		}
		v := a.AdminVdc
		v.Name, v.Description, v.IsEnabled = spec.Name, spec.Description, spec.Enabled
		v.ComputeCapacity = compute(spec)
		v.ResourceGuaranteedCpu, v.ResourceGuaranteedMemory = spec.CPUGuaranteed, spec.MemGuaranteed
		if spec.VCPUInMHz > 0 {
			v.VCpuInMhz2 = &spec.VCPUInMHz
		}
		v.IsThinProvision, v.UsesFastProvisioning = &spec.ThinProvision, &spec.FastProvision
		v.ResourcePoolRefs, v.Tasks = nil, nil
		task, err := a.UpdateAsync()
		if err != nil {
			return classify(err)
		}
		return c.wait(ctx, cli, task.Task)
	})
	if err != nil {
		return err
	}
	return c.retryBusy(ctx, func() error { return c.syncStorageProfiles(ctx, cli, id, spec) })
}

func (c *Client) syncStorageProfiles(ctx context.Context, cli *govcd.VCDClient, id string, spec VDC) error {
	a := govcd.NewAdminVdc(&cli.Client)
	if err := get(cli, c.href("/admin/vdc/"+uuidOf(id)), a.AdminVdc); err != nil {
		return err
	}
	have := map[string]*types.Reference{}
	if a.AdminVdc.VdcStorageProfiles != nil {
		for _, ref := range a.AdminVdc.VdcStorageProfiles.VdcStorageProfile {
			have[ref.Name] = ref
		}
	}
	var pvdcHref string
	if a.AdminVdc.ProviderVdcReference != nil {
		pvdcHref = a.AdminVdc.ProviderVdcReference.HREF
	}
	// Add missing profiles.
	for _, sp := range spec.StorageProfiles {
		if have[sp.Name] != nil {
			continue
		}
		rec, err := cli.QueryProviderVdcStorageProfileByName(sp.Name, pvdcHref)
		if err != nil {
			return &Error{Message: fmt.Sprintf("storage profile %q is not offered by the VDC's provider VDC", sp.Name)}
		}
		enabled := sp.Enabled
		task, err := a.AddStorageProfile(&types.VdcStorageProfileConfiguration{Enabled: &enabled, Units: "MB", Limit: sp.LimitMB,
			Default: sp.Default, ProviderVdcStorageProfile: &types.Reference{HREF: rec.HREF}}, "")
		if err != nil {
			return classify(err)
		}
		if err := c.wait(ctx, cli, task.Task); err != nil {
			return err
		}
	}
	if err := a.Refresh(); err != nil {
		return classify(err)
	}
	refs := map[string]*types.Reference{}
	for _, ref := range a.AdminVdc.VdcStorageProfiles.VdcStorageProfile {
		refs[ref.Name] = ref
	}
	// Change existing ones, the new default first (a VDC always has one).
	ordered := append([]StorageProfile(nil), spec.StorageProfiles...)
	sort.SliceStable(ordered, func(i, j int) bool { return ordered[i].Default && !ordered[j].Default })
	for _, sp := range ordered {
		ref := refs[sp.Name]
		var cur types.AdminVdcStorageProfile
		if err := get(cli, c.href("/admin/vdcStorageProfile/"+uuidOf(ref.HREF)), &cur); err != nil {
			return err
		}
		curEnabled := cur.Enabled == nil || *cur.Enabled
		if cur.Limit == sp.LimitMB && cur.Default == sp.Default && curEnabled == sp.Enabled {
			continue
		}
		enabled := sp.Enabled
		_, err := a.UpdateStorageProfile(uuidOf(ref.HREF), &types.AdminVdcStorageProfile{Name: cur.Name, Units: "MB",
			Limit: sp.LimitMB, Default: sp.Default, Enabled: &enabled, ProviderVdcStorageProfile: cur.ProviderVdcStorageProfile})
		if err != nil {
			return classify(err)
		}
	}
	// Remove the ones no longer wanted.
	want := map[string]bool{}
	for _, sp := range spec.StorageProfiles {
		want[sp.Name] = true
	}
	for name := range refs {
		if want[name] {
			continue
		}
		task, err := a.RemoveStorageProfile(name)
		if err != nil {
			return classify(err)
		}
		if err := c.wait(ctx, cli, task.Task); err != nil {
			return err
		}
	}
	return nil
}

// DeleteVDC disables and deletes a VDC (recursively, with whatever it
// holds) and waits for the task. id may be a URN, UUID or HREF; orgID
// names its organization ("" when unknown), so a VDC already gone is
// reported as ErrNotFound.
func (c *Client) DeleteVDC(ctx context.Context, orgID, id string) error {
	cli := c.with(ctx)
	href := c.href("/admin/vdc/" + uuidOf(id))
	return c.retryBusy(ctx, func() error {
		_, err := c.do(cli, http.MethodPost, href+"/action/disable", nil)
		if isForbidden(err) {
			return c.vdcGone(cli, orgID, id, err)
		}
		if err != nil {
			return err
		}
		task, err := c.do(cli, http.MethodDelete, href, map[string]string{"force": "true", "recursive": "true"})
		if isForbidden(err) {
			return c.vdcGone(cli, orgID, id, err)
		}
		if err != nil {
			return err
		}
		return c.wait(ctx, cli, task)
	})
}
