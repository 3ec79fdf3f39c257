package provider

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/vcd"
)

var (
	_ resource.ResourceWithImportState    = &TenantVDCResource{}
	_ resource.ResourceWithValidateConfig = &TenantVDCResource{}
)

// NewTenantVDCResource is the constructor the provider registers.
func NewTenantVDCResource() resource.Resource {
	return &TenantVDCResource{newCRUD[tenantVDCModel](vcdBackend, "tenant_vdc", 30*time.Minute, writeOps)}
}

// TenantVDCResource manages an org VDC of a tenant.
type TenantVDCResource struct {
	crudResource[tenantVDCModel, *tenantVDCModel, *vcd.Client]
}

type tenantVDCModel struct {
	ID                types.String          `tfsdk:"id"`
	Org               types.String          `tfsdk:"org"`
	OrgID             types.String          `tfsdk:"org_id"`
	Name              types.String          `tfsdk:"name"`
	Description       types.String          `tfsdk:"description"`
	ProviderVDC       types.String          `tfsdk:"provider_vdc"`
	AllocationModel   types.String          `tfsdk:"allocation_model"`
	CPUAllocatedMHz   types.Int64           `tfsdk:"cpu_allocated_mhz"`
	CPULimitMHz       types.Int64           `tfsdk:"cpu_limit_mhz"`
	MemoryAllocatedMB types.Int64           `tfsdk:"memory_allocated_mb"`
	MemoryLimitMB     types.Int64           `tfsdk:"memory_limit_mb"`
	StorageProfiles   []storageProfileModel `tfsdk:"storage_profiles"`
	NetworkPool       types.String          `tfsdk:"network_pool"`
	Enabled           types.Bool            `tfsdk:"enabled"`
	ThinProvisioning  types.Bool            `tfsdk:"thin_provisioning"`
	FastProvisioning  types.Bool            `tfsdk:"fast_provisioning"`
	timeoutsModel
}

func (m *tenantVDCModel) label() string {
	return fmt.Sprintf("tenant VDC %q", m.Org.ValueString()+"/"+m.Name.ValueString())
}

type storageProfileModel struct {
	Name    types.String `tfsdk:"name"`
	LimitMB types.Int64  `tfsdk:"limit_mb"`
	Default types.Bool   `tfsdk:"default"`
	Enabled types.Bool   `tfsdk:"enabled"`
}

func (r *TenantVDCResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	atLeast0 := int64validator.AtLeast(0)
	networkPool := defaultString("Network pool for the VDC's networks; empty (default) for none. Changing it replaces the VDC.", "")
	networkPool.PlanModifiers = []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "An org VDC of a tenant: its provider VDC, allocation model, CPU and memory quotas, storage " +
			"profiles and network pool. Import by `<org>/<vdc>` (e.g. `acme/vdc-main`) or by the VDC ID (URN or UUID).",
		Attributes: map[string]schema.Attribute{
			// required
			"org": replacingString("Name of the tenant's organization, usually `tenantops_tenant.<name>.name`. Changing it replaces the VDC."),
			"name": requiredString("VDC name, unique in the organization. Renaming happens in place.",
				stringvalidator.LengthBetween(1, 128)),
			"provider_vdc": replacingString("Name of the provider VDC the VDC draws resources from (see the `tenantops_provider_vdc` data source). Changing it replaces the VDC."),
			"allocation_model": replacingString("`AllocationVApp` (pay as you go), `AllocationPool`, `ReservationPool` or `Flex`. Changing it replaces the VDC.",
				stringvalidator.OneOf("AllocationVApp", "AllocationPool", "ReservationPool", "Flex")),
			"storage_profiles": schema.ListNestedAttribute{Required: true,
				MarkdownDescription: "Storage profiles of the VDC, by provider VDC storage profile name; exactly one is the default.",
				Validators:          []validator.List{listvalidator.SizeAtLeast(1)},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":     requiredString("Provider VDC storage profile name, e.g. `gold`."),
					"limit_mb": defaultInt("Storage limit in MB; `0` (default) is unlimited.", 0, atLeast0),
					"default":  defaultBool("Whether new VMs use this profile. Exactly one profile is the default.", false),
					"enabled":  defaultBool("Whether the profile can be used. Default `true`; the default profile must be enabled.", true),
				}},
			},
			// optional
			"description":         defaultString("Free-text description.", ""),
			"cpu_allocated_mhz":   defaultInt("CPU allocation in MHz (meaning depends on the allocation model). Default `0`.", 0, atLeast0),
			"cpu_limit_mhz":       defaultInt("CPU limit in MHz; `0` (default) is unlimited.", 0, atLeast0),
			"memory_allocated_mb": defaultInt("Memory allocation in MB. Default `0`.", 0, atLeast0),
			"memory_limit_mb":     defaultInt("Memory limit in MB; `0` (default) is unlimited.", 0, atLeast0),
			"network_pool":        networkPool,
			"enabled":             defaultBool("Whether new workloads can be deployed in the VDC. Default `true`.", true),
			"thin_provisioning":   defaultBool("Thin-provision VM disks. Default `true`.", true),
			"fast_provisioning":   defaultBool("Use linked clones for new VMs. Default `false`.", false),
			// computed
			"id":     stableString("Cloud Director VDC ID (`urn:vcloud:vdc:<uuid>`)."),
			"org_id": stableString("ID of the organization."),
		},
		Blocks: r.timeoutsBlock(ctx),
	}
}

