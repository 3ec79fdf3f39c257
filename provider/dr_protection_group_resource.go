package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/vcd"
	"github.com/tenantops/tenantops/internal/zerto"
)

var _ resource.ResourceWithImportState = &DRProtectionGroupResource{}

// NewDRProtectionGroupResource is the constructor registered with the provider.
func NewDRProtectionGroupResource() resource.Resource { return &DRProtectionGroupResource{} }

// DRProtectionGroupResource manages a Zerto virtual protection group (VPG)
// protecting a tenant's Cloud Director vApps into a recovery org VDC.
type DRProtectionGroupResource struct{ data *ProviderData }

type drProtectionGroupModel struct {
	ID                  types.String     `tfsdk:"id"`
	Name                types.String     `tfsdk:"name"`
	VAppIDs             types.Set        `tfsdk:"vapp_ids"`
	RecoverySite        types.String     `tfsdk:"recovery_site"`
	RecoveryOrgVdc      types.String     `tfsdk:"recovery_org_vdc"`
	StoragePolicy       types.String     `tfsdk:"storage_policy"`
	FailoverNetwork     types.String     `tfsdk:"failover_network"`
	TestNetwork         types.String     `tfsdk:"test_network"`
	NetworkMappings     []drNetworkModel `tfsdk:"network_mappings"`
	RPOAlertSeconds     types.Int64      `tfsdk:"rpo_alert_seconds"`
	JournalHistoryHours types.Int64      `tfsdk:"journal_history_hours"`
	Priority            types.String     `tfsdk:"priority"`
	ServiceProfile      types.String     `tfsdk:"service_profile"`
	Zorg                types.String     `tfsdk:"zorg"`
	ForceDelete         types.Bool       `tfsdk:"force_delete"`
	KeepRecoveryVolumes types.Bool       `tfsdk:"keep_recovery_volumes"`
	VpgID               types.String     `tfsdk:"vpg_id"`
	Status              types.String     `tfsdk:"status"`
	ActualRPO           types.Int64      `tfsdk:"actual_rpo"`
	ProtectedVMCount    types.Int64      `tfsdk:"protected_vm_count"`
	Timeouts            timeouts.Value   `tfsdk:"timeouts"`
}

type drNetworkModel struct {
	ProtectedNetwork types.String `tfsdk:"protected_network"`
	RecoveryNetwork  types.String `tfsdk:"recovery_network"`
	TestNetwork      types.String `tfsdk:"test_network"`
}

var vappURN = regexp.MustCompile(`^urn:vcloud:vapp:[0-9a-fA-F-]{36}$`)

func (r *DRProtectionGroupResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_dr_protection_group"
}

