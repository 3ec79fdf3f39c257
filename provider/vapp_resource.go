package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
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

var _ resource.ResourceWithImportState = &VAppResource{}

// NewVAppResource is the constructor the provider registers.
func NewVAppResource() resource.Resource { return &VAppResource{} }

// VAppResource manages a Cloud Director vApp: the container a tenant's VMs
// live in, and the unit Zerto protects.
type VAppResource struct{ data *ProviderData }

type vappModel struct {
	ID          types.String   `tfsdk:"id"`
	VDCID       types.String   `tfsdk:"vdc_id"`
	Name        types.String   `tfsdk:"name"`
	Description types.String   `tfsdk:"description"`
	InitialVM   *initialVM     `tfsdk:"initial_vm"`
	VMCount     types.Int64    `tfsdk:"vm_count"`
	Timeouts    timeouts.Value `tfsdk:"timeouts"`
}

type initialVM struct {
	Name            types.String `tfsdk:"name"`
	CPUs            types.Int64  `tfsdk:"cpus"`
	MemoryMB        types.Int64  `tfsdk:"memory_mb"`
	DiskSizeMB      types.Int64  `tfsdk:"disk_size_mb"`
	OSType          types.String `tfsdk:"os_type"`
	HardwareVersion types.String `tfsdk:"hardware_version"`
	PowerOn         types.Bool   `tfsdk:"power_on"`
}

var vdcURN = regexp.MustCompile(`^urn:vcloud:vdc:[0-9a-fA-F-]{36}$`)

func (r *VAppResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_vapp"
}

func (r *VAppResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A vApp in a tenant's org VDC: the container the tenant's VMs live in, and the unit Zerto " +
			"protects (`tenantops_dr_protection_group.vapp_ids`). The resource manages the container, not the tenant's " +
			"workloads: VMs the tenant places in it later are theirs, and deleting the vApp deletes them with it " +
			"(a running vApp is stopped first, since Cloud Director refuses to delete it otherwise). " +
			"`initial_vm` creates one VM without a template when the vApp is created, so that a VPG has a VM to protect " +
			"from the start (Zerto protects VMs: an empty vApp gives a VPG nothing to replicate). " +
			"Import by `<org>/<vdc>/<vApp>` or by the vApp ID (`urn:vcloud:vapp:<uuid>`).",
		Attributes: map[string]schema.Attribute{
			// required
			"vdc_id": schema.StringAttribute{Required: true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				MarkdownDescription: "ID of the org VDC the vApp lives in, e.g. `tenantops_tenant_vdc.main.id`. Changing it replaces the vApp.",
				Validators: []validator.String{stringvalidator.RegexMatches(vdcURN,
					"must be an org VDC ID of the form urn:vcloud:vdc:<uuid>")}},
			"name": schema.StringAttribute{Required: true,
				MarkdownDescription: "vApp name, unique in the org VDC. Renaming happens in place.",
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 128)}},
			// optional
			"description": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(""),
				MarkdownDescription: "Free-text description."},
			"initial_vm": schema.SingleNestedAttribute{Optional: true,
				MarkdownDescription: "A VM created without a template (no guest OS yet, one thin disk) when the vApp is " +
					"created. It is read only at creation: changing or removing it later changes nothing in Cloud Director.",
				Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{Required: true, MarkdownDescription: "VM name.",
						Validators: []validator.String{stringvalidator.LengthBetween(1, 128)}},
					"cpus": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(1),
						MarkdownDescription: "Virtual CPUs. Default `1`.", Validators: []validator.Int64{int64validator.Between(1, 128)}},
					"memory_mb": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(1024),
						MarkdownDescription: "Memory in MB. Default `1024`.", Validators: []validator.Int64{int64validator.AtLeast(4)}},
					"disk_size_mb": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(16384),
						MarkdownDescription: "Size of the VM's disk in MB. Default `16384`.", Validators: []validator.Int64{int64validator.AtLeast(1)}},
					"os_type": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("otherLinux64Guest"),
						MarkdownDescription: "vSphere guest OS identifier. Default `otherLinux64Guest`."},
					"hardware_version": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("vmx-19"),
						MarkdownDescription: "vSphere virtual hardware version. Default `vmx-19`.",
						Validators:          []validator.String{stringvalidator.RegexMatches(regexp.MustCompile(`^vmx-\d+$`), "must look like vmx-19")}},
					"power_on": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
						MarkdownDescription: "Power the VM on once created. Default `true`: Zerto synchronizes only running VMs."},
				},
			},
			// computed
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "Cloud Director vApp ID (`urn:vcloud:vapp:<uuid>`).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"vm_count": schema.Int64Attribute{Computed: true,
				MarkdownDescription: "Number of VMs in the vApp at the last refresh, the tenant's included."},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),
		},
	}
}

func (r *VAppResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configureResource(req, resp)
}

