package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/directory"
)

var (
	_ resource.ResourceWithImportState = &DirectoryOUResource{}
	_ resource.ResourceWithModifyPlan  = &DirectoryOUResource{}
)

// NewDirectoryOUResource is the tenantops_directory_ou constructor.
func NewDirectoryOUResource() resource.Resource { return &DirectoryOUResource{} }

// DirectoryOUResource manages an Active Directory organizational unit.
type DirectoryOUResource struct{ data *ProviderData }

type directoryOUModel struct {
	ID          types.String   `tfsdk:"id"`
	DN          types.String   `tfsdk:"dn"`
	Name        types.String   `tfsdk:"name"`
	Path        types.String   `tfsdk:"path"`
	Description types.String   `tfsdk:"description"`
	Recursive   types.Bool     `tfsdk:"recursive"`
	Timeouts    timeouts.Value `tfsdk:"timeouts"`
}

func (r *DirectoryOUResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_directory_ou"
}

func (r *DirectoryOUResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An Active Directory organizational unit, typically the container of one tenant's " +
			"groups and accounts. Renaming or moving it (`name`, `path`) is done in place with a modify-DN " +
			"operation, so the OU keeps its objectGUID and contents. Import by DN, e.g. " +
			"`OU=acme,OU=Tenants,DC=example,DC=com`, or by objectGUID.",
		Attributes: map[string]schema.Attribute{
			// required
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Name of the OU (the value of its `OU=` RDN). Any characters are allowed; they are escaped.",
				Validators:          nameValidators,
			},
			"path": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "DN of the parent container, e.g. `DC=example,DC=com`. Changing it moves the OU.",
				Validators:          dnStringValidators,
			},
			// optional
			"description": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Free-text description.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"recursive": schema.BoolAttribute{
				Optional: true, Computed: true,
				Default: booldefault.StaticBool(false),
				MarkdownDescription: "Whether destroying the OU also deletes everything in it. With the default " +
					"`false`, destroying a non-empty OU fails and names the problem.",
			},
			// computed
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The OU's objectGUID, stable across renames and moves.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"dn": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The OU's current distinguished name.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

func (r *DirectoryOUResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configureResource(req, resp)
}

func (r *DirectoryOUResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	dirPlanDN(ctx, req, resp)
}

func (r *DirectoryOUResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan directoryOUModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, directoryBackend, "tenantops_directory_ou", plan.Timeouts.Create, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	ou, err := c.CreateOU(ctx, plan.Path.ValueString(), directory.OU{
		Name: plan.Name.ValueString(), Description: plan.Description.ValueString(),
	})
	if err != nil {
		resp.Diagnostics.Append(directoryBackend.error(fmt.Sprintf("Unable to create OU %q", plan.Name.ValueString()), err))
		return
	}
	plan.ID = types.StringValue(ou.GUID)
	plan.DN = types.StringValue(ou.DN)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *DirectoryOUResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state directoryOUModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, directoryBackend, "tenantops_directory_ou", state.Timeouts.Read, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	ou, err := c.GetOU(ctx, state.ID.ValueString())
	if errors.Is(err, directory.ErrNotFound) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.Append(directoryBackend.error(fmt.Sprintf("Unable to read OU %q", state.ID.ValueString()), err))
		return
	}
	p, err := keepPath(state.Path, ou.DN)
	if err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Unable to read OU %q", ou.DN), err.Error())
		return
	}
	state.DN, state.Name, state.Path = types.StringValue(ou.DN), types.StringValue(ou.Name), p
	state.Description = optString(ou.Description)
	if state.Recursive.IsNull() {
		state.Recursive = types.BoolValue(false)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

func (r *DirectoryOUResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state directoryOUModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, directoryBackend, "tenantops_directory_ou", plan.Timeouts.Update, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	name := plan.Name.ValueString()
	dn, err := moveIfNeeded(ctx, c, state.DN.ValueString(), "OU",
		state.Name.ValueString(), name, state.Path.ValueString(), plan.Path.ValueString())
	if err != nil {
		resp.Diagnostics.Append(directoryBackend.error(fmt.Sprintf("Unable to rename or move OU %q", state.DN.ValueString()), err))
		return
	}
	if !plan.Description.Equal(state.Description) {
		if err := c.SetOUDescription(ctx, dn, plan.Description.ValueString()); err != nil {
			resp.Diagnostics.Append(directoryBackend.error(fmt.Sprintf("Unable to update OU %q", name), err))
			return
		}
	}
	ou, err := c.GetOU(ctx, state.ID.ValueString())
	if err != nil {
		resp.Diagnostics.Append(directoryBackend.error(fmt.Sprintf("Unable to read OU %q", name), err))
		return
	}
	plan.ID, plan.DN = state.ID, types.StringValue(ou.DN)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *DirectoryOUResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state directoryOUModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, directoryBackend, "tenantops_directory_ou", state.Timeouts.Delete, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	deleteByGUID(ctx, c, directory.KindOU, state.ID.ValueString(), state.DN.ValueString(),
		state.Recursive.ValueBool(), &resp.Diagnostics)
}

func (r *DirectoryOUResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	dirImport(ctx, r.data, "tenantops_directory_ou", directory.KindOU, req, resp)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("recursive"), false)...)
}
