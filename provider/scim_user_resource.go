package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/scim"
	"github.com/tenantops/tenantops/provider/validators"
)

var _ resource.ResourceWithImportState = &SCIMUserResource{}

// NewSCIMUserResource is the constructor the provider registers.
func NewSCIMUserResource() resource.Resource {
	return &SCIMUserResource{newCRUD[scimUserModel](scimBackend, "scim_user", identityTimeout, allOps)}
}

// SCIMUserResource manages a user on a SCIM 2.0 service provider.
type SCIMUserResource struct {
	crudResource[scimUserModel, *scimUserModel, *scim.Client]
}

type scimUserModel struct {
	ID             types.String `tfsdk:"id"`
	UserName       types.String `tfsdk:"user_name"`
	GivenName      types.String `tfsdk:"given_name"`
	FamilyName     types.String `tfsdk:"family_name"`
	DisplayName    types.String `tfsdk:"display_name"`
	Emails         types.List   `tfsdk:"emails"`
	Active         types.Bool   `tfsdk:"active"`
	ExternalID     types.String `tfsdk:"external_id"`
	EmployeeNumber types.String `tfsdk:"employee_number"`
	Department     types.String `tfsdk:"department"`
	Organization   types.String `tfsdk:"organization"`
	ManagerID      types.String `tfsdk:"manager_id"`
	Version        types.String `tfsdk:"version"`
	timeoutsModel
}

func (m *scimUserModel) label() string { return fmt.Sprintf("SCIM user %q", m.UserName.ValueString()) }

type scimEmailModel struct {
	Value   types.String `tfsdk:"value"`
	Type    types.String `tfsdk:"type"`
	Primary types.Bool   `tfsdk:"primary"`
}

var scimEmailAttrTypes = map[string]attr.Type{
	"value": types.StringType, "type": types.StringType, "primary": types.BoolType,
}

func (r *SCIMUserResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A user on a SCIM 2.0 service provider (RFC 7643 `User` with the enterprise extension). " +
			"Updates use PATCH when the service provider advertises it and a PUT of the current resource otherwise; " +
			"when the provider supports ETags, every change is guarded with `If-Match` so a concurrent change by " +
			"someone else fails the apply instead of being overwritten. Attributes this resource does not manage are " +
			"left as they are.\n\n" +
			"Import by SCIM id (`terraform import tenantops_scim_user.u 2819c223-7f76-453a-919d-413861904646`) or by " +
			"`userName` with the `userName:` prefix (`terraform import tenantops_scim_user.u userName:alice@acme.example`); " +
			"the name may contain any character, including quotes and backslashes.",
		Attributes: map[string]schema.Attribute{
			// required
			"user_name": requiredString("Unique login name (`userName`). Compared case-insensitively by the service provider.", nonEmpty),
			// optional
			"given_name":   optionalString("Given (first) name (`name.givenName`).", nonEmpty),
			"family_name":  optionalString("Family (last) name (`name.familyName`).", nonEmpty),
			"display_name": optionalString("Name shown to end users (`displayName`).", nonEmpty),
			"emails": schema.ListNestedAttribute{Optional: true,
				MarkdownDescription: "E-mail addresses, in order. At most one should be `primary`.",
				Validators:          []validator.List{listvalidator.SizeAtLeast(1)},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"value":   requiredString("The address, plain (`alice@acme.example`, no display name).", validators.Email()),
					"type":    optionalString("Label: `work`, `home` or `other`.", stringvalidator.OneOf("work", "home", "other")),
					"primary": defaultBool("Whether this is the preferred address. Defaults to `false`.", false),
				}},
			},
			"active":          defaultBool("Whether the user may log in. Defaults to `true`.", true),
			"external_id":     optionalString("Identifier of the user in the provisioning system (`externalId`), e.g. the CRM contact id.", nonEmpty),
			"employee_number": optionalString("Enterprise extension `employeeNumber`.", nonEmpty),
			"department":      optionalString("Enterprise extension `department`.", nonEmpty),
			"organization":    optionalString("Enterprise extension `organization`.", nonEmpty),
			"manager_id":      optionalString("SCIM id of the user's manager (enterprise extension `manager.value`), e.g. `tenantops_scim_user.boss.id`.", nonEmpty),
			// computed
			"id":      stableString("SCIM id assigned by the service provider."),
			"version": scimVersionAttribute,
		},
		Blocks: r.timeoutsBlock(ctx),
	}
}

func (m *scimUserModel) create(ctx context.Context, c *scim.Client, resp *resource.CreateResponse) error {
	u := &scim.User{}
	if resp.Diagnostics.Append(m.apply(ctx, u)...); resp.Diagnostics.HasError() {
		return nil
	}
	if err := scimCheckEnterprise(ctx, c, u); err != nil {
		return err
	}
	created, err := c.CreateUser(ctx, u)
	if err != nil {
		return err
	}
	m.ID, m.Version = types.StringValue(created.ID), types.StringValue(created.Version())
	return nil
}

func (m *scimUserModel) read(ctx context.Context, c *scim.Client, diags *diag.Diagnostics) error {
	u, err := c.GetUser(ctx, m.ID.ValueString())
	if err == nil {
		diags.Append(m.from(u)...)
	}
	return err
}