func (r *DRProtectionGroupResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	name := func(what string) schema.StringAttribute {
		return schema.StringAttribute{Required: true, MarkdownDescription: what,
			Validators: []validator.String{stringvalidator.LengthAtLeast(1)}}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Zerto virtual protection group (VPG) that replicates Cloud Director vApps to a recovery org VDC " +
			"at a recovery site. Zerto protects vApps and their VMs, never an org VDC as such. Creating it commits a VPG " +
			"settings object and waits until the VPG protects (status `MeetingSLA`) within `timeouts.create`; adding or " +
			"removing a vApp and every other change go through a settings copy of the VPG and are applied in place. " +
			"Needs both the `zerto` and the `vcd` provider blocks: the VMs of each vApp are read from Cloud Director. " +
			"Import by VPG name or VPG identifier.",
		Attributes: map[string]schema.Attribute{
			// required
			"name": schema.StringAttribute{Required: true,
				MarkdownDescription: "VPG name, unique on the ZVM. Renaming is done in place.",
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 80)}},
			"vapp_ids": schema.SetAttribute{Required: true, ElementType: types.StringType,
				MarkdownDescription: "IDs of the protected vApps (`urn:vcloud:vapp:<uuid>`, e.g. `tenantops_vapp.workloads.id`). " +
					"Each must hold at least one VM: a VPG protects VMs, and Zerto refuses a VPG without any. The first (in " +
					"sorted order) is the VPG's vApp in Zerto's sense: VMs the tenant adds to it later join the VPG at once. " +
					"The VMs of the other vApps are added as VMs; one the tenant adds later is protected by the next apply.",
				Validators: []validator.Set{setvalidator.SizeAtLeast(1), setvalidator.ValueStringsAre(
					stringvalidator.RegexMatches(vappURN, "must be a vApp ID of the form urn:vcloud:vapp:<uuid>"))}},
			"recovery_site": schema.StringAttribute{Required: true, PlanModifiers: replace,
				MarkdownDescription: "Name of the recovery site as Zerto lists it (`/v1/virtualizationsites`). " +
					"Changing it replaces the VPG.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
			"recovery_org_vdc": name("Name of the org VDC at the recovery site that the VMs recover into."),
			"storage_policy":   name("Name of the recovery org VDC's storage policy the VMs' recovery volumes are created in (`/v1/virtualizationsites/{site}/orgvdcs/{id}/storagepolicies`); it must be enabled."),
			"failover_network": name("Name of the recovery org VDC network VMs connect to on failover and move, unless a mapping says otherwise."),
			"test_network":     name("Name of the recovery org VDC network VMs connect to in failover tests, unless a mapping says otherwise."),
			// optional
			"network_mappings": schema.ListNestedAttribute{Optional: true,
				MarkdownDescription: "Per protected org VDC network, the recovery org VDC networks its VMs connect to.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"protected_network": name("Name of an org VDC network at the protected site."),
					"recovery_network":  name("Name of the recovery org VDC network used on failover and move."),
					"test_network":      name("Name of the recovery org VDC network used in failover tests."),
				}}},
			"rpo_alert_seconds": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(300),
				MarkdownDescription: "Target RPO: Zerto alerts when the actual RPO exceeds it. 60–43200 seconds, default 300.",
				Validators:          []validator.Int64{int64validator.Between(60, 43200)}},
			"journal_history_hours": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(24),
				MarkdownDescription: "How far back the journal keeps checkpoints. 1–720 hours, default 24.",
				Validators:          []validator.Int64{int64validator.Between(1, 720)}},
			"priority": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("Medium"),
				MarkdownDescription: "Replication priority when bandwidth is short: `Low`, `Medium` (default) or `High`.",
				Validators:          []validator.String{stringvalidator.OneOf("Low", "Medium", "High")}},
			"service_profile": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Name of a Zerto service profile to apply (`/v1/serviceprofiles`).",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)}},
			"zorg": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Name of the Zerto organization (ZORG) that owns the VPG (`/v1/zorgs`).",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)}},
			"force_delete": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Delete with `Force`, even when the recovery site cannot confirm the removal. Default `false`."},
			"keep_recovery_volumes": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Keep the recovery volumes at the recovery site when the VPG is deleted. Default `false`: " +
					"deleting the VPG removes them."},
			// computed
			"id": schema.StringAttribute{Computed: true, PlanModifiers: keep,
				MarkdownDescription: "The VPG identifier."},
			"vpg_id": schema.StringAttribute{Computed: true, PlanModifiers: keep,
				MarkdownDescription: "The VPG identifier (same as `id`), for references that read better."},
			"status": schema.StringAttribute{Computed: true,
				MarkdownDescription: "VPG status as Zerto names it: `Initializing`, `MeetingSLA`, `NotMeetingSLA`, …"},
			"actual_rpo": schema.Int64Attribute{Computed: true,
				MarkdownDescription: "Actual RPO in seconds at the last refresh."},
			"protected_vm_count": schema.Int64Attribute{Computed: true,
				MarkdownDescription: "Number of VMs the VPG protects at the last refresh."},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),
		},
	}
}

func (r *DRProtectionGroupResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configureResource(req, resp)
}