func (r *TenantVDCResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m tenantVDCModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.StorageProfiles == nil {
		return
	}
	defaults, seen := 0, map[string]bool{}
	for i, sp := range m.StorageProfiles {
		if sp.Default.IsUnknown() || sp.Name.IsUnknown() || sp.Enabled.IsUnknown() {
			return
		}
		if sp.Default.ValueBool() {
			defaults++
			if !sp.Enabled.IsNull() && !sp.Enabled.ValueBool() {
				resp.Diagnostics.AddAttributeError(path.Root("storage_profiles").AtListIndex(i).AtName("enabled"),
					"Default storage profile disabled", "The default storage profile must be enabled.")
			}
		}
		if seen[sp.Name.ValueString()] {
			resp.Diagnostics.AddAttributeError(path.Root("storage_profiles").AtListIndex(i).AtName("name"),
				"Duplicate storage profile", fmt.Sprintf("Storage profile %q is listed more than once.", sp.Name.ValueString()))
		}
		seen[sp.Name.ValueString()] = true
	}
	if defaults != 1 {
		resp.Diagnostics.AddAttributeError(path.Root("storage_profiles"), "Exactly one default storage profile",
			fmt.Sprintf("Exactly one storage profile must have default = true, found %d.", defaults))
	}
}

func (m *tenantVDCModel) create(ctx context.Context, c *vcd.Client, resp *resource.CreateResponse) error {
	o, err := c.GetOrgByName(ctx, m.Org.ValueString())
	if err != nil {
		return err
	}
	id, err := c.CreateVDC(ctx, o.ID, m.toVDC())
	if id != "" {
		// Track the VDC before anything else can fail (tainted, not orphaned).
		m.ID, m.OrgID = types.StringValue(id), types.StringValue(o.ID)
		resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
	}
	if err != nil {
		return err
	}
	v, err := c.GetVDC(ctx, m.OrgID.ValueString(), m.ID.ValueString())
	return readBack(m, "creating", err, func() { m.fromVDC(v) })
}

func (m *tenantVDCModel) read(ctx context.Context, c *vcd.Client, _ *diag.Diagnostics) error {
	v, err := c.GetVDC(ctx, m.OrgID.ValueString(), m.ID.ValueString())
	if err == nil {
		m.fromVDC(v)
	}
	return err
}

// onlyLocal: timeouts are the provider's own.
func (m *tenantVDCModel) onlyLocal(prior *tenantVDCModel) bool {
	m.ID, m.OrgID = prior.ID, prior.OrgID
	return reflect.DeepEqual(m.toVDC(), prior.toVDC())
}

func (m *tenantVDCModel) update(ctx context.Context, c *vcd.Client, prior *tenantVDCModel, _ *diag.Diagnostics) error {
	if err := c.UpdateVDC(ctx, prior.ID.ValueString(), m.toVDC()); err != nil {
		return err
	}
	v, err := c.GetVDC(ctx, m.OrgID.ValueString(), m.ID.ValueString())
	return readBack(m, "updating", err, func() { m.fromVDC(v) })
}

func (m *tenantVDCModel) delete(ctx context.Context, c *vcd.Client) error {
	return c.DeleteVDC(ctx, m.OrgID.ValueString(), m.ID.ValueString())
}

