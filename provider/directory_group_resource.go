package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/directory"
	"github.com/tenantops/tenantops/provider/planmodifiers"
	"github.com/tenantops/tenantops/provider/validators"
)

var (
	_ resource.ResourceWithImportState = &DirectoryGroupResource{}
	_ resource.ResourceWithModifyPlan  = &DirectoryGroupResource{}
)

// NewDirectoryGroupResource is the tenantops_directory_group constructor.
func NewDirectoryGroupResource() resource.Resource { return &DirectoryGroupResource{} }

// DirectoryGroupResource manages an Active Directory group and, optionally,
// its members.
type DirectoryGroupResource struct{ data *ProviderData }

type directoryGroupModel struct {
	ID             types.String   `tfsdk:"id"`
	DN             types.String   `tfsdk:"dn"`
	Name           types.String   `tfsdk:"name"`
	Path           types.String   `tfsdk:"path"`
	SAMAccountName types.String   `tfsdk:"sam_account_name"`
	Scope          types.String   `tfsdk:"scope"`
	Category       types.String   `tfsdk:"category"`
	Description    types.String   `tfsdk:"description"`
	Members        types.Set      `tfsdk:"members"`
	Timeouts       timeouts.Value `tfsdk:"timeouts"`
}

func (r *DirectoryGroupResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_directory_group"
}

func (r *DirectoryGroupResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An Active Directory group. `members` lists member DNs; DNs that differ only in case or " +
			"spacing name the same member and never show as a change. Leave `members` out to manage membership " +
			"elsewhere (e.g. with `tenantops_directory_group_member`). Import by DN, by `sAMAccountName` " +
			"(optionally `DOMAIN\\name`) or by objectGUID.",
		Attributes: map[string]schema.Attribute{
			// required
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Common name of the group (its `CN=` RDN). Changing it renames the group in place.",
				Validators:          nameValidators,
			},
			"path": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "DN of the container the group lives in. Changing it moves the group.",
				Validators:          dnStringValidators,
			},
			// optional
			"sam_account_name": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Pre-Windows 2000 group name, unique in the domain. Defaults to `name` when the group is created.",
				Validators:          validators.SAMAccountName(256),
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"scope": schema.StringAttribute{
				Optional: true, Computed: true,
				Default:             stringdefault.StaticString("global"),
				MarkdownDescription: "Group scope: `global` (default), `domain_local` or `universal`. AD allows only some conversions (e.g. global to universal).",
				Validators:          []validator.String{stringvalidator.OneOf(directory.GroupScopes...)},
			},
			"category": schema.StringAttribute{
				Optional: true, Computed: true,
				Default:             stringdefault.StaticString("security"),
				MarkdownDescription: "`security` (default) or `distribution`.",
				Validators:          []validator.String{stringvalidator.OneOf(directory.GroupCategories...)},
			},
			"description": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Free-text description.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"members": schema.SetAttribute{
				Optional: true, Computed: true,
				ElementType: types.StringType,
				MarkdownDescription: "DNs of the direct members (users, groups, computers). Written in any case or " +
					"spacing. When omitted, membership is not managed by this resource and shows what AD holds.",
				Validators:    dnSetValidators,
				PlanModifiers: []planmodifier.Set{planmodifiers.DNSet(), setplanmodifier.UseStateForUnknown()},
			},
			// computed
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The group's objectGUID.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"dn": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The group's current distinguished name.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

func (r *DirectoryGroupResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configureResource(req, resp)
}

func (r *DirectoryGroupResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	dirPlanDN(ctx, req, resp)
}

