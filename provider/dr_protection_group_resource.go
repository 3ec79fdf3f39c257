package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/vcd"
	"github.com/tenantops/tenantops/internal/zerto"
)

var _ resource.ResourceWithImportState = &DRProtectionGroupResource{}

// NewDRProtectionGroupResource is the constructor registered with the provider.
func NewDRProtectionGroupResource() resource.Resource {
	return &DRProtectionGroupResource{newResource(zertoBackend, "dr_protection_group", 30*time.Minute, writeOps)}
}

// DRProtectionGroupResource manages a Zerto virtual protection group (VPG)
// protecting a tenant's Cloud Director vApps into a recovery org VDC. Its
// backend is Zerto; it reads the VMs of the vApps from Cloud Director.
type DRProtectionGroupResource struct{ resourceBase[*zerto.Client] }

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
	timeoutsModel
}

func (m *drProtectionGroupModel) label() string {
	return fmt.Sprintf("DR protection group %q", m.Name.ValueString())
}

type drNetworkModel struct {
	ProtectedNetwork types.String `tfsdk:"protected_network"`
	RecoveryNetwork  types.String `tfsdk:"recovery_network"`
	TestNetwork      types.String `tfsdk:"test_network"`
}

func (r *DRProtectionGroupResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	createResource(ctx, &r.resourceBase, req, resp, r.create)
}

// create commits a new VPG and waits until it protects (MeetingSLA).
func (r *DRProtectionGroupResource) create(ctx context.Context, c *zerto.Client, m *drProtectionGroupModel, resp *resource.CreateResponse) error {
	vc, ok := r.vcd(ctx, &resp.Diagnostics)
	if !ok {
		return nil
	}
	name := m.Name.ValueString()
	local, err := c.LocalSite(ctx)
	if err != nil {
		return err
	}
	want, err := m.resolve(ctx, c)
	if err != nil {
		return err
	}
	// Refuse to create a namesake: after a lost answer the VPG is found by
	// name, and that must never pick up somebody else's VPG.
	if v, err := c.VpgByName(ctx, name); err == nil {
		resp.Diagnostics.AddError("Unable to create "+m.label(),
			fmt.Sprintf("Zerto already has a VPG named %q (identifier %s). Import it with "+
				"`terraform import tenantops_dr_protection_group.<name> %s` or choose another name.", name, v.ID(), name))
		return nil
	} else if !zerto.IsNotFound(err) {
		return err
	}
	apps := m.vappIDs(ctx)
	if err := checkUnprotected(ctx, c, local.ID(), apps); err != nil {
		return err
	}
	vms, err := vappVMs(ctx, vc, apps)
	if err != nil {
		return err
	}
	settings := zerto.VpgSettings{Basic: want.basic(&zerto.VpgSettingsBasic{VpgType: "Remote", ProtectedSiteIdentifier: local.ID()})}
	want.apply(&settings, apps[0], vms)

	vpgID, err := commit(ctx, c, settings)
	if vpgID != "" {
		m.ID, m.VpgID = types.StringValue(vpgID), types.StringValue(vpgID)
		m.Status, m.ActualRPO = types.StringValue(zerto.StatusName(zerto.VpgInitializing)), types.Int64Value(0)
		m.ProtectedVMCount = types.Int64Value(int64(len(settings.Vms)))
		resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
	}
	if err == nil {
		err = m.wait(ctx, c, zerto.VpgMeetingSLA)
	}
	if err != nil {
		resp.Diagnostics.Append(r.waitDiag(ctx, opCreate, m, err))
	}
	return nil
}

// commit commits settings as a new VPG and returns its identifier, also
// when the commit went through but its answer or task was lost (deadline,
// dropped connection): then the VPG is found by name, so that it ends up in
// state (tainted) instead of orphaned.
func commit(ctx context.Context, c *zerto.Client, settings zerto.VpgSettings) (string, error) {
	vpgID, err := c.CommitNew(ctx, settings)
	var taskErr *zerto.TaskError
	if vpgID == "" && err != nil && !errors.As(err, &taskErr) {
		lctx, lcancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer lcancel()
		if v, lerr := c.VpgByName(lctx, settings.Basic.Name); lerr == nil {
			vpgID = v.ID()
		}
	}
	return vpgID, err
}

