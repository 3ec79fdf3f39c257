package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/directory"
)

var _ resource.ResourceWithImportState = &DirectoryGroupMemberResource{}

// NewDirectoryGroupMemberResource is the tenantops_directory_group_member constructor.
func NewDirectoryGroupMemberResource() resource.Resource {
	return &DirectoryGroupMemberResource{newResource(directoryBackend, "directory_group_member", identityTimeout, membershipOps)}
}

// DirectoryGroupMemberResource manages one membership, leaving every other
// member of the group alone.
type DirectoryGroupMemberResource struct {
	resourceBase[*directory.Client]
}

type directoryGroupMemberModel struct {
	ID       types.String `tfsdk:"id"`
	GroupDN  types.String `tfsdk:"group_dn"`
	MemberDN types.String `tfsdk:"member_dn"`
	timeoutsModel
}

func (m *directoryGroupMemberModel) label() string {
	return fmt.Sprintf("membership of %q in group %q", m.MemberDN.ValueString(), m.GroupDN.ValueString())
}

func (r *DirectoryGroupMemberResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replaceIfOtherEntry := stringplanmodifier.RequiresReplaceIf(
		func(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
			resp.RequiresReplace = req.PlanValue.IsUnknown() ||
				!directory.EqualDN(req.PlanValue.ValueString(), req.StateValue.ValueString())
		},
		"Replaced when the DN names another entry (not when it is only spelt differently).",
		"Replaced when the DN names another entry (not when it is only spelt differently).")
	dnKey := func(desc string) schema.StringAttribute {
		a := requiredString(desc, dnStringValidators...)
		a.PlanModifiers = []planmodifier.String{replaceIfOtherEntry}
		return a
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "One member of an Active Directory group, added without touching the group's other " +
			"members: for groups whose membership is managed elsewhere (leave `members` out of the " +
			"`tenantops_directory_group`). Import with `<group>|<member>`, each a DN, sAMAccountName or objectGUID.",
		Attributes: map[string]schema.Attribute{
			// required
			"group_dn":  dnKey("DN of the group."),
			"member_dn": dnKey("DN of the member (user, group or computer)."),
			// computed
			"id": stableString("`<group objectGUID>/<member objectGUID>`."),
		},
		Blocks: r.timeoutsBlock(ctx),
	}
}

func (r *DirectoryGroupMemberResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	createResource(ctx, &r.resourceBase, req, resp, func(ctx context.Context, c *directory.Client, m *directoryGroupMemberModel, _ *resource.CreateResponse) error {
		group, member := m.GroupDN.ValueString(), m.MemberDN.ValueString()
		id, err := resolveMembership(ctx, c, group, member)
		if err == nil {
			err = c.AddMember(ctx, group, member)
		}
		if errors.Is(err, directory.ErrAlreadyExists) {
			err = withHint(err, "It is already a member. To manage that membership, import it: terraform import "+
				"<address> '"+group+"|"+member+"'")
		}
		if err != nil {
			return failed(fmt.Sprintf("Unable to add %q to group %q", member, group), err)
		}
		m.ID = types.StringValue(id)
		return nil
	})
}

// resolveMembership returns the id of the membership of the entry member
// names (a DN, sAMAccountName or GUID) in the group group names.
func resolveMembership(ctx context.Context, c *directory.Client, group, member string) (string, error) {
	gGUID, err := c.Resolve(ctx, directory.KindGroup, group)
	if err != nil {
		return "", err
	}
	mGUID, err := c.Resolve(ctx, directory.KindAny, member)
	if err != nil {
		return "", err
	}
	return gGUID + "/" + mGUID, nil
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
	readResource(ctx, &r.resourceBase, req, resp, func(ctx context.Context, c *directory.Client, m *directoryGroupMemberModel, _ *diag.Diagnostics) error {
		groupDN, memberDN, isMember, err := r.current(ctx, c, m.ID.ValueString())
		if err != nil {
			return err
		}
		if !isMember {
			return errGone
		}
		if !directory.EqualDN(m.GroupDN.ValueString(), groupDN) {
			m.GroupDN = types.StringValue(groupDN)
		}
		if !directory.EqualDN(m.MemberDN.ValueString(), memberDN) {
			m.MemberDN = types.StringValue(memberDN)
		}
		return nil
	})
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
	deleteResource(ctx, &r.resourceBase, req, resp, func(ctx context.Context, c *directory.Client, m *directoryGroupMemberModel) error {
		groupDN, memberDN, isMember, err := r.current(ctx, c, m.ID.ValueString())
		if err == nil && isMember {
			err = c.RemoveMember(ctx, groupDN, memberDN)
		}
		if err != nil {
			return failed(fmt.Sprintf("Unable to remove %q from group %q", m.MemberDN.ValueString(), m.GroupDN.ValueString()), err)
		}
		return nil
	})
}

func (r *DirectoryGroupMemberResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	groupKey, memberKey, ok := strings.Cut(req.ID, "|")
	if !ok {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("%q: expected <group>|<member>, each a DN, sAMAccountName or objectGUID", req.ID))
		return
	}
	importResource(ctx, &r.resourceBase, req, resp, fmt.Sprintf("Unable to import membership %q", req.ID), "",
		func(ctx context.Context, c *directory.Client, _ string) (stateAttrs, error) {
			id, err := resolveMembership(ctx, c, groupKey, memberKey)
			if err != nil {
				return nil, err
			}
			groupDN, memberDN, isMember, err := r.current(ctx, c, id)
			if err == nil && !isMember {
				err = fmt.Errorf("%s is not a member of %s", memberDN, groupDN)
			}
			if err != nil {
				return nil, err
			}
			return stateAttrs{"id": id, "group_dn": groupDN, "member_dn": memberDN}, nil
		})
}