func (m *scimUserModel) update(ctx context.Context, c *scim.Client, prior *scimUserModel, diags *diag.Diagnostics) error {
	cur, err := c.GetUser(ctx, prior.ID.ValueString())
	if err != nil {
		return err
	}
	next := *cur
	if diags.Append(m.apply(ctx, &next)...); diags.HasError() {
		return nil
	}
	if err := scimCheckEnterprise(ctx, c, &next); err != nil {
		return err
	}
	// If-Match carries the version this plan was made against, so a change
	// made by someone else since the refresh is not silently overwritten.
	updated, _, err := c.UpdateUser(ctx, cur, &next, prior.Version.ValueString())
	if err != nil {
		return err
	}
	m.ID, m.Version = prior.ID, types.StringValue(updated.Version())
	return nil
}

func (m *scimUserModel) delete(ctx context.Context, c *scim.Client) error {
	return c.DeleteUser(ctx, m.ID.ValueString())
}

func (r *SCIMUserResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importResource(ctx, &r.resourceBase, req, resp, fmt.Sprintf("Unable to import SCIM user %q", req.ID), "",
		func(ctx context.Context, c *scim.Client, key string) (stateAttrs, error) {
			u, err := scimImport(ctx, key, "userName", c.FindUserByName, c.GetUser)
			if err != nil {
				return nil, err
			}
			return stateAttrs{"id": u.ID}, nil
		})
}

// apply writes the planned attributes onto u, keeping what the resource does
// not manage (name.formatted, costCenter, division, ...).
func (m *scimUserModel) apply(ctx context.Context, u *scim.User) (diags diag.Diagnostics) {
	u.UserName = m.UserName.ValueString()
	u.DisplayName = m.DisplayName.ValueString()
	u.ExternalID = m.ExternalID.ValueString()
	name := scim.Name{}
	if u.Name != nil {
		name = *u.Name
	}
	name.GivenName, name.FamilyName = m.GivenName.ValueString(), m.FamilyName.ValueString()
	u.Name = nil
	if name != (scim.Name{}) {
		u.Name = &name
	}
	active := m.Active.IsNull() || m.Active.ValueBool()
	u.Active = &active
	u.Emails = nil
	if !m.Emails.IsNull() && !m.Emails.IsUnknown() {
		var emails []scimEmailModel
		diags.Append(m.Emails.ElementsAs(ctx, &emails, false)...)
		for _, e := range emails {
			u.Emails = append(u.Emails, scim.Email{Value: e.Value.ValueString(), Type: e.Type.ValueString(), Primary: e.Primary.ValueBool()})
		}
	}
	ent := scim.EnterpriseUser{}
	if u.Enterprise != nil {
		ent = *u.Enterprise
	}
	ent.EmployeeNumber = m.EmployeeNumber.ValueString()
	ent.Department = m.Department.ValueString()
	ent.Organization = m.Organization.ValueString()
	ent.Manager = nil
	if id := m.ManagerID.ValueString(); id != "" {
		ent.Manager = &scim.Manager{Value: id}
	}
	u.Enterprise = nil
	if !ent.IsZero() {
		u.Enterprise = &ent
	}
	return diags
}

// from sets the model from the service provider's representation.
func (m *scimUserModel) from(u *scim.User) (diags diag.Diagnostics) {
	m.ID = types.StringValue(u.ID)
	m.UserName = types.StringValue(u.UserName)
	m.DisplayName = scimStr(u.DisplayName)
	m.ExternalID = scimStr(u.ExternalID)
	m.GivenName, m.FamilyName = types.StringNull(), types.StringNull()
	if u.Name != nil {
		m.GivenName, m.FamilyName = scimStr(u.Name.GivenName), scimStr(u.Name.FamilyName)
	}
	m.Active = types.BoolValue(u.Active == nil || *u.Active)
	ent := scim.EnterpriseUser{}
	if u.Enterprise != nil {
		ent = *u.Enterprise
	}
	m.EmployeeNumber, m.Department, m.Organization = scimStr(ent.EmployeeNumber), scimStr(ent.Department), scimStr(ent.Organization)
	m.ManagerID = types.StringNull()
	if ent.Manager != nil {
		m.ManagerID = scimStr(ent.Manager.Value)
	}
	objType := types.ObjectType{AttrTypes: scimEmailAttrTypes}
	if len(u.Emails) == 0 {
		m.Emails = types.ListNull(objType)
	} else {
		vals := make([]attr.Value, 0, len(u.Emails))
		for _, e := range u.Emails {
			o, d := types.ObjectValue(scimEmailAttrTypes, map[string]attr.Value{
				"value": types.StringValue(e.Value), "type": scimStr(e.Type), "primary": types.BoolValue(e.Primary),
			})
			diags.Append(d...)
			vals = append(vals, o)
		}
		l, d := types.ListValue(objType, vals)
		diags.Append(d...)
		m.Emails = l
	}
	m.Version = types.StringValue(u.Version())
	return diags
}

// scimCheckEnterprise refuses enterprise attributes a provider cannot store,
// rather than letting it drop them silently and plan a diff for ever.
func scimCheckEnterprise(ctx context.Context, c *scim.Client, u *scim.User) error {
	if u.Enterprise.IsZero() {
		return nil
	}
	caps, err := c.Capabilities(ctx)
	if err != nil {
		return err
	}
	if !caps.SupportsEnterprise() {
		return errors.New("the service provider's User resource type does not include the enterprise extension " +
			scim.EnterpriseSchema + "; remove employee_number, department, organization and manager_id")
	}
	return nil
}
