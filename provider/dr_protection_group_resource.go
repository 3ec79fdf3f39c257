package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
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

	"github.com/tenantops/tenantops/internal/zerto"
)

var _ resource.ResourceWithImportState = &DRProtectionGroupResource{}

// NewDRProtectionGroupResource is the constructor registered with the provider.
func NewDRProtectionGroupResource() resource.Resource { return &DRProtectionGroupResource{} }

// DRProtectionGroupResource manages a Zerto virtual protection group (VPG)
// replicating a tenant's Cloud Director org VDC to a recovery site.
type DRProtectionGroupResource struct{ data *ProviderData }

type drProtectionGroupModel struct {
	ID                  types.String   `tfsdk:"id"`
	Name                types.String   `tfsdk:"name"`
	SourceVdcID         types.String   `tfsdk:"source_vdc_id"`
	RecoverySite        types.String   `tfsdk:"recovery_site"`
	RecoveryOrgVdc      types.String   `tfsdk:"recovery_org_vdc"`
	FailoverNetwork     types.String   `tfsdk:"failover_network"`
	TestNetwork         types.String   `tfsdk:"test_network"`
	RPOAlertSeconds     types.Int64    `tfsdk:"rpo_alert_seconds"`
	JournalHistoryHours types.Int64    `tfsdk:"journal_history_hours"`
	Priority            types.String   `tfsdk:"priority"`
	ServiceProfile      types.String   `tfsdk:"service_profile"`
	Zorg                types.String   `tfsdk:"zorg"`
	ForceDelete         types.Bool     `tfsdk:"force_delete"`
	KeepRecoveryVolumes types.Bool     `tfsdk:"keep_recovery_volumes"`
	VpgID               types.String   `tfsdk:"vpg_id"`
	Status              types.String   `tfsdk:"status"`
	ActualRPO           types.Int64    `tfsdk:"actual_rpo"`
	Timeouts            timeouts.Value `tfsdk:"timeouts"`
}

func (r *DRProtectionGroupResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_dr_protection_group"
}

