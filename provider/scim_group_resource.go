package provider

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/scim"
)

var _ resource.ResourceWithImportState = &SCIMGroupResource{}

// NewSCIMGroupResource is the constructor the provider registers.
func NewSCIMGroupResource() resource.Resource { return &SCIMGroupResource{} }

// SCIMGroupResource manages a group on a SCIM 2.0 service provider.
type SCIMGroupResource struct {
	data *ProviderData
}

type scimGroupModel struct {
	ID          types.String   `tfsdk:"id"`
	DisplayName types.String   `tfsdk:"display_name"`
	ExternalID  types.String   `tfsdk:"external_id"`
	Members     types.Set      `tfsdk:"members"`
	Version     types.String   `tfsdk:"version"`
	Timeouts    timeouts.Value `tfsdk:"timeouts"`
}

func (r *SCIMGroupResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_scim_group"
}

func (r *SCIMGroupResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	nonEmpty := []validator.String{stringvalidator.LengthAtLeast(1)}
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
			"display_name": schema.StringAttribute{Required: true, Validators: nonEmpty,
				MarkdownDescription: "Name of the group (`displayName`)."},
			// optional
			"external_id": schema.StringAttribute{Optional: true, Validators: nonEmpty,
				MarkdownDescription: "Identifier of the group in the provisioning system (`externalId`)."},
			"members": schema.SetAttribute{Optional: true, ElementType: types.StringType,
				MarkdownDescription: "SCIM ids of the member users (e.g. `[tenantops_scim_user.alice.id]`). Unset: memberships " +
					"are not managed by this resource. An empty set removes every member."},
			// computed
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "SCIM id assigned by the service provider.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"version": schema.StringAttribute{Computed: true,
				MarkdownDescription: "Resource version (`meta.version` / ETag) last seen; sent as `If-Match` on changes."},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

func (r *SCIMGroupResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configureResource(req, resp)
}

func (r *SCIMGroupResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan scimGroupModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, scimBackend, "tenantops_scim_group", plan.Timeouts.Create, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	g := &scim.Group{DisplayName: plan.DisplayName.ValueString(), ExternalID: plan.ExternalID.ValueString()}
	members, d := scimSetIDs(ctx, plan.Members)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	g.Members = scimMembers(members)
	created, err := c.CreateGroup(ctx, g)
	if err != nil {
		resp.Diagnostics.Append(scimBackend.error(fmt.Sprintf("Unable to create SCIM group %q", g.DisplayName), err))
		return
	}
	plan.ID = types.StringValue(created.ID)
	plan.Version = types.StringValue(created.Version())
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *SCIMGroupResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state scimGroupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, scimBackend, "tenantops_scim_group", state.Timeouts.Read, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	g, err := c.GetGroup(ctx, state.ID.ValueString())
	if errors.Is(err, scim.ErrNotFound) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.Append(scimBackend.error(fmt.Sprintf("Unable to read SCIM group %q", state.DisplayName.ValueString()), err))
		return
	}
	state.from(g, !state.Members.IsNull())
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *SCIMGroupResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state scimGroupModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.State.Raw = req.State.Raw
	ctx, cancel, c, ok := open(ctx, r.data, scimBackend, "tenantops_scim_group", plan.Timeouts.Update, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	summary := fmt.Sprintf("Unable to update SCIM group %q", state.DisplayName.ValueString())
	cur, err := c.GetGroup(ctx, state.ID.ValueString())
	if err != nil {
		resp.Diagnostics.Append(scimBackend.error(summary, err))
		return
	}
	manage := !plan.Members.IsNull()
	next := &scim.Group{ID: cur.ID, DisplayName: plan.DisplayName.ValueString(), ExternalID: plan.ExternalID.ValueString()}
	if manage {
		ids, d := scimSetIDs(ctx, plan.Members)
		resp.Diagnostics.Append(d...)
		if resp.Diagnostics.HasError() {
			return
		}
		next.Members = scimMembers(ids)
	}
	updated, _, err := c.UpdateGroup(ctx, cur, next, state.Version.ValueString(), manage)
	if err != nil {
		resp.Diagnostics.Append(scimBackend.error(summary, err))
		return
	}
	plan.ID = state.ID
	plan.Version = types.StringValue(updated.Version())
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *SCIMGroupResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state scimGroupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, scimBackend, "tenantops_scim_group", state.Timeouts.Delete, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	if err := c.DeleteGroup(ctx, state.ID.ValueString()); err != nil {
		resp.Diagnostics.Append(scimBackend.error(fmt.Sprintf("Unable to delete SCIM group %q", state.DisplayName.ValueString()), err))
	}
}

func (r *SCIMGroupResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	ctx, cancel, c, ok := open(ctx, r.data, scimBackend, "tenantops_scim_group", nil, 0, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	g, err := scimImport(ctx, req.ID, "displayName", c.FindGroupByName, c.GetGroup)
	if err != nil {
		resp.Diagnostics.Append(scimBackend.error(fmt.Sprintf("Unable to import SCIM group %q", req.ID), err))
		return
	}
	var m scimGroupModel
	// An imported group with members takes ownership of its member list.
	m.from(g, len(g.Members) > 0)
	// A fresh model: the timeouts block is not configured yet (null).
	resp.Diagnostics.Append(resp.State.GetAttribute(ctx, path.Root("timeouts"), &m.Timeouts)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
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