func (r *DRProtectionGroupResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m drProtectionGroupModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := m.Name.ValueString()
	timeout, d := m.Timeouts.Create(ctx, 30*time.Minute)
	if resp.Diagnostics.Append(d...); resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, vc := r.clients(ctx, &resp.Diagnostics)
	if c == nil {
		return
	}

	local, err := c.LocalSite(ctx)
	if err != nil {
		resp.Diagnostics.Append(drDiag("create", name, err))
		return
	}
	want, err := r.resolve(ctx, c, &m)
	if err != nil {
		resp.Diagnostics.Append(drDiag("create", name, err))
		return
	}
	// Refuse to create a namesake: after a lost answer the VPG is found by
	// name, and that must never pick up somebody else's VPG.
	if v, err := c.VpgByName(ctx, name); err == nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Unable to create DR protection group %q", name),
			fmt.Sprintf("Zerto already has a VPG named %q (identifier %s). Import it with "+
				"`terraform import tenantops_dr_protection_group.<name> %s` or choose another name.", name, v.ID(), name))
		return
	} else if !zerto.IsNotFound(err) {
		resp.Diagnostics.Append(drDiag("create", name, err))
		return
	}
	apps := m.vappIDs(ctx)
	if err := checkUnprotected(ctx, c, local.ID(), apps); err != nil {
		resp.Diagnostics.Append(drDiag("create", name, err))
		return
	}
	vms, err := vappVMs(ctx, vc, apps)
	if err != nil {
		resp.Diagnostics.Append(drDiag("create", name, err))
		return
	}
	settings := zerto.VpgSettings{Basic: want.basic(&zerto.VpgSettingsBasic{VpgType: "Remote", ProtectedSiteIdentifier: local.ID()})}
	want.apply(&settings, apps[0], vms)

	vpgID, err := c.CommitNew(ctx, settings)
	var taskErr *zerto.TaskError
	if vpgID == "" && err != nil && !errors.As(err, &taskErr) {
		// The commit may have gone through although its answer or task was
		// lost (deadline, dropped connection): find the VPG by name so it
		// ends up in state (tainted) instead of orphaned.
		lctx, lcancel := context.WithTimeout(context.Background(), 30*time.Second)
		if v, lerr := c.VpgByName(lctx, name); lerr == nil {
			vpgID = v.ID()
		}
		lcancel()
	}
	if vpgID != "" {
		m.ID, m.VpgID = types.StringValue(vpgID), types.StringValue(vpgID)
		m.Status, m.ActualRPO = types.StringValue(zerto.StatusName(zerto.VpgInitializing)), types.Int64Value(0)
		m.ProtectedVMCount = types.Int64Value(int64(len(settings.Vms)))
		resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
	}
	if err != nil {
		resp.Diagnostics.Append(drWaitDiag("create", name, timeout, err))
		return
	}

	v, err := c.WaitVpgStatus(ctx, vpgID, zerto.VpgMeetingSLA)
	if err != nil {
		resp.Diagnostics.Append(drWaitDiag("create", name, timeout, err))
		return
	}
	m.Status, m.ActualRPO = types.StringValue(zerto.StatusName(v.Status)), types.Int64Value(v.ActualRPO)
	m.ProtectedVMCount = types.Int64Value(int64(v.VmsCount))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *DRProtectionGroupResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var m drProtectionGroupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c, vc := r.clients(ctx, &resp.Diagnostics)
	if c == nil {
		return
	}
	found, err := r.read(ctx, c, vc, &m)
	if err != nil {
		resp.Diagnostics.Append(drDiag("read", m.Name.ValueString(), err))
		return
	}
	if !found {
		resp.State.RemoveResource(ctx)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *DRProtectionGroupResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m, prior drProtectionGroupModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := m.Name.ValueString()
	timeout, d := m.Timeouts.Update(ctx, 30*time.Minute)
	if resp.Diagnostics.Append(d...); resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	id := prior.ID.ValueString()
	m.ID, m.VpgID = prior.ID, prior.VpgID
	if sameVpgSettings(ctx, m, prior) {
		// Only provider-side arguments (delete flags, timeouts) changed.
		m.Status, m.ActualRPO, m.ProtectedVMCount = prior.Status, prior.ActualRPO, prior.ProtectedVMCount
		resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
		return
	}
	c, vc := r.clients(ctx, &resp.Diagnostics)
	if c == nil {
		return
	}
	want, err := r.resolve(ctx, c, &m)
	if err != nil {
		resp.Diagnostics.Append(drDiag("update", name, err))
		return
	}
	// A vApp another VPG protects is refused by the commit task, which
	// names that VPG.
	apps := m.vappIDs(ctx)
	vms, err := vappVMs(ctx, vc, apps)
	if err != nil {
		resp.Diagnostics.Append(drDiag("update", name, err))
		return
	}
	err = c.Edit(ctx, id, func(s *zerto.VpgSettings) {
		if s.Basic == nil {
			s.Basic = &zerto.VpgSettingsBasic{}
		}
		want.basic(s.Basic)
		anchor := apps[0]
		if s.Protected != nil && s.Protected.VCD != nil && slices.Contains(apps, s.Protected.VCD.VcdVappIdentifier) {
			anchor = s.Protected.VCD.VcdVappIdentifier
		}
		want.apply(s, anchor, vms)
	})
	if err != nil {
		resp.Diagnostics.Append(drWaitDiag("update", name, timeout, err))
		return
	}
	v, err := c.Vpg(ctx, id)
	if err != nil {
		resp.Diagnostics.Append(drDiag("update", name, err))
		return
	}
	m.Status, m.ActualRPO = types.StringValue(zerto.StatusName(v.Status)), types.Int64Value(v.ActualRPO)
	m.ProtectedVMCount = types.Int64Value(int64(v.VmsCount))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *DRProtectionGroupResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var m drProtectionGroupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c := r.zerto(ctx, &resp.Diagnostics)
	if c == nil {
		return
	}
	timeout, d := m.Timeouts.Delete(ctx, 30*time.Minute)
	if resp.Diagnostics.Append(d...); resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := c.Delete(ctx, m.ID.ValueString(), zerto.VpgDeleteData{
		Force: m.ForceDelete.ValueBool(), KeepRecoveryVolumes: m.KeepRecoveryVolumes.ValueBool()})
	if err != nil {
		resp.Diagnostics.Append(drWaitDiag("delete", m.Name.ValueString(), timeout, err))
	}
}