func (r *DRProtectionGroupResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	ctx, cancel, m, c, ok := load[drProtectionGroupModel](ctx, &r.resourceBase, req.State, opRead, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	vc, ok := r.vcd(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	// Only the VPG itself gone removes the resource: a lookup failing on the
	// way (a recovery site Zerto no longer lists) is an error.
	found, err := m.refresh(ctx, c, vc)
	switch {
	case err != nil:
		r.fail(&resp.Diagnostics, opRead, m, err)
	case !found:
		resp.State.RemoveResource(ctx)
	default:
		resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
	}
}

// Update applies a change through a settings copy of the VPG.
func (r *DRProtectionGroupResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	updateResource(ctx, &r.resourceBase, req, resp, func(ctx context.Context, c *zerto.Client, m, _ *drProtectionGroupModel, diags *diag.Diagnostics) error {
		if err := r.edit(ctx, c, m, diags); err != nil {
			diags.Append(r.waitDiag(ctx, opUpdate, m, err))
		}
		return nil
	})
}

// onlyLocal: force_delete, keep_recovery_volumes and timeouts are the
// provider's own.
func (m *drProtectionGroupModel) onlyLocal(prior *drProtectionGroupModel) bool {
	m.ID, m.VpgID = prior.ID, prior.VpgID
	if !sameVpgSettings(*m, *prior) {
		return false
	}
	m.Status, m.ActualRPO, m.ProtectedVMCount = prior.Status, prior.ActualRPO, prior.ProtectedVMCount
	return true
}

// edit makes the VPG of m what m asks for, through a settings copy, and
// records the VPG's state afterwards.
func (r *DRProtectionGroupResource) edit(ctx context.Context, c *zerto.Client, m *drProtectionGroupModel, diags *diag.Diagnostics) error {
	vc, ok := r.vcd(ctx, diags)
	if !ok {
		return nil
	}
	want, err := m.resolve(ctx, c)
	if err != nil {
		return err
	}
	// A vApp another VPG protects is refused by the commit task, which
	// names that VPG.
	apps := m.vappIDs(ctx)
	vms, err := vappVMs(ctx, vc, apps)
	if err != nil {
		return err
	}
	err = c.Edit(ctx, m.ID.ValueString(), func(s *zerto.VpgSettings) {
		if s.Basic == nil {
			s.Basic = &zerto.VpgSettingsBasic{}
		}
		want.basic(s.Basic)
		want.apply(s, anchor(s, apps), vms)
	})
	if err != nil {
		return err
	}
	v, err := c.Vpg(ctx, m.ID.ValueString())
	if err != nil {
		return err
	}
	m.setStatus(v)
	return nil
}

func (r *DRProtectionGroupResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	ctx, cancel, m, c, ok := load[drProtectionGroupModel](ctx, &r.resourceBase, req.State, opDelete, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	err := c.Delete(ctx, m.ID.ValueString(), zerto.VpgDeleteData{
		Force: m.ForceDelete.ValueBool(), KeepRecoveryVolumes: m.KeepRecoveryVolumes.ValueBool()})
	if err != nil {
		resp.Diagnostics.Append(r.waitDiag(ctx, opDelete, m, err))
	}
}

// ImportState accepts a VPG name or a VPG identifier.
func (r *DRProtectionGroupResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	ctx, cancel, c, ok := open(ctx, r.data, zertoBackend, r.typeName(), nil, 0, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	summary := fmt.Sprintf("Unable to import DR protection group %q", req.ID)
	id := req.ID
	if _, err := c.Vpg(ctx, id); err != nil {
		// A name is no identifier: a ZVM answers 404, or 400 for a malformed GUID.
		var ae *zerto.APIError
		if !errors.As(err, &ae) || (ae.StatusCode != 404 && ae.StatusCode != 400) {
			resp.Diagnostics.Append(zertoBackend.error(summary, err))
			return
		}
		v, err := c.VpgByName(ctx, req.ID)
		if zerto.IsNotFound(err) {
			resp.Diagnostics.AddError(summary, "Zerto has no VPG with that name or identifier. Import by VPG name or VPG identifier.")
			return
		}
		if err != nil {
			resp.Diagnostics.Append(zertoBackend.error(summary, err))
			return
		}
		id = v.ID()
	}
	setAttrs(ctx, &resp.State, &resp.Diagnostics, stateAttrs{"id": id, "force_delete": false, "keep_recovery_volumes": false})
}

// vcd returns the Cloud Director client the resource reads the VMs of the
// vApps with; ok is false when diags say why there is none.
func (r *DRProtectionGroupResource) vcd(ctx context.Context, diags *diag.Diagnostics) (*vcd.Client, bool) {
	_, cancel, vc, ok := open(ctx, r.data, vcdBackend, r.typeName(), nil, 0, diags)
	cancel()
	return vc, ok
}

// wait waits until the VPG of m reaches status and records what Zerto
// then reports of it.
func (m *drProtectionGroupModel) wait(ctx context.Context, c *zerto.Client, status int) error {
	v, err := c.WaitVpgStatus(ctx, m.ID.ValueString(), status)
	if err == nil {
		m.setStatus(v)
	}
	return err
}

// setStatus records the state of the VPG that Zerto reports.
func (m *drProtectionGroupModel) setStatus(v *zerto.Vpg) {
	m.Status, m.ActualRPO = types.StringValue(zerto.StatusName(v.Status)), types.Int64Value(v.ActualRPO)
	m.ProtectedVMCount = types.Int64Value(int64(v.VmsCount))
}

// waitDiag reports a failure of op on the VPG of m: a timeout in terms of
// the timeouts block and its setting; anything else as zertoBackend.error
// words it.
func (r *DRProtectionGroupResource) waitDiag(ctx context.Context, op operation, m *drProtectionGroupModel, err error) diag.Diagnostic {
	name := m.Name.ValueString()
	if errors.Is(err, context.DeadlineExceeded) {
		timeout, _ := r.bound(m.Timeouts, op)(ctx, r.timeout)
		return diag.NewErrorDiagnostic(fmt.Sprintf("Timed out trying to %s DR protection group %q", op, name),
			fmt.Sprintf("Zerto did not finish within the %s timeout (%s): %v. Raise timeouts.%s if the initial "+
				"sync needs longer; the VPG, if created, is recorded in state and will be replaced or destroyed.",
				op, timeout, err, op))
	}
	return zertoBackend.error(fmt.Sprintf("Unable to %s %s", op, m.label()), err)
}
