package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/vcd"
)

var _ resource.ResourceWithImportState = &VAppResource{}

// NewVAppResource is the constructor the provider registers.
func NewVAppResource() resource.Resource {
	return &VAppResource{newCRUD[vappModel](vcdBackend, "vapp", 20*time.Minute, writeOps)}
}

// VAppResource manages a Cloud Director vApp: the container a tenant's VMs
// live in, and the unit Zerto protects.
type VAppResource struct {
	crudResource[vappModel, *vappModel, *vcd.Client]
}

type vappModel struct {
	ID          types.String `tfsdk:"id"`
	VDCID       types.String `tfsdk:"vdc_id"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	InitialVM   *initialVM   `tfsdk:"initial_vm"`
	VMCount     types.Int64  `tfsdk:"vm_count"`
	timeoutsModel
}

func (m *vappModel) label() string { return fmt.Sprintf("vApp %q", m.Name.ValueString()) }

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
			"vdc_id": replacingString("ID of the org VDC the vApp lives in, e.g. `tenantops_tenant_vdc.main.id`. Changing it replaces the vApp.",
				stringvalidator.RegexMatches(vdcURN, "must be an org VDC ID of the form urn:vcloud:vdc:<uuid>")),
			"name": requiredString("vApp name, unique in the org VDC. Renaming happens in place.", stringvalidator.LengthBetween(1, 128)),
			// optional
			"description": defaultString("Free-text description.", ""),
			"initial_vm": schema.SingleNestedAttribute{Optional: true,
				MarkdownDescription: "A VM created without a template (no guest OS yet, one thin disk) when the vApp is " +
					"created. It is read only at creation: changing or removing it later changes nothing in Cloud Director.",
				Attributes: map[string]schema.Attribute{
					"name":         requiredString("VM name.", stringvalidator.LengthBetween(1, 128)),
					"cpus":         defaultInt("Virtual CPUs. Default `1`.", 1, int64validator.Between(1, 128)),
					"memory_mb":    defaultInt("Memory in MB. Default `1024`.", 1024, int64validator.AtLeast(4)),
					"disk_size_mb": defaultInt("Size of the VM's disk in MB. Default `16384`.", 16384, int64validator.AtLeast(1)),
					"os_type":      defaultString("vSphere guest OS identifier. Default `otherLinux64Guest`.", "otherLinux64Guest"),
					"hardware_version": defaultString("vSphere virtual hardware version. Default `vmx-19`.", "vmx-19",
						stringvalidator.RegexMatches(regexp.MustCompile(`^vmx-\d+$`), "must look like vmx-19")),
					"power_on": defaultBool("Power the VM on once created. Default `true`: Zerto synchronizes only running VMs.", true),
				},
			},
			// computed
			"id":       stableString("Cloud Director vApp ID (`urn:vcloud:vapp:<uuid>`)."),
			"vm_count": computedInt("Number of VMs in the vApp at the last refresh, the tenant's included."),
		},
		Blocks: r.timeoutsBlock(ctx),
	}
}

func (m *vappModel) create(ctx context.Context, c *vcd.Client, resp *resource.CreateResponse) error {
	id, err := c.CreateVApp(ctx, m.VDCID.ValueString(), m.Name.ValueString(), m.Description.ValueString(), m.InitialVM.toNewVM())
	if id != "" {
		// Track the vApp before anything else can fail (tainted, not orphaned).
		m.ID, m.VMCount = types.StringValue(id), types.Int64Value(0)
		resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
	}
	if err != nil && id != "" {
		resp.Diagnostics.AddError("Unable to create "+m.label(),
			fmt.Sprintf("The vApp was created (%s), but not its initial VM %q: %s. The vApp is recorded in state and "+
				"will be replaced by the next apply.", id, m.InitialVM.Name.ValueString(), vcdErr(err)))
		return nil
	}
	if err != nil {
		return err
	}
	app, err := c.GetVApp(ctx, m.VDCID.ValueString(), m.ID.ValueString())
	return readBack(m, "creating", err, func() { m.fromVApp(app) })
}

func (m *vappModel) read(ctx context.Context, c *vcd.Client, _ *diag.Diagnostics) error {
	app, err := c.GetVApp(ctx, m.VDCID.ValueString(), m.ID.ValueString())
	if err == nil {
		m.fromVApp(app)
	}
	return err
}

func (m *vappModel) update(ctx context.Context, c *vcd.Client, prior *vappModel, _ *diag.Diagnostics) error {
	m.ID = prior.ID
	if !m.Name.Equal(prior.Name) || !m.Description.Equal(prior.Description) {
		err := c.UpdateVApp(ctx, m.VDCID.ValueString(), m.ID.ValueString(), m.Name.ValueString(), m.Description.ValueString())
		if err != nil {
			return err
		}
	}
	app, err := c.GetVApp(ctx, m.VDCID.ValueString(), m.ID.ValueString())
	return readBack(m, "updating", err, func() { m.fromVApp(app) })
}

func (m *vappModel) delete(ctx context.Context, c *vcd.Client) error {
	return c.DeleteVApp(ctx, m.VDCID.ValueString(), m.ID.ValueString())
}

// ImportState accepts <org>/<vdc>/<vApp> or a vApp ID.
func (r *VAppResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importResource(ctx, &r.resourceBase, req, resp, fmt.Sprintf("Unable to import vApp %q", req.ID),
		"Import by `<org>/<vdc>/<vApp>` (e.g. `acme/acme-vdc/workloads`) or by the vApp ID.",
		func(ctx context.Context, c *vcd.Client, key string) (stateAttrs, error) {
			app, err := r.importVApp(ctx, c, key)
			if err != nil {
				return nil, err
			}
			return stateAttrs{"id": app.ID, "vdc_id": app.VDCID}, nil
		})
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
