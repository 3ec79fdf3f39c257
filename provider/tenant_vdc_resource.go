package provider

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
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

var (
	_ resource.ResourceWithImportState    = &TenantVDCResource{}
	_ resource.ResourceWithValidateConfig = &TenantVDCResource{}
)

// NewTenantVDCResource is the constructor the provider registers.
func NewTenantVDCResource() resource.Resource { return &TenantVDCResource{} }

// TenantVDCResource manages an org VDC of a tenant.
type TenantVDCResource struct{ data *ProviderData }

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
	Timeouts          timeouts.Value        `tfsdk:"timeouts"`
}

type storageProfileModel struct {
	Name    types.String `tfsdk:"name"`
	LimitMB types.Int64  `tfsdk:"limit_mb"`
	Default types.Bool   `tfsdk:"default"`
	Enabled types.Bool   `tfsdk:"enabled"`
}

func (r *TenantVDCResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_tenant_vdc"
}

func (r *TenantVDCResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "An org VDC of a tenant: its provider VDC, allocation model, CPU and memory quotas, storage " +
			"profiles and network pool. Import by `<org>/<vdc>` (e.g. `acme/vdc-main`) or by the VDC ID (URN or UUID).",
		Attributes: map[string]schema.Attribute{
			// required
			"org": schema.StringAttribute{Required: true, PlanModifiers: replace,
				MarkdownDescription: "Name of the tenant's organization, usually `tenantops_tenant.<name>.name`. Changing it replaces the VDC."},
			"name": schema.StringAttribute{Required: true,
				MarkdownDescription: "VDC name, unique in the organization. Renaming happens in place.",
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 128)}},
			"provider_vdc": schema.StringAttribute{Required: true, PlanModifiers: replace,
				MarkdownDescription: "Name of the provider VDC the VDC draws resources from (see the `tenantops_provider_vdc` data source). Changing it replaces the VDC."},
			"allocation_model": schema.StringAttribute{Required: true, PlanModifiers: replace,
				MarkdownDescription: "`AllocationVApp` (pay as you go), `AllocationPool`, `ReservationPool` or `Flex`. Changing it replaces the VDC.",
				Validators:          []validator.String{stringvalidator.OneOf("AllocationVApp", "AllocationPool", "ReservationPool", "Flex")}},
			"storage_profiles": schema.ListNestedAttribute{Required: true,
				MarkdownDescription: "Storage profiles of the VDC, by provider VDC storage profile name; exactly one is the default.",
				Validators:          []validator.List{listvalidator.SizeAtLeast(1)},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{Required: true, MarkdownDescription: "Provider VDC storage profile name, e.g. `gold`."},
					"limit_mb": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(0),
						MarkdownDescription: "Storage limit in MB; `0` (default) is unlimited.",
						Validators:          []validator.Int64{int64validator.AtLeast(0)}},
					"default": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
						MarkdownDescription: "Whether new VMs use this profile. Exactly one profile is the default."},
					"enabled": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
						MarkdownDescription: "Whether the profile can be used. Default `true`; the default profile must be enabled."},
				}},
			},
			// optional
			"description": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(""),
				MarkdownDescription: "Free-text description."},
			"cpu_allocated_mhz": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(0),
				MarkdownDescription: "CPU allocation in MHz (meaning depends on the allocation model). Default `0`.",
				Validators:          []validator.Int64{int64validator.AtLeast(0)}},
			"cpu_limit_mhz": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(0),
				MarkdownDescription: "CPU limit in MHz; `0` (default) is unlimited.",
				Validators:          []validator.Int64{int64validator.AtLeast(0)}},
			"memory_allocated_mb": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(0),
				MarkdownDescription: "Memory allocation in MB. Default `0`.",
				Validators:          []validator.Int64{int64validator.AtLeast(0)}},
			"memory_limit_mb": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(0),
				MarkdownDescription: "Memory limit in MB; `0` (default) is unlimited.",
				Validators:          []validator.Int64{int64validator.AtLeast(0)}},
			"network_pool": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(""),
				PlanModifiers:       replace,
				MarkdownDescription: "Network pool for the VDC's networks; empty (default) for none. Changing it replaces the VDC."},
			"enabled": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Whether new workloads can be deployed in the VDC. Default `true`."},
			"thin_provisioning": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Thin-provision VM disks. Default `true`."},
			"fast_provisioning": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Use linked clones for new VMs. Default `false`."},
			// computed
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "Cloud Director VDC ID (`urn:vcloud:vdc:<uuid>`).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"org_id": schema.StringAttribute{Computed: true, MarkdownDescription: "ID of the organization.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),
		},
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

