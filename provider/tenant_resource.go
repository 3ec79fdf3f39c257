package provider

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
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
)

var _ resource.ResourceWithImportState = &TenantResource{}

// NewTenantResource is the constructor the provider registers.
func NewTenantResource() resource.Resource { return &TenantResource{} }

// TenantResource manages a tenant's Cloud Director organization.
type TenantResource struct{ data *ProviderData }

type tenantModel struct {
	ID                              types.String   `tfsdk:"id"`
	Name                            types.String   `tfsdk:"name"`
	FullName                        types.String   `tfsdk:"full_name"`
	Description                     types.String   `tfsdk:"description"`
	Enabled                         types.Bool     `tfsdk:"enabled"`
	DeployedVMQuota                 types.Int64    `tfsdk:"deployed_vm_quota"`
	StoredVMQuota                   types.Int64    `tfsdk:"stored_vm_quota"`
	VAppDeploymentLeaseSeconds      types.Int64    `tfsdk:"vapp_deployment_lease_seconds"`
	VAppStorageLeaseSeconds         types.Int64    `tfsdk:"vapp_storage_lease_seconds"`
	VAppTemplateStorageLeaseSeconds types.Int64    `tfsdk:"vapp_template_storage_lease_seconds"`
	DeleteOnStorageLeaseExpiration  types.Bool     `tfsdk:"delete_on_storage_lease_expiration"`
	DeleteRecursive                 types.Bool     `tfsdk:"delete_recursive"`
	DeleteForce                     types.Bool     `tfsdk:"delete_force"`
	Timeouts                        timeouts.Value `tfsdk:"timeouts"`
}

var vcdOrgNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// leaseValidator accepts 0 (never expires) or at least one hour, as Cloud
// Director does.
var leaseValidator = []validator.Int64{int64validator.Any(int64validator.OneOf(0), int64validator.AtLeast(3600))}

func (r *TenantResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_tenant"
}

func (r *TenantResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A tenant's Cloud Director organization: names, enabled state, VM quotas and lease policy. " +
			"Deleting a tenant that still has VDCs fails unless `delete_recursive = true`. " +
			"Import by organization name (`terraform import tenantops_tenant.t acme`) or by its ID (URN or UUID).",
		Attributes: map[string]schema.Attribute{
			// required
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Organization name (the tenant id), used in the tenant portal URL. Changing it replaces the organization.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators: []validator.String{stringvalidator.LengthBetween(1, 128),
					stringvalidator.RegexMatches(vcdOrgNameRE, "must start with a letter or digit and contain only letters, digits, '-', '_' and '.'")},
			},
			"full_name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Display name of the organization, e.g. the customer's legal name.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			// optional
			"description": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(""),
				MarkdownDescription: "Free-text description."},
			"enabled": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Whether the organization's users can log in and use resources. Default `true`."},
			"deployed_vm_quota": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(0),
				MarkdownDescription: "Maximum number of running VMs; `0` (default) is unlimited.",
				Validators:          []validator.Int64{int64validator.AtLeast(0)}},
			"stored_vm_quota": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(0),
				MarkdownDescription: "Maximum number of stored VMs; `0` (default) is unlimited.",
				Validators:          []validator.Int64{int64validator.AtLeast(0)}},
			"vapp_deployment_lease_seconds": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(0),
				MarkdownDescription: "How long a vApp may run before it is stopped, in seconds; `0` (default) never, otherwise at least 3600.",
				Validators:          leaseValidator},
			"vapp_storage_lease_seconds": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(0),
				MarkdownDescription: "How long a stopped vApp is kept, in seconds; `0` (default) for ever, otherwise at least 3600.",
				Validators:          leaseValidator},
			"vapp_template_storage_lease_seconds": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(0),
				MarkdownDescription: "How long a vApp template is kept, in seconds; `0` (default) for ever, otherwise at least 3600.",
				Validators:          leaseValidator},
			"delete_on_storage_lease_expiration": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Delete (`true`) rather than mark expired (`false`, default) vApps and templates whose storage lease ends."},
			"delete_recursive": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "On destroy, also delete the organization's VDCs. With `false` (default) destroying a tenant that still " +
					"has VDCs fails, so a tenant is never removed together with workloads by accident."},
			"delete_force": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "On destroy, let Cloud Director also remove the organization's vApps, catalogs and networks. Default `false`."},
			// computed
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "Cloud Director organization ID (`urn:vcloud:org:<uuid>`).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),
		},
	}
}

func (r *TenantResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configureResource(req, resp)
}