func (r *TenantVDCResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importResource(ctx, &r.resourceBase, req, resp, fmt.Sprintf("Unable to import tenant VDC %q", req.ID),
		"Import by `<org>/<vdc>` (e.g. `acme/vdc-main`) or by the VDC ID.",
		func(ctx context.Context, c *vcd.Client, key string) (stateAttrs, error) {
			v, o, err := vdcByKey(ctx, c, key)
			if err != nil {
				return nil, err
			}
			return stateAttrs{"id": v.ID, "org": o.Name}, nil
		})
}

// vdcByKey finds the VDC an import key names, and its organization: a VDC
// ID (URN or UUID) or <org>/<vdc>.
func vdcByKey(ctx context.Context, c *vcd.Client, key string) (*vcd.VDC, *vcd.Org, error) {
	if orgName, vdcName, ok := strings.Cut(key, "/"); ok && orgName != "" && vdcName != "" {
		o, err := c.GetOrgByName(ctx, orgName)
		if err != nil {
			return nil, nil, err
		}
		v, err := c.GetVDCByName(ctx, o.ID, vdcName)
		return v, o, err
	}
	if !vcd.IsUUIDOrURN(key) {
		return nil, nil, fmt.Errorf("expected <org>/<vdc> or a VDC ID, got %q", key)
	}
	v, err := c.GetVDC(ctx, "", key)
	if err != nil {
		return nil, nil, err
	}
	o, err := c.GetOrg(ctx, v.OrgID)
	return v, o, err
}

func (m *tenantVDCModel) toVDC() vcd.VDC {
	v := vcd.VDC{
		Name: m.Name.ValueString(), Description: m.Description.ValueString(), ProviderVDC: m.ProviderVDC.ValueString(),
		NetworkPool: m.NetworkPool.ValueString(), AllocationModel: m.AllocationModel.ValueString(),
		CPUAllocatedMHz: m.CPUAllocatedMHz.ValueInt64(), CPULimitMHz: m.CPULimitMHz.ValueInt64(),
		MemAllocatedMB: m.MemoryAllocatedMB.ValueInt64(), MemLimitMB: m.MemoryLimitMB.ValueInt64(),
		Enabled: m.Enabled.ValueBool(), ThinProvision: m.ThinProvisioning.ValueBool(), FastProvision: m.FastProvisioning.ValueBool(),
	}
	for _, sp := range m.StorageProfiles {
		v.StorageProfiles = append(v.StorageProfiles, vcd.StorageProfile{Name: sp.Name.ValueString(), LimitMB: sp.LimitMB.ValueInt64(),
			Default: sp.Default.ValueBool(), Enabled: sp.Enabled.ValueBool()})
	}
	return v
}

func (m *tenantVDCModel) fromVDC(v *vcd.VDC) {
	m.ID, m.OrgID = types.StringValue(v.ID), types.StringValue(v.OrgID)
	m.Name, m.Description = types.StringValue(v.Name), types.StringValue(v.Description)
	m.ProviderVDC, m.NetworkPool = types.StringValue(v.ProviderVDC), types.StringValue(v.NetworkPool)
	m.AllocationModel = types.StringValue(v.AllocationModel)
	m.CPUAllocatedMHz, m.CPULimitMHz = types.Int64Value(v.CPUAllocatedMHz), types.Int64Value(v.CPULimitMHz)
	m.MemoryAllocatedMB, m.MemoryLimitMB = types.Int64Value(v.MemAllocatedMB), types.Int64Value(v.MemLimitMB)
	m.Enabled = types.BoolValue(v.Enabled)
	m.ThinProvisioning, m.FastProvisioning = types.BoolValue(v.ThinProvision), types.BoolValue(v.FastProvision)
	// Keep the configured order of profiles so the list does not churn;
	// profiles Cloud Director has that the configuration lacks go last.
	order := map[string]int{}
	for i, sp := range m.StorageProfiles {
		order[sp.Name.ValueString()] = i
	}
	out := make([]storageProfileModel, 0, len(v.StorageProfiles))
	for _, sp := range v.StorageProfiles {
		out = append(out, storageProfileModel{Name: types.StringValue(sp.Name), LimitMB: types.Int64Value(sp.LimitMB),
			Default: types.BoolValue(sp.Default), Enabled: types.BoolValue(sp.Enabled)})
	}
	rank := func(name string) int {
		if i, ok := order[name]; ok {
			return i
		}
		return len(order)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && rank(out[j].Name.ValueString()) < rank(out[j-1].Name.ValueString()); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	m.StorageProfiles = out
}
