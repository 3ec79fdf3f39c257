package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/directory"
)

var _ resource.ResourceWithImportState = &DirectoryGroupMemberResource{}

// NewDirectoryGroupMemberResource is the tenantops_directory_group_member constructor.
func NewDirectoryGroupMemberResource() resource.Resource { return &DirectoryGroupMemberResource{} }

// DirectoryGroupMemberResource manages one membership, leaving every other
// member of the group alone.
type DirectoryGroupMemberResource struct{ data *ProviderData }

type directoryGroupMemberModel struct {
	ID       types.String   `tfsdk:"id"`
	GroupDN  types.String   `tfsdk:"group_dn"`
	MemberDN types.String   `tfsdk:"member_dn"`
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

func (r *DirectoryGroupMemberResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_directory_group_member"
}

func (r *DirectoryGroupMemberResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replaceIfOtherEntry := stringplanmodifier.RequiresReplaceIf(
		func(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
			resp.RequiresReplace = req.PlanValue.IsUnknown() ||
				!directory.EqualDN(req.PlanValue.ValueString(), req.StateValue.ValueString())
		},
		"Replaced when the DN names another entry (not when it is only spelt differently).",
		"Replaced when the DN names another entry (not when it is only spelt differently).")
	resp.Schema = schema.Schema{
		MarkdownDescription: "One member of an Active Directory group, added without touching the group's other " +
			"members: for groups whose membership is managed elsewhere (leave `members` out of the " +
			"`tenantops_directory_group`). Import with `<group>|<member>`, each a DN, sAMAccountName or objectGUID.",
		Attributes: map[string]schema.Attribute{
			// required
			"group_dn": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "DN of the group.",
				Validators:          dnStringValidators,
				PlanModifiers:       []planmodifier.String{replaceIfOtherEntry},
			},
			"member_dn": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "DN of the member (user, group or computer).",
				Validators:          dnStringValidators,
				PlanModifiers:       []planmodifier.String{replaceIfOtherEntry},
			},
			// computed
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "`<group objectGUID>/<member objectGUID>`.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Delete: true}),
		},
	}
}

func (r *DirectoryGroupMemberResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configureResource(req, resp)
}

func (r *DirectoryGroupMemberResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan directoryGroupMemberModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, directoryBackend, "tenantops_directory_group_member", plan.Timeouts.Create, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	group, member := plan.GroupDN.ValueString(), plan.MemberDN.ValueString()
	summary := fmt.Sprintf("Unable to add %q to group %q", member, group)
	gGUID, err := c.Resolve(ctx, directory.KindGroup, group)
	if err != nil {
		resp.Diagnostics.Append(directoryBackend.error(summary, err))
		return
	}
	mGUID, err := c.Resolve(ctx, directory.KindAny, member)
	if err != nil {
		resp.Diagnostics.Append(directoryBackend.error(summary, err))
		return
	}
	if err := c.AddMember(ctx, group, member); err != nil {
		detail := dirErr(err)
		if errors.Is(err, directory.ErrAlreadyExists) {
			detail = "It is already a member. To manage that membership, import it: terraform import " +
				"<address> '" + group + "|" + member + "'. " + detail
		}
		resp.Diagnostics.AddError(summary, detail)
		return
	}
	plan.ID = types.StringValue(gGUID + "/" + mGUID)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// current returns the group's and member's DNs now, and whether the
// membership still exists.
func (r *DirectoryGroupMemberResource) current(ctx context.Context, c *directory.Client, id string) (groupDN, memberDN string, ok bool, err error) {
	gGUID, mGUID, found := strings.Cut(id, "/")
	if !found {
		return "", "", false, fmt.Errorf("malformed id %q: want <group GUID>/<member GUID>", id)
	}
	g, err := c.GetGroup(ctx, gGUID)
	if errors.Is(err, directory.ErrNotFound) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, err
	}
	memberDN, err = c.DNOf(ctx, mGUID)
	if errors.Is(err, directory.ErrNotFound) {
		return g.DN, "", false, nil
	}
	if err != nil {
		return "", "", false, err
	}
	for _, m := range g.Members {
		if directory.EqualDN(m, memberDN) {
			return g.DN, memberDN, true, nil
		}
	}
	return g.DN, memberDN, false, nil
}

func (r *DirectoryGroupMemberResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state directoryGroupMemberModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, directoryBackend, "tenantops_directory_group_member", state.Timeouts.Read, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	groupDN, memberDN, ok, err := r.current(ctx, c, state.ID.ValueString())
	if err != nil {
		resp.Diagnostics.Append(directoryBackend.error(fmt.Sprintf("Unable to read membership %q", state.ID.ValueString()), err))
		return
	}
	if !ok {
		resp.State.RemoveResource(ctx)
		return
	}
	if !directory.EqualDN(state.GroupDN.ValueString(), groupDN) {
		state.GroupDN = types.StringValue(groupDN)
	}
	if !directory.EqualDN(state.MemberDN.ValueString(), memberDN) {
		state.MemberDN = types.StringValue(memberDN)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

// Update only records a new spelling of the same DNs (anything else replaces).
func (r *DirectoryGroupMemberResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state directoryGroupMemberModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = state.ID
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *DirectoryGroupMemberResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state directoryGroupMemberModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, directoryBackend, "tenantops_directory_group_member", state.Timeouts.Delete, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	groupDN, memberDN, ok, err := r.current(ctx, c, state.ID.ValueString())
	if err == nil && ok {
		err = c.RemoveMember(ctx, groupDN, memberDN)
	}
	if err != nil {
		resp.Diagnostics.Append(directoryBackend.error(fmt.Sprintf("Unable to remove %q from group %q", state.MemberDN.ValueString(),
			state.GroupDN.ValueString()), err))
	}
}

func (r *DirectoryGroupMemberResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	ctx, cancel, c, ok := open(ctx, r.data, directoryBackend, "tenantops_directory_group_member", nil, 0, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	groupKey, memberKey, ok := strings.Cut(req.ID, "|")
	if !ok {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("%q: expected <group>|<member>, each a DN, sAMAccountName or objectGUID", req.ID))
		return
	}
	gGUID, err := c.Resolve(ctx, directory.KindGroup, groupKey)
	if err != nil {
		resp.Diagnostics.Append(directoryBackend.error(fmt.Sprintf("Unable to import membership %q", req.ID), err))
		return
	}
	mGUID, err := c.Resolve(ctx, directory.KindAny, memberKey)
	if err != nil {
		resp.Diagnostics.Append(directoryBackend.error(fmt.Sprintf("Unable to import membership %q", req.ID), err))
		return
	}
	id := gGUID + "/" + mGUID
	groupDN, memberDN, isMember, err := r.current(ctx, c, id)
	if err != nil {
		resp.Diagnostics.Append(directoryBackend.error(fmt.Sprintf("Unable to import membership %q", req.ID), err))
		return
	}
	if !isMember {
		resp.Diagnostics.AddError(fmt.Sprintf("Unable to import membership %q", req.ID),
			fmt.Sprintf("%s is not a member of %s.", memberDN, groupDN))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("group_dn"), groupDN)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("member_dn"), memberDN)...)
}
