package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/scim"
)

var _ resource.ResourceWithImportState = &SCIMGroupMemberResource{}

// NewSCIMGroupMemberResource is the constructor the provider registers.
func NewSCIMGroupMemberResource() resource.Resource { return &SCIMGroupMemberResource{} }

// SCIMGroupMemberResource manages one membership of a user in a SCIM group,
// leaving the group's other members alone.
type SCIMGroupMemberResource struct {
	data *ProviderData
}

type scimGroupMemberModel struct {
	ID       types.String   `tfsdk:"id"`
	GroupID  types.String   `tfsdk:"group_id"`
	UserID   types.String   `tfsdk:"user_id"`
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

func (r *SCIMGroupMemberResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_scim_group_member"
}

func (r *SCIMGroupMemberResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	key := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Required: true, MarkdownDescription: desc,
			Validators:    []validator.String{stringvalidator.LengthAtLeast(1), stringvalidator.RegexMatches(regexp.MustCompile(`^[^/]+$`), "must not contain \"/\"")},
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "One member of a SCIM group, managed additively: other members of the group, however they " +
			"got there, are left alone. Do not combine with the `members` argument of `tenantops_scim_group` on the same group.\n\n" +
			"Import with `<group id>/<user id>`, e.g. `terraform import tenantops_scim_group_member.m e9e30dba/2819c223`.",
		Attributes: map[string]schema.Attribute{
			// required
			"group_id": key("SCIM id of the group, e.g. `tenantops_scim_group.admins.id`."),
			"user_id":  key("SCIM id of the member user, e.g. `tenantops_scim_user.alice.id`."),
			// computed
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "`<group_id>/<user_id>`.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Delete: true}),
		},
	}
}

func (r *SCIMGroupMemberResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configureResource(req, resp)
}

func (r *SCIMGroupMemberResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan scimGroupMemberModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, scimBackend, "tenantops_scim_group_member", plan.Timeouts.Create, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	g, u := plan.GroupID.ValueString(), plan.UserID.ValueString()
	if err := c.AddMembers(ctx, g, u); err != nil {
		resp.Diagnostics.Append(scimBackend.error(fmt.Sprintf("Unable to add user %q to SCIM group %q", u, g), err))
		return
	}
	plan.ID = types.StringValue(g + "/" + u)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *SCIMGroupMemberResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state scimGroupMemberModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, scimBackend, "tenantops_scim_group_member", state.Timeouts.Read, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	g, err := c.GetGroup(ctx, state.GroupID.ValueString())
	if errors.Is(err, scim.ErrNotFound) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.Append(scimBackend.error(fmt.Sprintf("Unable to read SCIM group %q", state.GroupID.ValueString()), err))
		return
	}
	if !g.HasMember(state.UserID.ValueString()) {
		resp.State.RemoveResource(ctx)
		return
	}
	state.ID = types.StringValue(state.GroupID.ValueString() + "/" + state.UserID.ValueString())
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update is never called with a change: both arguments force replacement.
func (r *SCIMGroupMemberResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan scimGroupMemberModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *SCIMGroupMemberResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state scimGroupMemberModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, scimBackend, "tenantops_scim_group_member", state.Timeouts.Delete, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	g, u := state.GroupID.ValueString(), state.UserID.ValueString()
	err := c.RemoveMembers(ctx, g, u)
	if err != nil && !errors.Is(err, scim.ErrNotFound) {
		resp.Diagnostics.Append(scimBackend.error(fmt.Sprintf("Unable to remove user %q from SCIM group %q", u, g), err))
	}
}

func (r *SCIMGroupMemberResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	g, u, ok := strings.Cut(req.ID, "/")
	if !ok || g == "" || u == "" || strings.Contains(u, "/") {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("Expected <group id>/<user id>, got %q.", req.ID))
		return
	}
	m := scimGroupMemberModel{ID: types.StringValue(req.ID), GroupID: types.StringValue(g), UserID: types.StringValue(u)}
	// A fresh model: the timeouts block is not configured yet (null).
	resp.Diagnostics.Append(resp.State.GetAttribute(ctx, path.Root("timeouts"), &m.Timeouts)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
