package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/directory"
	"github.com/tenantops/tenantops/provider/validators"
)

var (
	_ resource.ResourceWithImportState = &DirectoryGroupResource{}
	_ resource.ResourceWithModifyPlan  = &DirectoryGroupResource{}
)

// NewDirectoryGroupResource is the tenantops_directory_group constructor.
func NewDirectoryGroupResource() resource.Resource {
	return &DirectoryGroupResource{newDirectoryResource[directoryGroupModel]("directory_group", directory.KindGroup)}
}

// DirectoryGroupResource manages an Active Directory group and, optionally,
// its members.
type DirectoryGroupResource struct {
	directoryResource[directoryGroupModel, *directoryGroupModel]
}

type directoryGroupModel struct {
	dirEntryModel
	SAMAccountName types.String `tfsdk:"sam_account_name"`
	Scope          types.String `tfsdk:"scope"`
	Category       types.String `tfsdk:"category"`
	Description    types.String `tfsdk:"description"`
	Members        types.Set    `tfsdk:"members"`
}

func (m *directoryGroupModel) label() string { return fmt.Sprintf("group %q", m.Name.ValueString()) }

func (r *DirectoryGroupResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	sam := optionalString("Pre-Windows 2000 group name, unique in the domain. Defaults to `name` when the group is created.",
		validators.SAMAccountName(256)...)
	sam.Computed, sam.PlanModifiers = true, []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "An Active Directory group. `members` lists member DNs; DNs that differ only in case or " +
			"spacing name the same member and never show as a change. Leave `members` out to manage membership " +
			"elsewhere (e.g. with `tenantops_directory_group_member`). Import by DN, by `sAMAccountName` " +
			"(optionally `DOMAIN\\name`) or by objectGUID.",
		Attributes: entryAttributes("group",
			"Common name of the group (its `CN=` RDN). Changing it renames the group in place.",
			"DN of the container the group lives in. Changing it moves the group.",
			"The group's objectGUID.",
			map[string]schema.Attribute{
				// optional
				"sam_account_name": sam,
				"scope": defaultString("Group scope: `global` (default), `domain_local` or `universal`. AD allows only some conversions (e.g. global to universal).",
					"global", stringvalidator.OneOf(directory.GroupScopes...)),
				"category": defaultString("`security` (default) or `distribution`.", "security",
					stringvalidator.OneOf(directory.GroupCategories...)),
				"description": optionalString("Free-text description.", nonEmpty),
				"members": dnSetAttribute("DNs of the direct members (users, groups, computers). Written in any case or " +
					"spacing. When omitted, membership is not managed by this resource and shows what AD holds."),
			}),
		Blocks: r.timeoutsBlock(ctx),
	}
}

func (m *directoryGroupModel) create(ctx context.Context, c *directory.Client, resp *resource.CreateResponse) error {
	g := m.toGroup()
	if m.SAMAccountName.IsUnknown() || g.SAMAccountName == "" {
		g.SAMAccountName = g.Name
	}
	g, err := c.CreateGroup(ctx, m.Path.ValueString(), g)
	if err != nil {
		return err
	}
	m.ID, m.DN, m.SAMAccountName = types.StringValue(g.GUID), types.StringValue(g.DN), types.StringValue(g.SAMAccountName)
	return saveThenLink(ctx, resp, m, &m.Members, g.Members, "Unable to set members of "+m.label(),
		func(current, wanted []string) error { return c.SetMembers(ctx, g.DN, current, wanted) })
}

func (m *directoryGroupModel) read(ctx context.Context, c *directory.Client, diags *diag.Diagnostics) error {
	g, err := c.GetGroup(ctx, m.ID.ValueString())
	if err == nil {
		diags.Append(m.fromGroup(ctx, g)...)
	}
	return err
}

func (m *directoryGroupModel) update(ctx context.Context, c *directory.Client, prior *directoryGroupModel, diags *diag.Diagnostics) error {
	dn, err := m.move(ctx, c, &prior.dirEntryModel, directory.KindGroup)
	if err != nil {
		return err
	}
	if err := c.UpdateGroup(ctx, dn, m.toGroup()); err != nil {
		return err
	}
	g, err := c.GetGroup(ctx, prior.ID.ValueString())
	if err != nil {
		return err
	}
	m.ID, m.DN = prior.ID, types.StringValue(g.DN)
	if m.SAMAccountName.IsUnknown() {
		m.SAMAccountName = types.StringValue(g.SAMAccountName)
	}
	return link(ctx, &m.Members, g.Members, "Unable to set members of "+m.label(),
		func(current, wanted []string) error { return c.SetMembers(ctx, g.DN, current, wanted) }, diags)
}

func (m *directoryGroupModel) delete(ctx context.Context, c *directory.Client) error {
	return m.remove(ctx, c, directory.KindGroup, false)
}

func (m *directoryGroupModel) toGroup() directory.Group {
	return directory.Group{
		Name: m.Name.ValueString(), SAMAccountName: m.SAMAccountName.ValueString(), Description: m.Description.ValueString(),
		Scope: m.Scope.ValueString(), Category: m.Category.ValueString(),
	}
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