func (r *DirectoryGroupResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan directoryGroupModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, directoryBackend, "tenantops_directory_group", plan.Timeouts.Create, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	name := plan.Name.ValueString()
	sam := plan.SAMAccountName.ValueString()
	if plan.SAMAccountName.IsUnknown() || sam == "" {
		sam = name
	}
	g, err := c.CreateGroup(ctx, plan.Path.ValueString(), directory.Group{
		Name: name, SAMAccountName: sam, Description: plan.Description.ValueString(),
		Scope: plan.Scope.ValueString(), Category: plan.Category.ValueString(),
	})
	if err != nil {
		resp.Diagnostics.Append(directoryBackend.error(fmt.Sprintf("Unable to create group %q", name), err))
		return
	}
	// Saved before membership is written: a failure below leaves a tainted
	// resource that destroy removes.
	plan.ID, plan.DN, plan.SAMAccountName = types.StringValue(g.GUID), types.StringValue(g.DN), types.StringValue(g.SAMAccountName)
	want := plan.Members
	plan.Members = types.SetNull(types.StringType)
	if s, err := dnSet(ctx, g.Members); err == nil {
		plan.Members = s
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if dns, ok, diags := managedDNs(ctx, want); ok || diags.HasError() {
		resp.Diagnostics.Append(diags...)
		if diags.HasError() {
			return
		}
		if err := c.SetMembers(ctx, g.DN, g.Members, dns); err != nil {
			resp.Diagnostics.Append(directoryBackend.error(fmt.Sprintf("Unable to set members of group %q", name), err))
			return
		}
		plan.Members = want
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *DirectoryGroupResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state directoryGroupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, directoryBackend, "tenantops_directory_group", state.Timeouts.Read, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	g, err := c.GetGroup(ctx, state.ID.ValueString())
	if errors.Is(err, directory.ErrNotFound) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.Append(directoryBackend.error(fmt.Sprintf("Unable to read group %q", state.ID.ValueString()), err))
		return
	}
	resp.Diagnostics.Append(state.fromGroup(ctx, g)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

func (r *DirectoryGroupResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state directoryGroupModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, directoryBackend, "tenantops_directory_group", plan.Timeouts.Update, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	name := plan.Name.ValueString()
	dn, err := moveIfNeeded(ctx, c, state.DN.ValueString(), "CN",
		state.Name.ValueString(), name, state.Path.ValueString(), plan.Path.ValueString())
	if err != nil {
		resp.Diagnostics.Append(directoryBackend.error(fmt.Sprintf("Unable to rename or move group %q", state.DN.ValueString()), err))
		return
	}
	if err := c.UpdateGroup(ctx, dn, directory.Group{
		SAMAccountName: plan.SAMAccountName.ValueString(), Description: plan.Description.ValueString(),
		Scope: plan.Scope.ValueString(), Category: plan.Category.ValueString(),
	}); err != nil {
		resp.Diagnostics.Append(directoryBackend.error(fmt.Sprintf("Unable to update group %q", name), err))
		return
	}
	g, err := c.GetGroup(ctx, state.ID.ValueString())
	if err != nil {
		resp.Diagnostics.Append(directoryBackend.error(fmt.Sprintf("Unable to read group %q", name), err))
		return
	}
	if dns, ok, diags := managedDNs(ctx, plan.Members); ok || diags.HasError() {
		resp.Diagnostics.Append(diags...)
		if diags.HasError() {
			return
		}
		if err := c.SetMembers(ctx, g.DN, g.Members, dns); err != nil {
			resp.Diagnostics.Append(directoryBackend.error(fmt.Sprintf("Unable to set members of group %q", name), err))
			return
		}
	} else if s, err := dnSet(ctx, g.Members); err == nil {
		plan.Members = s
	}
	plan.ID, plan.DN = state.ID, types.StringValue(g.DN)
	if plan.SAMAccountName.IsUnknown() {
		plan.SAMAccountName = types.StringValue(g.SAMAccountName)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *DirectoryGroupResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state directoryGroupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, directoryBackend, "tenantops_directory_group", state.Timeouts.Delete, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	deleteByGUID(ctx, c, directory.KindGroup, state.ID.ValueString(), state.DN.ValueString(), false, &resp.Diagnostics)
}

func (r *DirectoryGroupResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	dirImport(ctx, r.data, "tenantops_directory_group", directory.KindGroup, req, resp)
}

// fromGroup refreshes the model from AD, keeping the user's spelling of the
// path and of members that did not change.
func (m *directoryGroupModel) fromGroup(ctx context.Context, g directory.Group) diag.Diagnostics {
	p, members, diags := refreshDNs(ctx, m.Path, m.Members, g.DN, g.Members)
	if diags.HasError() {
		return diags
	}
	m.ID, m.DN, m.Name, m.Path = types.StringValue(g.GUID), types.StringValue(g.DN), types.StringValue(g.Name), p
	m.SAMAccountName = types.StringValue(g.SAMAccountName)
	m.Scope, m.Category = types.StringValue(g.Scope), types.StringValue(g.Category)
	m.Description = optString(g.Description)
	m.Members = members
	return diags
}
