package provider

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/vcd"
)

var _ resource.ResourceWithImportState = &TenantResource{}

// NewTenantResource is the constructor the provider registers.
func NewTenantResource() resource.Resource {
	return &TenantResource{newCRUD[tenantModel](vcdBackend, "tenant", 20*time.Minute, writeOps)}
}

// TenantResource manages a tenant's Cloud Director organization.
type TenantResource struct {
	crudResource[tenantModel, *tenantModel, *vcd.Client]
}

type tenantModel struct {
	ID                              types.String `tfsdk:"id"`
	Name                            types.String `tfsdk:"name"`
	FullName                        types.String `tfsdk:"full_name"`
	Description                     types.String `tfsdk:"description"`
	Enabled                         types.Bool   `tfsdk:"enabled"`
	DeployedVMQuota                 types.Int64  `tfsdk:"deployed_vm_quota"`
	StoredVMQuota                   types.Int64  `tfsdk:"stored_vm_quota"`
	VAppDeploymentLeaseSeconds      types.Int64  `tfsdk:"vapp_deployment_lease_seconds"`
	VAppStorageLeaseSeconds         types.Int64  `tfsdk:"vapp_storage_lease_seconds"`
	VAppTemplateStorageLeaseSeconds types.Int64  `tfsdk:"vapp_template_storage_lease_seconds"`
	DeleteOnStorageLeaseExpiration  types.Bool   `tfsdk:"delete_on_storage_lease_expiration"`
	DeleteRecursive                 types.Bool   `tfsdk:"delete_recursive"`
	DeleteForce                     types.Bool   `tfsdk:"delete_force"`
	timeoutsModel
}

func (m *tenantModel) label() string { return fmt.Sprintf("tenant %q", m.Name.ValueString()) }

var vcdOrgNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// leaseValidator accepts 0 (never expires) or at least one hour, as Cloud
// Director does.
var leaseValidator = int64validator.Any(int64validator.OneOf(0), int64validator.AtLeast(3600))

func (r *TenantResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	atLeast0 := int64validator.AtLeast(0)
	resp.Schema = schema.Schema{
		MarkdownDescription: "A tenant's Cloud Director organization: names, enabled state, VM quotas and lease policy. " +
			"Deleting a tenant that still has VDCs fails unless `delete_recursive = true`. " +
			"Import by organization name (`terraform import tenantops_tenant.t acme`) or by its ID (URN or UUID).",
		Attributes: map[string]schema.Attribute{
			// required
			"name": replacingString("Organization name (the tenant id), used in the tenant portal URL. Changing it replaces the organization.",
				stringvalidator.LengthBetween(1, 128),
				stringvalidator.RegexMatches(vcdOrgNameRE, "must start with a letter or digit and contain only letters, digits, '-', '_' and '.'")),
			"full_name": requiredString("Display name of the organization, e.g. the customer's legal name.", nonEmpty),
			// optional
			"description":       defaultString("Free-text description.", ""),
			"enabled":           defaultBool("Whether the organization's users can log in and use resources. Default `true`.", true),
			"deployed_vm_quota": defaultInt("Maximum number of running VMs; `0` (default) is unlimited.", 0, atLeast0),
			"stored_vm_quota":   defaultInt("Maximum number of stored VMs; `0` (default) is unlimited.", 0, atLeast0),
			"vapp_deployment_lease_seconds": defaultInt("How long a vApp may run before it is stopped, in seconds; `0` (default) never, otherwise at least 3600.",
				0, leaseValidator),
			"vapp_storage_lease_seconds": defaultInt("How long a stopped vApp is kept, in seconds; `0` (default) for ever, otherwise at least 3600.",
				0, leaseValidator),
			"vapp_template_storage_lease_seconds": defaultInt("How long a vApp template is kept, in seconds; `0` (default) for ever, otherwise at least 3600.",
				0, leaseValidator),
			"delete_on_storage_lease_expiration": defaultBool("Delete (`true`) rather than mark expired (`false`, default) vApps and templates whose storage lease ends.", false),
			"delete_recursive": defaultBool("On destroy, also delete the organization's VDCs. With `false` (default) destroying a tenant that still "+
				"has VDCs fails, so a tenant is never removed together with workloads by accident.", false),
			"delete_force": defaultBool("On destroy, let Cloud Director also remove the organization's vApps, catalogs and networks. Default `false`.", false),
			// computed
			"id": stableString("Cloud Director organization ID (`urn:vcloud:org:<uuid>`)."),
		},
		Blocks: r.timeoutsBlock(ctx),
	}
}

func (m *tenantModel) create(ctx context.Context, c *vcd.Client, resp *resource.CreateResponse) error {
	id, err := c.CreateOrg(ctx, m.toOrg())
	if id != "" {
		// Track the organization before anything else can fail: a failed or
		// timed-out task leaves a tainted resource that destroy cleans up.
		m.ID = types.StringValue(id)
		resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
	}
	if err != nil {
		return err
	}
	o, err := c.GetOrg(ctx, m.ID.ValueString())
	return readBack(m, "creating", err, func() { m.fromOrg(o) })
}

func (m *tenantModel) read(ctx context.Context, c *vcd.Client, _ *diag.Diagnostics) error {
	o, err := c.GetOrg(ctx, m.ID.ValueString())
	if err == nil {
		m.fromOrg(o)
	}
	return err
}

// onlyLocal: delete_recursive, delete_force and timeouts are the
// provider's own.
func (m *tenantModel) onlyLocal(prior *tenantModel) bool {
	m.ID = prior.ID
	return reflect.DeepEqual(m.toOrg(), prior.toOrg())
}

func (m *tenantModel) update(ctx context.Context, c *vcd.Client, prior *tenantModel, _ *diag.Diagnostics) error {
	if err := c.UpdateOrg(ctx, prior.ID.ValueString(), m.toOrg()); err != nil {
		return err
	}
	o, err := c.GetOrg(ctx, m.ID.ValueString())
	return readBack(m, "updating", err, func() { m.fromOrg(o) })
}

func (m *tenantModel) delete(ctx context.Context, c *vcd.Client) error {
	err := c.DeleteOrg(ctx, m.ID.ValueString(), m.DeleteRecursive.ValueBool(), m.DeleteForce.ValueBool())
	if errors.Is(err, vcd.ErrOrgNotEmpty) {
		return withHint(err, "Destroy the tenant's VDCs first, or set delete_recursive = true on the tenant "+
			"(and apply it) to delete the organization together with its VDCs.")
	}
	return err
}

func (r *TenantResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importResource(ctx, &r.resourceBase, req, resp, fmt.Sprintf("Unable to import tenant %q", req.ID),
		"Import by organization name (e.g. `acme`) or ID (`urn:vcloud:org:<uuid>`).",
		func(ctx context.Context, c *vcd.Client, key string) (stateAttrs, error) {
			o, err := orgByKey(ctx, c, key)
			if err != nil {
				return nil, err
			}
			return stateAttrs{"id": o.ID, "name": o.Name, "delete_recursive": false, "delete_force": false}, nil
		})
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