func (r *VAppResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan vappModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, vcdBackend, "tenantops_vapp", plan.Timeouts.Create, 20*time.Minute, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	name := plan.Name.ValueString()
	id, err := c.CreateVApp(ctx, plan.VDCID.ValueString(), name, plan.Description.ValueString(), plan.InitialVM.toNewVM())
	if id != "" {
		// Track the vApp before anything else can fail (tainted, not orphaned).
		plan.ID, plan.VMCount = types.StringValue(id), types.Int64Value(0)
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}
	if err != nil && id != "" {
		resp.Diagnostics.AddError(fmt.Sprintf("Unable to create vApp %q", name),
			fmt.Sprintf("The vApp was created (%s), but not its initial VM %q: %s. The vApp is recorded in state and "+
				"will be replaced by the next apply.", id, plan.InitialVM.Name.ValueString(), vcdErr(err)))
		return
	}
	if err != nil {
		resp.Diagnostics.Append(vcdBackend.error(fmt.Sprintf("Unable to create vApp %q", name), err))
		return
	}
	app, err := c.GetVApp(ctx, plan.VDCID.ValueString(), id)
	if err != nil {
		resp.Diagnostics.Append(vcdBackend.error(fmt.Sprintf("Unable to read vApp %q after creating it", name), err))
		return
	}
	plan.fromVApp(app)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *VAppResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state vappModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, vcdBackend, "tenantops_vapp", nil, 0, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	app, err := c.GetVApp(ctx, state.VDCID.ValueString(), state.ID.ValueString())
	if errors.Is(err, vcd.ErrNotFound) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.Append(vcdBackend.error(fmt.Sprintf("Unable to read vApp %q", state.Name.ValueString()), err))
		return
	}
	state.fromVApp(app)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *VAppResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state vappModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, vcdBackend, "tenantops_vapp", plan.Timeouts.Update, 20*time.Minute, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	plan.ID = state.ID
	name := plan.Name.ValueString()
	if !plan.Name.Equal(state.Name) || !plan.Description.Equal(state.Description) {
		if err := c.UpdateVApp(ctx, plan.VDCID.ValueString(), plan.ID.ValueString(), name, plan.Description.ValueString()); err != nil {
			resp.Diagnostics.Append(vcdBackend.error(fmt.Sprintf("Unable to update vApp %q", name), err))
			return
		}
	}
	app, err := c.GetVApp(ctx, plan.VDCID.ValueString(), plan.ID.ValueString())
	if err != nil {
		resp.Diagnostics.Append(vcdBackend.error(fmt.Sprintf("Unable to read vApp %q after updating it", name), err))
		return
	}
	plan.fromVApp(app)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *VAppResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state vappModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, vcdBackend, "tenantops_vapp", state.Timeouts.Delete, 20*time.Minute, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	if err := c.DeleteVApp(ctx, state.VDCID.ValueString(), state.ID.ValueString()); err != nil {
		resp.Diagnostics.Append(vcdBackend.error(fmt.Sprintf("Unable to delete vApp %q", state.Name.ValueString()), err))
	}
}

// ImportState accepts <org>/<vdc>/<vApp> or a vApp ID.
func (r *VAppResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	ctx, cancel, c, ok := open(ctx, r.data, vcdBackend, "tenantops_vapp", nil, 0, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	app, err := r.importVApp(ctx, c, req.ID)
	if err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Unable to import vApp %q", req.ID),
			vcdErr(err)+". Import by `<org>/<vdc>/<vApp>` (e.g. `acme/acme-vdc/workloads`) or by the vApp ID.")
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), app.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("vdc_id"), app.VDCID)...)
}

func (r *VAppResource) importVApp(ctx context.Context, c *vcd.Client, id string) (*vcd.VApp, error) {
	if strings.HasPrefix(id, "urn:vcloud:vapp:") {
		return c.VAppVMs(ctx, id)
	}
	parts := strings.Split(id, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return nil, fmt.Errorf("expected <org>/<vdc>/<vApp> or a vApp ID, got %q", id)
	}
	o, err := c.GetOrgByName(ctx, parts[0])
	if err != nil {
		return nil, err
	}
	v, err := c.GetVDCByName(ctx, o.ID, parts[1])
	if err != nil {
		return nil, err
	}
	return c.GetVAppByName(ctx, v.ID, parts[2])
}

func (vm *initialVM) toNewVM() *vcd.NewVM {
	if vm == nil {
		return nil
	}
	return &vcd.NewVM{Name: vm.Name.ValueString(), CPUs: int(vm.CPUs.ValueInt64()), MemoryMB: vm.MemoryMB.ValueInt64(),
		DiskMB: vm.DiskSizeMB.ValueInt64(), OSType: vm.OSType.ValueString(), HardwareVersion: vm.HardwareVersion.ValueString(),
		PowerOn: vm.PowerOn.ValueBool()}
}

// fromVApp copies what Cloud Director reports; initial_vm stays as
// configured, since it describes the vApp's creation only.
func (m *vappModel) fromVApp(a *vcd.VApp) {
	m.ID, m.Name, m.Description = types.StringValue(a.ID), types.StringValue(a.Name), types.StringValue(a.Description)
	if a.VDCID != "" {
		m.VDCID = types.StringValue(a.VDCID)
	}
	m.VMCount = types.Int64Value(int64(len(a.VMs)))
}
