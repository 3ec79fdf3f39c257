package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/scim"
)

var _ resource.ResourceWithImportState = &SCIMGroupMemberResource{}

// NewSCIMGroupMemberResource is the constructor the provider registers.
func NewSCIMGroupMemberResource() resource.Resource {
	return &SCIMGroupMemberResource{newResource(scimBackend, "scim_group_member", identityTimeout, membershipOps)}
}

// SCIMGroupMemberResource manages one membership of a user in a SCIM group,
// leaving the group's other members alone.
type SCIMGroupMemberResource struct{ resourceBase[*scim.Client] }

type scimGroupMemberModel struct {
	ID      types.String `tfsdk:"id"`
	GroupID types.String `tfsdk:"group_id"`
	UserID  types.String `tfsdk:"user_id"`
	timeoutsModel
}

func (m *scimGroupMemberModel) label() string {
	return fmt.Sprintf("membership of user %q in SCIM group %q", m.UserID.ValueString(), m.GroupID.ValueString())
}

func (r *SCIMGroupMemberResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	noSlash := stringvalidator.RegexMatches(regexp.MustCompile(`^[^/]+$`), "must not contain \"/\"")
	key := func(desc string) schema.StringAttribute { return replacingString(desc, nonEmpty, noSlash) }
	resp.Schema = schema.Schema{
		MarkdownDescription: "One member of a SCIM group, managed additively: other members of the group, however they " +
			"got there, are left alone. Do not combine with the `members` argument of `tenantops_scim_group` on the same group.\n\n" +
			"Import with `<group id>/<user id>`, e.g. `terraform import tenantops_scim_group_member.m e9e30dba/2819c223`.",
		Attributes: map[string]schema.Attribute{
			// required
			"group_id": key("SCIM id of the group, e.g. `tenantops_scim_group.admins.id`."),
			"user_id":  key("SCIM id of the member user, e.g. `tenantops_scim_user.alice.id`."),
			// computed
			"id": stableString("`<group_id>/<user_id>`."),
		},
		Blocks: r.timeoutsBlock(ctx),
	}
}

func (r *SCIMGroupMemberResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	createResource(ctx, &r.resourceBase, req, resp, func(ctx context.Context, c *scim.Client, m *scimGroupMemberModel, _ *resource.CreateResponse) error {
		g, u := m.GroupID.ValueString(), m.UserID.ValueString()
		if err := c.AddMembers(ctx, g, u); err != nil {
			return failed(fmt.Sprintf("Unable to add user %q to SCIM group %q", u, g), err)
		}
		m.ID = types.StringValue(g + "/" + u)
		return nil
	})
}

func (r *SCIMGroupMemberResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	readResource(ctx, &r.resourceBase, req, resp, func(ctx context.Context, c *scim.Client, m *scimGroupMemberModel, _ *diag.Diagnostics) error {
		g, err := c.GetGroup(ctx, m.GroupID.ValueString())
		if err != nil {
			return err
		}
		if !g.HasMember(m.UserID.ValueString()) {
			return errGone
		}
		m.ID = types.StringValue(m.GroupID.ValueString() + "/" + m.UserID.ValueString())
		return nil
	})
}

// Update is never called with a change: both arguments force replacement.
func (r *SCIMGroupMemberResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan scimGroupMemberModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *SCIMGroupMemberResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	deleteResource(ctx, &r.resourceBase, req, resp, func(ctx context.Context, c *scim.Client, m *scimGroupMemberModel) error {
		g, u := m.GroupID.ValueString(), m.UserID.ValueString()
		if err := c.RemoveMembers(ctx, g, u); err != nil {
			return failed(fmt.Sprintf("Unable to remove user %q from SCIM group %q", u, g), err)
		}
		return nil
	})
}

func (r *SCIMGroupMemberResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	g, u, ok := strings.Cut(req.ID, "/")
	if !ok || g == "" || u == "" || strings.Contains(u, "/") {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("Expected <group id>/<user id>, got %q.", req.ID))
		return
	}
	setAttrs(ctx, &resp.State, &resp.Diagnostics, stateAttrs{"id": req.ID, "group_id": g, "user_id": u})
}