func (r *TenantResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan tenantModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, vcdBackend, "tenantops_tenant", plan.Timeouts.Create, 20*time.Minute, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	name := plan.Name.ValueString()
	id, err := c.CreateOrg(ctx, plan.toOrg())
	if id != "" {
		// Track the organization before anything else can fail: a failed or
		// timed-out task leaves a tainted resource that destroy cleans up.
		plan.ID = types.StringValue(id)
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}
	if err != nil {
		resp.Diagnostics.Append(vcdBackend.error(fmt.Sprintf("Unable to create tenant %q", name), err))
		return
	}
	o, err := c.GetOrg(ctx, id)
	if err != nil {
		resp.Diagnostics.Append(vcdBackend.error(fmt.Sprintf("Unable to read tenant %q after creating it", name), err))
		return
	}
	plan.fromOrg(o)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *TenantResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state tenantModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, vcdBackend, "tenantops_tenant", nil, 0, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	o, err := c.GetOrg(ctx, state.ID.ValueString())
	if errors.Is(err, vcd.ErrNotFound) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.Append(vcdBackend.error(fmt.Sprintf("Unable to read tenant %q", state.Name.ValueString()), err))
		return
	}
	state.fromOrg(o)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *TenantResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state tenantModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, vcdBackend, "tenantops_tenant", plan.Timeouts.Update, 20*time.Minute, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	name := plan.Name.ValueString()
	plan.ID = state.ID
	// Only provider-side settings (delete_*, timeouts) changed: nothing to send.
	if reflect.DeepEqual(plan.toOrg(), state.toOrg()) {
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	if err := c.UpdateOrg(ctx, state.ID.ValueString(), plan.toOrg()); err != nil {
		resp.Diagnostics.Append(vcdBackend.error(fmt.Sprintf("Unable to update tenant %q", name), err))
		return
	}
	o, err := c.GetOrg(ctx, state.ID.ValueString())
	if err != nil {
		resp.Diagnostics.Append(vcdBackend.error(fmt.Sprintf("Unable to read tenant %q after updating it", name), err))
		return
	}
	plan.fromOrg(o)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *TenantResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state tenantModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, vcdBackend, "tenantops_tenant", state.Timeouts.Delete, 20*time.Minute, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	name := state.Name.ValueString()
	err := c.DeleteOrg(ctx, state.ID.ValueString(), state.DeleteRecursive.ValueBool(), state.DeleteForce.ValueBool())
	switch {
	case err == nil, errors.Is(err, vcd.ErrNotFound):
	case errors.Is(err, vcd.ErrOrgNotEmpty):
		resp.Diagnostics.AddError(fmt.Sprintf("Unable to delete tenant %q", name),
			vcdErr(err)+". Destroy the tenant's VDCs first, or set delete_recursive = true on the tenant "+
				"(and apply it) to delete the organization together with its VDCs.")
	default:
		resp.Diagnostics.Append(vcdBackend.error(fmt.Sprintf("Unable to delete tenant %q", name), err))
	}
}

func (r *TenantResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	ctx, cancel, c, ok := open(ctx, r.data, vcdBackend, "tenantops_tenant", nil, 0, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	var o *vcd.Org
	var err error
	if vcd.IsUUIDOrURN(req.ID) {
		o, err = c.GetOrg(ctx, req.ID)
	} else {
		o, err = c.GetOrgByName(ctx, req.ID)
	}
	if err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Unable to import tenant %q", req.ID),
			vcdErr(err)+". Import by organization name (e.g. `acme`) or ID (`urn:vcloud:org:<uuid>`).")
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), o.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), o.Name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("delete_recursive"), false)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("delete_force"), false)...)
}

func (m *tenantModel) toOrg() vcd.Org {
	return vcd.Org{
		Name: m.Name.ValueString(), FullName: m.FullName.ValueString(), Description: m.Description.ValueString(),
		Enabled: m.Enabled.ValueBool(), DeployedVMQuota: int(m.DeployedVMQuota.ValueInt64()), StoredVMQuota: int(m.StoredVMQuota.ValueInt64()),
		VAppDeploymentLeaseSeconds:      int(m.VAppDeploymentLeaseSeconds.ValueInt64()),
		VAppStorageLeaseSeconds:         int(m.VAppStorageLeaseSeconds.ValueInt64()),
		VAppTemplateStorageLeaseSeconds: int(m.VAppTemplateStorageLeaseSeconds.ValueInt64()),
		DeleteOnStorageLeaseExpiration:  m.DeleteOnStorageLeaseExpiration.ValueBool(),
	}
}

func (m *tenantModel) fromOrg(o *vcd.Org) {
	m.ID = types.StringValue(o.ID)
	m.Name = types.StringValue(o.Name)
	m.FullName = types.StringValue(o.FullName)
	m.Description = types.StringValue(o.Description)
	m.Enabled = types.BoolValue(o.Enabled)
	m.DeployedVMQuota = types.Int64Value(int64(o.DeployedVMQuota))
	m.StoredVMQuota = types.Int64Value(int64(o.StoredVMQuota))
	m.VAppDeploymentLeaseSeconds = types.Int64Value(int64(o.VAppDeploymentLeaseSeconds))
	m.VAppStorageLeaseSeconds = types.Int64Value(int64(o.VAppStorageLeaseSeconds))
	m.VAppTemplateStorageLeaseSeconds = types.Int64Value(int64(o.VAppTemplateStorageLeaseSeconds))
	m.DeleteOnStorageLeaseExpiration = types.BoolValue(o.DeleteOnStorageLeaseExpiration)
	if m.DeleteRecursive.IsNull() || m.DeleteRecursive.IsUnknown() {
		m.DeleteRecursive = types.BoolValue(false)
	}
	if m.DeleteForce.IsNull() || m.DeleteForce.IsUnknown() {
		m.DeleteForce = types.BoolValue(false)
	}
}
