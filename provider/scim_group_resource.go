package provider

import (
	"context"
	"fmt"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/scim"
)

var _ resource.ResourceWithImportState = &SCIMGroupResource{}

// NewSCIMGroupResource is the constructor the provider registers.
func NewSCIMGroupResource() resource.Resource {
	return &SCIMGroupResource{newCRUD[scimGroupModel](scimBackend, "scim_group", identityTimeout, allOps)}
}

// SCIMGroupResource manages a group on a SCIM 2.0 service provider.
type SCIMGroupResource struct {
	crudResource[scimGroupModel, *scimGroupModel, *scim.Client]
}

type scimGroupModel struct {
	ID          types.String `tfsdk:"id"`
	DisplayName types.String `tfsdk:"display_name"`
	ExternalID  types.String `tfsdk:"external_id"`
	Members     types.Set    `tfsdk:"members"`
	Version     types.String `tfsdk:"version"`
	timeoutsModel
}

func (m *scimGroupModel) label() string {
	return fmt.Sprintf("SCIM group %q", m.DisplayName.ValueString())
}

func (r *SCIMGroupResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A group on a SCIM 2.0 service provider. When `members` is set, this resource owns the " +
			"complete member list; leave `members` unset to manage memberships one by one with " +
			"`tenantops_scim_group_member` (members added that way, or by anyone else, are then left alone). " +
			"Membership changes are sent as PATCH add/remove operations when the provider supports PATCH, and as a " +
			"PUT of the whole group guarded by `If-Match` otherwise.\n\n" +
			"Import by SCIM id (`terraform import tenantops_scim_group.g e9e30dba-f08f-4109-8486-d5c6a331660a`) or by " +
			"`displayName` with the `displayName:` prefix (`terraform import tenantops_scim_group.g displayName:acme-admins`); " +
			"an import by name fails when several groups share it.",
		Attributes: map[string]schema.Attribute{
			// required
			"display_name": requiredString("Name of the group (`displayName`).", nonEmpty),
			// optional
			"external_id": optionalString("Identifier of the group in the provisioning system (`externalId`).", nonEmpty),
			"members": schema.SetAttribute{Optional: true, ElementType: types.StringType,
				MarkdownDescription: "SCIM ids of the member users (e.g. `[tenantops_scim_user.alice.id]`). Unset: memberships " +
					"are not managed by this resource. An empty set removes every member."},
			// computed
			"id":      stableString("SCIM id assigned by the service provider."),
			"version": scimVersionAttribute,
		},
		Blocks: r.timeoutsBlock(ctx),
	}
}

func (m *scimGroupModel) create(ctx context.Context, c *scim.Client, resp *resource.CreateResponse) error {
	members, d := scimSetIDs(ctx, m.Members)
	if resp.Diagnostics.Append(d...); resp.Diagnostics.HasError() {
		return nil
	}
	created, err := c.CreateGroup(ctx, &scim.Group{DisplayName: m.DisplayName.ValueString(),
		ExternalID: m.ExternalID.ValueString(), Members: scimMembers(members)})
	if err != nil {
		return err
	}
	m.ID, m.Version = types.StringValue(created.ID), types.StringValue(created.Version())
	return nil
}

func (m *scimGroupModel) read(ctx context.Context, c *scim.Client, _ *diag.Diagnostics) error {
	g, err := c.GetGroup(ctx, m.ID.ValueString())
	if err == nil {
		m.from(g, !m.Members.IsNull())
	}
	return err
}

func (m *scimGroupModel) update(ctx context.Context, c *scim.Client, prior *scimGroupModel, diags *diag.Diagnostics) error {
	cur, err := c.GetGroup(ctx, prior.ID.ValueString())
	if err != nil {
		return err
	}
	manage := !m.Members.IsNull()
	next := &scim.Group{ID: cur.ID, DisplayName: m.DisplayName.ValueString(), ExternalID: m.ExternalID.ValueString()}
	if manage {
		ids, d := scimSetIDs(ctx, m.Members)
		if diags.Append(d...); diags.HasError() {
			return nil
		}
		next.Members = scimMembers(ids)
	}
	updated, _, err := c.UpdateGroup(ctx, cur, next, prior.Version.ValueString(), manage)
	if err != nil {
		return err
	}
	m.ID, m.Version = prior.ID, types.StringValue(updated.Version())
	return nil
}

func (m *scimGroupModel) delete(ctx context.Context, c *scim.Client) error {
	return c.DeleteGroup(ctx, m.ID.ValueString())
}

// ImportState takes ownership of the member list of a group that has
// members, and leaves that of an empty group unmanaged.
func (r *SCIMGroupResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importResource(ctx, &r.resourceBase, req, resp, fmt.Sprintf("Unable to import SCIM group %q", req.ID), "",
		func(ctx context.Context, c *scim.Client, key string) (stateAttrs, error) {
			g, err := scimImport(ctx, key, "displayName", c.FindGroupByName, c.GetGroup)
			if err != nil {
				return nil, err
			}
			var m scimGroupModel
			m.from(g, len(g.Members) > 0)
			return stateAttrs{"id": m.ID, "members": m.Members}, nil
		})
}

// from sets the model from the provider's representation; members only
// when the resource manages them.
func (m *scimGroupModel) from(g *scim.Group, members bool) {
	m.ID = types.StringValue(g.ID)
	m.DisplayName = types.StringValue(g.DisplayName)
	m.ExternalID = scimStr(g.ExternalID)
	m.Version = types.StringValue(g.Version())
	m.Members = types.SetNull(types.StringType)
	if members {
		ids := make([]string, 0, len(g.Members))
		for _, mb := range g.Members {
			ids = append(ids, mb.Value)
		}
		sort.Strings(ids)
		m.Members = scimIDSet(ids)
	}
}

func scimSetIDs(ctx context.Context, s types.Set) ([]string, diag.Diagnostics) {
	if s.IsNull() || s.IsUnknown() {
		return nil, nil
	}
	var ids []string
	d := s.ElementsAs(ctx, &ids, false)
	sort.Strings(ids)
	return ids, d
}

func scimMembers(ids []string) []scim.Member {
	var out []scim.Member
	for _, id := range ids {
		out = append(out, scim.Member{Value: id})
	}
	return out
}