// zerto returns the Zerto client, or nil after recording why there is none.
// The resource bounds its waits itself (see Create and Delete), so the
// client comes without a timeout.
func (r *DRProtectionGroupResource) zerto(ctx context.Context, diags *diag.Diagnostics) *zerto.Client {
	_, cancel, c, ok := open(ctx, r.data, zertoBackend, "tenantops_dr_protection_group", nil, 0, diags)
	cancel()
	if !ok {
		return nil
	}
	return c
}

// clients returns the Zerto and Cloud Director clients (the VMs of the
// protected vApps are read from Cloud Director), or nils after recording
// why they are missing.
func (r *DRProtectionGroupResource) clients(ctx context.Context, diags *diag.Diagnostics) (*zerto.Client, *vcd.Client) {
	c := r.zerto(ctx, diags)
	if c == nil {
		return nil, nil
	}
	_, cancel, vc, ok := open(ctx, r.data, vcdBackend, "tenantops_dr_protection_group", nil, 0, diags)
	cancel()
	if !ok {
		return nil, nil
	}
	return c, vc
}

// ImportState accepts a VPG name or a VPG identifier.
func (r *DRProtectionGroupResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	c := r.zerto(ctx, &resp.Diagnostics)
	if c == nil {
		return
	}
	id := req.ID
	if _, err := c.Vpg(ctx, id); err != nil {
		// A name is no identifier: a ZVM answers 404, or 400 for a malformed GUID.
		var ae *zerto.APIError
		if !errors.As(err, &ae) || (ae.StatusCode != 404 && ae.StatusCode != 400) {
			resp.Diagnostics.Append(drDiag("import", req.ID, err))
			return
		}
		v, err := c.VpgByName(ctx, req.ID)
		if zerto.IsNotFound(err) {
			resp.Diagnostics.AddError(fmt.Sprintf("Unable to import DR protection group %q", req.ID),
				"Zerto has no VPG with that name or identifier. Import by VPG name or VPG identifier.")
			return
		}
		if err != nil {
			resp.Diagnostics.Append(drDiag("import", req.ID, err))
			return
		}
		id = v.ID()
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("force_delete"), false)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("keep_recovery_volumes"), false)...)
}

// sameVpgSettings reports whether a and b ask Zerto for the same VPG.
func sameVpgSettings(ctx context.Context, a, b drProtectionGroupModel) bool {
	return a.Name.Equal(b.Name) && a.VAppIDs.Equal(b.VAppIDs) && a.RecoveryOrgVdc.Equal(b.RecoveryOrgVdc) &&
		a.StoragePolicy.Equal(b.StoragePolicy) && a.FailoverNetwork.Equal(b.FailoverNetwork) && a.TestNetwork.Equal(b.TestNetwork) &&
		slices.Equal(a.NetworkMappings, b.NetworkMappings) &&
		a.RPOAlertSeconds.Equal(b.RPOAlertSeconds) && a.JournalHistoryHours.Equal(b.JournalHistoryHours) &&
		a.Priority.Equal(b.Priority) && a.ServiceProfile.Equal(b.ServiceProfile) && a.Zorg.Equal(b.Zorg)
}

// vappIDs returns the configured vApps, sorted.
func (m *drProtectionGroupModel) vappIDs(ctx context.Context) []string {
	var ids []string
	_ = m.VAppIDs.ElementsAs(ctx, &ids, false)
	sort.Strings(ids)
	return ids
}