func (r *TenantVDCResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configureResource(req, resp)
}

func (r *TenantVDCResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan tenantVDCModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, vcdBackend, "tenantops_tenant_vdc", plan.Timeouts.Create, 30*time.Minute, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	label := plan.Org.ValueString() + "/" + plan.Name.ValueString()
	o, err := c.GetOrgByName(ctx, plan.Org.ValueString())
	if err != nil {
		resp.Diagnostics.Append(vcdBackend.error(fmt.Sprintf("Unable to create tenant VDC %q", label), err))
		return
	}
	id, err := c.CreateVDC(ctx, o.ID, plan.toVDC())
	if id != "" {
		// Track the VDC before anything else can fail (tainted, not orphaned).
		plan.ID, plan.OrgID = types.StringValue(id), types.StringValue(o.ID)
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}
	if err != nil {
		resp.Diagnostics.Append(vcdBackend.error(fmt.Sprintf("Unable to create tenant VDC %q", label), err))
		return
	}
	v, err := c.GetVDC(ctx, o.ID, id)
	if err != nil {
		resp.Diagnostics.Append(vcdBackend.error(fmt.Sprintf("Unable to read tenant VDC %q after creating it", label), err))
		return
	}
	plan.fromVDC(v)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *TenantVDCResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state tenantVDCModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, vcdBackend, "tenantops_tenant_vdc", nil, 0, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	v, err := c.GetVDC(ctx, state.OrgID.ValueString(), state.ID.ValueString())
	if errors.Is(err, vcd.ErrNotFound) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.Append(vcdBackend.error(fmt.Sprintf("Unable to read tenant VDC %q", state.Org.ValueString()+"/"+state.Name.ValueString()), err))
		return
	}
	state.fromVDC(v)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *TenantVDCResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state tenantVDCModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, vcdBackend, "tenantops_tenant_vdc", plan.Timeouts.Update, 30*time.Minute, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	label := plan.Org.ValueString() + "/" + plan.Name.ValueString()
	plan.ID, plan.OrgID = state.ID, state.OrgID
	if reflect.DeepEqual(plan.toVDC(), state.toVDC()) { // only timeouts changed
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	if err := c.UpdateVDC(ctx, state.ID.ValueString(), plan.toVDC()); err != nil {
		resp.Diagnostics.Append(vcdBackend.error(fmt.Sprintf("Unable to update tenant VDC %q", label), err))
		return
	}
	v, err := c.GetVDC(ctx, state.OrgID.ValueString(), state.ID.ValueString())
	if err != nil {
		resp.Diagnostics.Append(vcdBackend.error(fmt.Sprintf("Unable to read tenant VDC %q after updating it", label), err))
		return
	}
	plan.fromVDC(v)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *TenantVDCResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state tenantVDCModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, vcdBackend, "tenantops_tenant_vdc", state.Timeouts.Delete, 30*time.Minute, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	if err := c.DeleteVDC(ctx, state.OrgID.ValueString(), state.ID.ValueString()); err != nil && !errors.Is(err, vcd.ErrNotFound) {
		resp.Diagnostics.Append(vcdBackend.error(fmt.Sprintf("Unable to delete tenant VDC %q", state.Org.ValueString()+"/"+state.Name.ValueString()), err))
	}
}

func (r *TenantVDCResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	ctx, cancel, c, ok := open(ctx, r.data, vcdBackend, "tenantops_tenant_vdc", nil, 0, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	var v *vcd.VDC
	var orgName string
	var err error
	if orgPart, vdcPart, ok := strings.Cut(req.ID, "/"); ok && orgPart != "" && vdcPart != "" {
		var o *vcd.Org
		if o, err = c.GetOrgByName(ctx, orgPart); err == nil {
			v, err = c.GetVDCByName(ctx, o.ID, vdcPart)
			orgName = o.Name
		}
	} else if vcd.IsUUIDOrURN(req.ID) {
		if v, err = c.GetVDC(ctx, "", req.ID); err == nil {
			var o *vcd.Org
			if o, err = c.GetOrg(ctx, v.OrgID); err == nil {
				orgName = o.Name
			}
		}
	} else {
		err = fmt.Errorf("expected <org>/<vdc> or a VDC ID, got %q", req.ID)
	}
	if err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Unable to import tenant VDC %q", req.ID),
			vcdErr(err)+". Import by `<org>/<vdc>` (e.g. `acme/vdc-main`) or by the VDC ID.")
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), v.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("org"), orgName)...)
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