func (r *DRProtectionGroupResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Zerto virtual protection group (VPG) that replicates a tenant's Cloud Director org VDC " +
			"to a recovery site. Creating it commits a VPG settings object and waits until the VPG protects " +
			"(status `MeetingSLA`) within `timeouts.create`; edits go through a settings copy of the VPG and are " +
			"applied in place. Import by VPG name or VPG identifier.",
		Attributes: map[string]schema.Attribute{
			// required
			"name": schema.StringAttribute{Required: true,
				MarkdownDescription: "VPG name, unique on the ZVM. Renaming is done in place.",
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 80)}},
			"source_vdc_id": schema.StringAttribute{Required: true, PlanModifiers: replace,
				MarkdownDescription: "Identifier of the protected Cloud Director org VDC (e.g. `tenantops_tenant_vdc.x.id`). " +
					"Changing it replaces the VPG.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
			"recovery_site": schema.StringAttribute{Required: true, PlanModifiers: replace,
				MarkdownDescription: "Name of the recovery site as Zerto lists it (`/v1/virtualizationsites`). " +
					"Changing it replaces the VPG.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
			"recovery_org_vdc": schema.StringAttribute{Required: true,
				MarkdownDescription: "Name of the org VDC at the recovery site that the VMs recover into.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)}},
			"failover_network": schema.StringAttribute{Required: true,
				MarkdownDescription: "Name of the recovery org VDC network used on failover and move.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)}},
			"test_network": schema.StringAttribute{Required: true,
				MarkdownDescription: "Name of the recovery org VDC network used for failover tests.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)}},
			// optional
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
				MarkdownDescription: "Keep the recovery volumes at the recovery site when the VPG is deleted. Default `false`."},
			// computed
			"id": schema.StringAttribute{Computed: true, PlanModifiers: keep,
				MarkdownDescription: "The VPG identifier."},
			"vpg_id": schema.StringAttribute{Computed: true, PlanModifiers: keep,
				MarkdownDescription: "The VPG identifier (same as `id`), for references that read better."},
			"status": schema.StringAttribute{Computed: true,
				MarkdownDescription: "VPG status as Zerto names it: `Initializing`, `MeetingSLA`, `NotMeetingSLA`, …"},
			"actual_rpo": schema.Int64Attribute{Computed: true,
				MarkdownDescription: "Actual RPO in seconds at the last refresh."},
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
	c := r.client(&resp.Diagnostics)
	if c == nil {
		return
	}
	timeout, d := m.Timeouts.Create(ctx, 30*time.Minute)
	if resp.Diagnostics.Append(d...); resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	local, err := c.LocalSite(ctx)
	if err != nil {
		resp.Diagnostics.Append(drDiag("create", name, err))
		return
	}
	settings := zerto.VpgSettings{
		Basic:     &zerto.VpgSettingsBasic{VpgType: "Remote", ProtectedSiteIdentifier: local.ID()},
		Protected: &zerto.VpgSettingsProtected{VCD: &zerto.VcdProtected{OrgVdcIdentifier: m.SourceVdcID.ValueString()}},
	}
	if err := r.resolve(ctx, c, &m, &settings); err != nil {
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
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *DRProtectionGroupResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var m drProtectionGroupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c := r.client(&resp.Diagnostics)
	if c == nil {
		return
	}
	found, err := r.read(ctx, c, &m)
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
	c := r.client(&resp.Diagnostics)
	if c == nil {
		return
	}
	timeout, d := m.Timeouts.Update(ctx, 30*time.Minute)
	if resp.Diagnostics.Append(d...); resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	var want zerto.VpgSettings
	want.Basic = &zerto.VpgSettingsBasic{}
	if err := r.resolve(ctx, c, &m, &want); err != nil {
		resp.Diagnostics.Append(drDiag("update", name, err))
		return
	}
	id := prior.ID.ValueString()
	m.ID, m.VpgID = prior.ID, prior.VpgID
	if sameVpgSettings(m, prior) {
		// Only provider-side arguments (delete flags, timeouts) changed.
		m.Status, m.ActualRPO = prior.Status, prior.ActualRPO
		resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
		return
	}
	err := c.Edit(ctx, id, func(s *zerto.VpgSettings) {
		if s.Basic == nil {
			s.Basic = &zerto.VpgSettingsBasic{}
		}
		b := s.Basic
		b.Name, b.RpoInSeconds, b.JournalHistoryInHours, b.Priority = want.Basic.Name, want.Basic.RpoInSeconds,
			want.Basic.JournalHistoryInHours, want.Basic.Priority
		b.ServiceProfileIdentifier, b.ZorgIdentifier = want.Basic.ServiceProfileIdentifier, want.Basic.ZorgIdentifier
		s.Recovery = want.Recovery
		s.Networks = want.Networks
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
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *DRProtectionGroupResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var m drProtectionGroupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c := r.client(&resp.Diagnostics)
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

// client returns the Zerto client, or nil after recording why there is none.
func (r *DRProtectionGroupResource) client(diags *diag.Diagnostics) *zerto.Client {
	c, err := r.data.zertoClient("tenantops_dr_protection_group")
	if err != nil {
		diags.Append(backendDiag("Zerto is not configured", err))
		return nil
	}
	return c
}

// ImportState accepts a VPG name or a VPG identifier.
func (r *DRProtectionGroupResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	c := r.client(&resp.Diagnostics)
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
func sameVpgSettings(a, b drProtectionGroupModel) bool {
	return a.Name.Equal(b.Name) && a.RecoveryOrgVdc.Equal(b.RecoveryOrgVdc) &&
		a.FailoverNetwork.Equal(b.FailoverNetwork) && a.TestNetwork.Equal(b.TestNetwork) &&
		a.RPOAlertSeconds.Equal(b.RPOAlertSeconds) && a.JournalHistoryHours.Equal(b.JournalHistoryHours) &&
		a.Priority.Equal(b.Priority) && a.ServiceProfile.Equal(b.ServiceProfile) && a.Zorg.Equal(b.Zorg)
}

// resolve turns the model's names into Zerto identifiers in s.
func (r *DRProtectionGroupResource) resolve(ctx context.Context, c *zerto.Client, m *drProtectionGroupModel, s *zerto.VpgSettings) error {
	site, err := c.SiteByName(ctx, m.RecoverySite.ValueString())
	if err != nil {
		return err
	}
	vdc, err := c.OrgVdcByName(ctx, site.SiteIdentifier, m.RecoveryOrgVdc.ValueString())
	if err != nil {
		return err
	}
	failover, err := c.NetworkByName(ctx, site.SiteIdentifier, vdc.Identifier, m.FailoverNetwork.ValueString())
	if err != nil {
		return err
	}
	test, err := c.NetworkByName(ctx, site.SiteIdentifier, vdc.Identifier, m.TestNetwork.ValueString())
	if err != nil {
		return err
	}
	b := s.Basic
	b.Name = m.Name.ValueString()
	b.RecoverySiteIdentifier = site.SiteIdentifier
	b.RpoInSeconds = m.RPOAlertSeconds.ValueInt64()
	b.JournalHistoryInHours = m.JournalHistoryHours.ValueInt64()
	b.Priority = m.Priority.ValueString()
	b.ServiceProfileIdentifier, b.ZorgIdentifier = "", ""
	if !m.ServiceProfile.IsNull() {
		sp, err := c.ServiceProfileByName(ctx, m.ServiceProfile.ValueString())
		if err != nil {
			return err
		}
		b.ServiceProfileIdentifier = sp.ID()
	}
	if !m.Zorg.IsNull() {
		z, err := c.ZorgByName(ctx, m.Zorg.ValueString())
		if err != nil {
			return err
		}
		b.ZorgIdentifier = z.ID()
	}
	s.Recovery = &zerto.VpgSettingsRecovery{VCD: &zerto.VcdRecovery{OrgVdcIdentifier: vdc.Identifier}}
	s.Networks = &zerto.VpgSettingsNetworks{
		Failover:     &zerto.VpgSettingsNetwork{VCD: &zerto.VcdNetwork{DefaultRecoveryOrgVdcNetworkIdentifier: failover.NetworkIdentifier}},
		FailoverTest: &zerto.VpgSettingsNetwork{VCD: &zerto.VcdNetwork{DefaultRecoveryOrgVdcNetworkIdentifier: test.NetworkIdentifier}},
	}
	return nil
}

// read refreshes m from Zerto; found is false when the VPG is gone.
func (r *DRProtectionGroupResource) read(ctx context.Context, c *zerto.Client, m *drProtectionGroupModel) (found bool, err error) {
	id := m.ID.ValueString()
	v, err := c.Vpg(ctx, id)
	if zerto.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	m.VpgID = types.StringValue(v.ID())
	m.Name = types.StringValue(v.VpgName)
	m.Status = types.StringValue(zerto.StatusName(v.Status))
	m.ActualRPO = types.Int64Value(v.ActualRPO)
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
		if err := r.readNames(ctx, c, m, s); err != nil {
			return false, err
		}
	}
	if s.Protected != nil && s.Protected.VCD != nil && s.Protected.VCD.OrgVdcIdentifier != "" {
		m.SourceVdcID = types.StringValue(s.Protected.VCD.OrgVdcIdentifier)
	}
	return true, nil
}

// readNames maps the identifiers in s back to the names the model holds.
func (r *DRProtectionGroupResource) readNames(ctx context.Context, c *zerto.Client, m *drProtectionGroupModel, s *zerto.VpgSettings) error {
	b := s.Basic
	site, err := c.SiteByID(ctx, b.RecoverySiteIdentifier)
	if err != nil {
		return err
	}
	m.RecoverySite = types.StringValue(site.VirtualizationSiteName)
	m.ServiceProfile, m.Zorg = types.StringNull(), types.StringNull()
	if b.ServiceProfileIdentifier != "" {
		sps, err := c.ServiceProfiles(ctx)
		if err != nil {
			return err
		}
		for _, p := range sps {
			if p.ID() == b.ServiceProfileIdentifier {
				m.ServiceProfile = types.StringValue(p.ServiceProfileName)
			}
		}
	}
	if b.ZorgIdentifier != "" {
		zs, err := c.Zorgs(ctx)
		if err != nil {
			return err
		}
		for _, z := range zs {
			if z.ID() == b.ZorgIdentifier {
				m.Zorg = types.StringValue(z.ZorgName)
			}
		}
	}
	if s.Recovery == nil || s.Recovery.VCD == nil {
		return nil
	}
	vdcID := s.Recovery.VCD.OrgVdcIdentifier
	vdcs, err := c.OrgVdcs(ctx, site.SiteIdentifier)
	if err != nil {
		return err
	}
	for _, v := range vdcs {
		if v.Identifier == vdcID {
			m.RecoveryOrgVdc = types.StringValue(v.OrgVdcName)
		}
	}
	if s.Networks == nil {
		return nil
	}
	nets, err := c.OrgVdcNetworks(ctx, site.SiteIdentifier, vdcID)
	if err != nil {
		return err
	}
	netName := func(n *zerto.VpgSettingsNetwork, cur types.String) types.String {
		if n == nil || n.VCD == nil {
			return cur
		}
		for _, x := range nets {
			if x.NetworkIdentifier == n.VCD.DefaultRecoveryOrgVdcNetworkIdentifier {
				return types.StringValue(x.VirtualizationNetworkName)
			}
		}
		return cur
	}
	m.FailoverNetwork = netName(s.Networks.Failover, m.FailoverNetwork)
	m.TestNetwork = netName(s.Networks.FailoverTest, m.TestNetwork)
	return nil
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
			fmt.Sprintf("Zerto: %s task %s failed: %s", te.Type, te.TaskID, te.Reason))
	}
	return drDiag(action, name, err)
}