// checkUnprotected fails unless Zerto lists every vApp in ids among the
// unprotected vApps of the protected site, naming the ones it does not.
func checkUnprotected(ctx context.Context, c *zerto.Client, siteID string, ids []string) error {
	free, err := c.VcdVapps(ctx, siteID)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, a := range free {
		known[a.VcdVappIdentifier] = true
	}
	var missing []string
	for _, id := range ids {
		if !known[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("vApp %s is not among the unprotected vApps Zerto lists at the protected site: another VPG "+
			"protects it, or Zerto does not know it (yet)", strings.Join(missing, ", "))
	}
	return nil
}

// vappVMs returns, per vApp, the ids of its VMs as Cloud Director lists them.
func vappVMs(ctx context.Context, vc *vcd.Client, ids []string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, id := range ids {
		app, err := vc.VAppVMs(ctx, id)
		if errors.Is(err, vcd.ErrNotFound) {
			return nil, fmt.Errorf("vApp %s does not exist in Cloud Director", id)
		}
		if err != nil {
			return nil, fmt.Errorf("reading Cloud Director: %w", err)
		}
		for _, vm := range app.VMs {
			out[id] = append(out[id], vm.ID)
		}
	}
	return out, nil
}

// drTarget is the model resolved to Zerto identifiers.
type drTarget struct {
	name                 string
	rpo, journal         int64
	priority             string
	siteID, vdcID        string
	policyID             string
	failoverID, testID   string
	profileID, zorgID    string
	failoverMap, testMap []zerto.NetworkMapping
}

// resolve turns the model's names into Zerto identifiers.
func (r *DRProtectionGroupResource) resolve(ctx context.Context, c *zerto.Client, m *drProtectionGroupModel) (*drTarget, error) {
	site, err := c.SiteByName(ctx, m.RecoverySite.ValueString())
	if err != nil {
		return nil, err
	}
	vdc, err := c.OrgVdcByName(ctx, site.SiteIdentifier, m.RecoveryOrgVdc.ValueString())
	if err != nil {
		return nil, err
	}
	t := &drTarget{name: m.Name.ValueString(), rpo: m.RPOAlertSeconds.ValueInt64(), journal: m.JournalHistoryHours.ValueInt64(),
		priority: m.Priority.ValueString(), siteID: site.SiteIdentifier, vdcID: vdc.Identifier}
	policy, err := c.StoragePolicyByName(ctx, site.SiteIdentifier, vdc.Identifier, m.StoragePolicy.ValueString())
	if err != nil {
		return nil, err
	}
	t.policyID = policy.StoragePolicyIdentifier
	recoveryNet := func(name string) (string, error) {
		n, err := c.NetworkByName(ctx, site.SiteIdentifier, vdc.Identifier, name)
		if err != nil {
			return "", err
		}
		return n.NetworkIdentifier, nil
	}
	if t.failoverID, err = recoveryNet(m.FailoverNetwork.ValueString()); err != nil {
		return nil, err
	}
	if t.testID, err = recoveryNet(m.TestNetwork.ValueString()); err != nil {
		return nil, err
	}
	if len(m.NetworkMappings) > 0 {
		local, err := c.LocalSite(ctx)
		if err != nil {
			return nil, err
		}
		for _, nm := range m.NetworkMappings {
			p, err := c.SiteNetworkByName(ctx, local.ID(), nm.ProtectedNetwork.ValueString())
			if err != nil {
				return nil, err
			}
			rec, err := recoveryNet(nm.RecoveryNetwork.ValueString())
			if err != nil {
				return nil, err
			}
			test, err := recoveryNet(nm.TestNetwork.ValueString())
			if err != nil {
				return nil, err
			}
			t.failoverMap = append(t.failoverMap, zerto.NetworkMapping{ProtectedOrgVdcNetworkIdentifier: p.NetworkIdentifier, RecoveryOrgVdcNetworkIdentifier: rec})
			t.testMap = append(t.testMap, zerto.NetworkMapping{ProtectedOrgVdcNetworkIdentifier: p.NetworkIdentifier, RecoveryOrgVdcNetworkIdentifier: test})
		}
	}
	if !m.ServiceProfile.IsNull() {
		sp, err := c.ServiceProfileByName(ctx, m.ServiceProfile.ValueString())
		if err != nil {
			return nil, err
		}
		t.profileID = sp.ID()
	}
	if !m.Zorg.IsNull() {
		z, err := c.ZorgByName(ctx, m.Zorg.ValueString())
		if err != nil {
			return nil, err
		}
		t.zorgID = z.ID()
	}
	return t, nil
}

// basic sets the VPG-wide settings in b and returns it.
func (t *drTarget) basic(b *zerto.VpgSettingsBasic) *zerto.VpgSettingsBasic {
	b.Name, b.RecoverySiteIdentifier = t.name, t.siteID
	b.RpoInSeconds, b.JournalHistoryInHours, b.Priority = t.rpo, t.journal, t.priority
	b.ServiceProfileIdentifier, b.ZorgIdentifier = t.profileID, t.zorgID
	return b
}

// apply sets recovery, networks, the protected vApp and the VMs in s,
// keeping what tenantops does not manage (a VM's NICs, a network's NAT
// setting) as it was.
func (t *drTarget) apply(s *zerto.VpgSettings, anchor string, vms map[string][]string) {
	if s.Recovery == nil {
		s.Recovery = &zerto.VpgSettingsRecovery{}
	}
	s.Recovery.VCD = &zerto.VcdRecovery{OrgVdcIdentifier: t.vdcID}
	if s.Networks == nil {
		s.Networks = &zerto.VpgSettingsNetworks{}
	}
	setNet := func(n **zerto.VpgSettingsNetwork, def string, mapping []zerto.NetworkMapping) {
		if *n == nil {
			*n = &zerto.VpgSettingsNetwork{}
		}
		if (*n).VCD == nil {
			(*n).VCD = &zerto.VcdNetwork{}
		}
		(*n).VCD.DefaultRecoveryOrgVdcNetworkIdentifier, (*n).VCD.Mapping = def, mapping
	}
	setNet(&s.Networks.Failover, t.failoverID, t.failoverMap)
	setNet(&s.Networks.FailoverTest, t.testID, t.testMap)
	s.Protected = &zerto.VpgSettingsProtected{VCD: &zerto.VcdProtected{VcdVappIdentifier: anchor}}

	have := map[string]zerto.VpgSettingsVM{}
	for _, vm := range s.Vms {
		have[vm.VMIdentifier] = vm
	}
	apps := make([]string, 0, len(vms))
	for id := range vms {
		apps = append(apps, id)
	}
	sort.Strings(apps)
	s.Vms = nil
	for _, app := range apps {
		for _, id := range vms[app] {
			vm, ok := have[id]
			if !ok {
				vm = zerto.VpgSettingsVM{VMIdentifier: id}
			}
			if vm.Recovery == nil {
				vm.Recovery = &zerto.VMRecovery{}
			}
			vm.Recovery.VCD = &zerto.VMVcdRecovery{StoragePolicyIdentifier: t.policyID}
			s.Vms = append(s.Vms, vm)
		}
	}
}

// read refreshes m from Zerto (and, for the vApps of the protected VMs,
// Cloud Director); found is false when the VPG is gone. Identifiers Zerto
// no longer lists under a name are kept as identifiers, so the plan shows
// the difference instead of silently keeping the old name.
func (r *DRProtectionGroupResource) read(ctx context.Context, c *zerto.Client, vc *vcd.Client, m *drProtectionGroupModel) (found bool, err error) {
	id := m.ID.ValueString()
	v, err := c.Vpg(ctx, id)
	if zerto.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	m.ID, m.VpgID = types.StringValue(v.ID()), types.StringValue(v.ID())
	m.Name = types.StringValue(v.VpgName)
	m.Status = types.StringValue(zerto.StatusName(v.Status))
	m.ActualRPO = types.Int64Value(v.ActualRPO)
	m.ProtectedVMCount = types.Int64Value(int64(v.VmsCount))
	if v.Status == zerto.VpgDeleting {
		return true, nil // a deleting VPG has no editable settings left
	}
	s, err := c.CurrentSettings(ctx, id)
	if zerto.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if b := s.Basic; b != nil {
		m.Name = types.StringValue(b.Name)
		m.RPOAlertSeconds = types.Int64Value(b.RpoInSeconds)
		m.JournalHistoryHours = types.Int64Value(b.JournalHistoryInHours)
		m.Priority = types.StringValue(b.Priority)
		if err := readNames(ctx, c, m, s); err != nil {
			return false, err
		}
	}
	ids, err := protectedVApps(ctx, vc, s, m.vappIDs(ctx))
	if err != nil {
		return false, err
	}
	set, d := types.SetValueFrom(ctx, types.StringType, ids)
	if d.HasError() {
		return false, errors.New("building vapp_ids")
	}
	m.VAppIDs = set
	return true, nil
}

// protectedVApps returns the vApps the VPG protects: the vApp of
// Protected.VCD, whose VMs Zerto adds by itself, and every other vApp all
// of whose VMs are in the VPG (one with a VM missing is left out, so the
// next plan adds it). prior are the vApps the state held: an empty one
// counts as protected while it exists.
func protectedVApps(ctx context.Context, vc *vcd.Client, s *zerto.VpgSettings, prior []string) ([]string, error) {
	inVPG := map[string]bool{}
	for _, vm := range s.Vms {
		inVPG[vm.VMIdentifier] = true
	}
	candidates := map[string]bool{}
	anchor := ""
	if s.Protected != nil && s.Protected.VCD != nil {
		anchor = s.Protected.VCD.VcdVappIdentifier
		if anchor != "" {
			candidates[anchor] = true
		}
	}
	for _, id := range prior {
		candidates[id] = true
	}
	seenVM := map[string]bool{}
	check := func(id string) (bool, []string, error) {
		app, err := vc.VAppVMs(ctx, id)
		if errors.Is(err, vcd.ErrNotFound) {
			return false, nil, nil
		}
		if err != nil {
			return false, nil, fmt.Errorf("reading Cloud Director: %w", err)
		}
		var vms []string
		all := true
		for _, vm := range app.VMs {
			vms = append(vms, vm.ID)
			all = all && inVPG[vm.ID]
		}
		return id == anchor || all, vms, nil
	}
	var out []string
	visit := func(id string) error {
		ok, vms, err := check(id)
		if err != nil {
			return err
		}
		for _, vm := range vms {
			seenVM[vm] = true
		}
		if ok {
			out = append(out, id)
		}
		return nil
	}
	for id := range candidates {
		if err := visit(id); err != nil {
			return nil, err
		}
	}
	// VMs of vApps the state does not know yet (an import, or an operator's
	// edit in Zerto): find their vApps.
	for _, vm := range s.Vms {
		if seenVM[vm.VMIdentifier] {
			continue
		}
		parent, err := vc.VMVApp(ctx, vm.VMIdentifier)
		if errors.Is(err, vcd.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading Cloud Director: %w", err)
		}
		if candidates[parent] {
			continue
		}
		candidates[parent] = true
		if err := visit(parent); err != nil {
			return nil, err
		}
	}
	sort.Strings(out)
	return out, nil
}

// readNames maps the identifiers in s back to the names the model holds.
func readNames(ctx context.Context, c *zerto.Client, m *drProtectionGroupModel, s *zerto.VpgSettings) error {
	b := s.Basic
	site, err := c.SiteByID(ctx, b.RecoverySiteIdentifier)
	if err != nil {
		return err
	}
	m.RecoverySite = types.StringValue(site.VirtualizationSiteName)
	if m.ServiceProfile, err = lookupName(b.ServiceProfileIdentifier, func() (map[string]string, error) {
		sps, err := c.ServiceProfiles(ctx)
		return byID(sps, func(p zerto.ServiceProfile) (string, string) { return p.ID(), p.ServiceProfileName }), err
	}); err != nil {
		return err
	}
	if m.Zorg, err = lookupName(b.ZorgIdentifier, func() (map[string]string, error) {
		zs, err := c.Zorgs(ctx)
		return byID(zs, func(z zerto.Zorg) (string, string) { return z.ID(), z.ZorgName }), err
	}); err != nil {
		return err
	}
	if s.Recovery == nil || s.Recovery.VCD == nil {
		return nil
	}
	vdcID := s.Recovery.VCD.OrgVdcIdentifier
	vdcs, err := c.OrgVdcs(ctx, site.SiteIdentifier)
	if err != nil {
		return err
	}
	names := byID(vdcs, func(v zerto.OrgVdc) (string, string) { return v.Identifier, v.OrgVdcName })
	vdcName, listed := names[vdcID]
	if !listed {
		// Zerto no longer lists the recovery org VDC: nothing under it can
		// be named either.
		m.RecoveryOrgVdc = types.StringValue(vdcID)
		readUnnamed(m, s)
		return nil
	}
	m.RecoveryOrgVdc = types.StringValue(vdcName)
	nets, err := c.OrgVdcNetworks(ctx, site.SiteIdentifier, vdcID)
	if err != nil {
		return err
	}
	netNames := byID(nets, func(n zerto.Network) (string, string) { return n.NetworkIdentifier, n.VirtualizationNetworkName })
	policies, err := c.StoragePolicies(ctx, site.SiteIdentifier, vdcID)
	if err != nil {
		return err
	}
	policyNames := byID(policies, func(p zerto.StoragePolicy) (string, string) { return p.StoragePolicyIdentifier, p.StoragePolicyName })
	if len(s.Vms) > 0 {
		m.StoragePolicy = types.StringValue(nameOr(policyNames, s.Vms[0].StoragePolicyID()))
	}
	if s.Networks == nil {
		return nil
	}
	m.FailoverNetwork = types.StringValue(nameOr(netNames, defaultNetwork(s.Networks.Failover)))
	m.TestNetwork = types.StringValue(nameOr(netNames, defaultNetwork(s.Networks.FailoverTest)))
	return readMappings(ctx, c, m, s, netNames)
}

// readUnnamed fills what hangs off an unlisted recovery org VDC with identifiers.
func readUnnamed(m *drProtectionGroupModel, s *zerto.VpgSettings) {
	if len(s.Vms) > 0 {
		m.StoragePolicy = types.StringValue(s.Vms[0].StoragePolicyID())
	}
	if s.Networks != nil {
		m.FailoverNetwork = types.StringValue(defaultNetwork(s.Networks.Failover))
		m.TestNetwork = types.StringValue(defaultNetwork(s.Networks.FailoverTest))
	}
}

// readMappings pairs the failover and test mappings of each protected
// network, in Zerto's order.
func readMappings(ctx context.Context, c *zerto.Client, m *drProtectionGroupModel, s *zerto.VpgSettings, netNames map[string]string) error {
	failover := mappings(s.Networks.Failover)
	if len(failover) == 0 {
		m.NetworkMappings = nil
		return nil
	}
	test := map[string]string{}
	for _, t := range mappings(s.Networks.FailoverTest) {
		test[t.ProtectedOrgVdcNetworkIdentifier] = t.RecoveryOrgVdcNetworkIdentifier
	}
	local, err := c.LocalSite(ctx)
	if err != nil {
		return err
	}
	var out []drNetworkModel
	for _, f := range failover {
		protected, err := c.SiteNetworkName(ctx, local.ID(), f.ProtectedOrgVdcNetworkIdentifier)
		if err != nil {
			return err
		}
		if protected == "" {
			protected = f.ProtectedOrgVdcNetworkIdentifier
		}
		out = append(out, drNetworkModel{ProtectedNetwork: types.StringValue(protected),
			RecoveryNetwork: types.StringValue(nameOr(netNames, f.RecoveryOrgVdcNetworkIdentifier)),
			TestNetwork:     types.StringValue(nameOr(netNames, test[f.ProtectedOrgVdcNetworkIdentifier]))})
	}
	m.NetworkMappings = out
	return nil
}

func defaultNetwork(n *zerto.VpgSettingsNetwork) string {
	if n == nil || n.VCD == nil {
		return ""
	}
	return n.VCD.DefaultRecoveryOrgVdcNetworkIdentifier
}

func mappings(n *zerto.VpgSettingsNetwork) []zerto.NetworkMapping {
	if n == nil || n.VCD == nil {
		return nil
	}
	return n.VCD.Mapping
}

// lookupName returns the name of id from list, the identifier itself when
// the list lacks it, or null when id is empty.
func lookupName(id string, list func() (map[string]string, error)) (types.String, error) {
	if id == "" {
		return types.StringNull(), nil
	}
	names, err := list()
	if err != nil {
		return types.StringNull(), err
	}
	return types.StringValue(nameOr(names, id)), nil
}

func nameOr(names map[string]string, id string) string {
	if n, ok := names[id]; ok {
		return n
	}
	return id
}

func byID[T any](xs []T, f func(T) (string, string)) map[string]string {
	out := make(map[string]string, len(xs))
	for _, x := range xs {
		id, name := f(x)
		out[id] = name
	}
	return out
}

// drDiag names the VPG and carries Zerto's message.
func drDiag(action, name string, err error) diag.Diagnostic {
	return diag.NewErrorDiagnostic(fmt.Sprintf("Unable to %s DR protection group %q", action, name),
		"Zerto: "+err.Error())
}

// drWaitDiag is drDiag that explains a timeout in terms of the timeouts block.
func drWaitDiag(action, name string, timeout time.Duration, err error) diag.Diagnostic {
	if errors.Is(err, context.DeadlineExceeded) {
		return diag.NewErrorDiagnostic(fmt.Sprintf("Timed out trying to %s DR protection group %q", action, name),
			fmt.Sprintf("Zerto did not finish within the %s timeout (%s): %v. Raise timeouts.%s if the initial "+
				"sync needs longer; the VPG, if created, is recorded in state and will be replaced or destroyed.",
				action, timeout, err, action))
	}
	var te *zerto.TaskError
	if errors.As(err, &te) {
		return diag.NewErrorDiagnostic(fmt.Sprintf("Unable to %s DR protection group %q", action, name),
			fmt.Sprintf("Zerto: %s (the %s task %s failed)", te.Reason, te.Type, te.TaskID))
	}
	return drDiag(action, name, err)
}
