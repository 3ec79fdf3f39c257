package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/scim"
	"github.com/tenantops/tenantops/provider/validators"
)

var _ resource.ResourceWithImportState = &SCIMUserResource{}

// NewSCIMUserResource is the constructor the provider registers.
func NewSCIMUserResource() resource.Resource { return &SCIMUserResource{} }

// SCIMUserResource manages a user on a SCIM 2.0 service provider.
type SCIMUserResource struct {
	data *ProviderData
}

type scimUserModel struct {
	ID             types.String   `tfsdk:"id"`
	UserName       types.String   `tfsdk:"user_name"`
	GivenName      types.String   `tfsdk:"given_name"`
	FamilyName     types.String   `tfsdk:"family_name"`
	DisplayName    types.String   `tfsdk:"display_name"`
	Emails         types.List     `tfsdk:"emails"`
	Active         types.Bool     `tfsdk:"active"`
	ExternalID     types.String   `tfsdk:"external_id"`
	EmployeeNumber types.String   `tfsdk:"employee_number"`
	Department     types.String   `tfsdk:"department"`
	Organization   types.String   `tfsdk:"organization"`
	ManagerID      types.String   `tfsdk:"manager_id"`
	Version        types.String   `tfsdk:"version"`
	Timeouts       timeouts.Value `tfsdk:"timeouts"`
}

type scimEmailModel struct {
	Value   types.String `tfsdk:"value"`
	Type    types.String `tfsdk:"type"`
	Primary types.Bool   `tfsdk:"primary"`
}

var scimEmailAttrTypes = map[string]attr.Type{
	"value": types.StringType, "type": types.StringType, "primary": types.BoolType,
}

func (r *SCIMUserResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_scim_user"
}

func (r *SCIMUserResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	nonEmpty := []validator.String{stringvalidator.LengthAtLeast(1)}
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
			"user_name": schema.StringAttribute{Required: true, Validators: nonEmpty,
				MarkdownDescription: "Unique login name (`userName`). Compared case-insensitively by the service provider."},
			// optional
			"given_name":   schema.StringAttribute{Optional: true, Validators: nonEmpty, MarkdownDescription: "Given (first) name (`name.givenName`)."},
			"family_name":  schema.StringAttribute{Optional: true, Validators: nonEmpty, MarkdownDescription: "Family (last) name (`name.familyName`)."},
			"display_name": schema.StringAttribute{Optional: true, Validators: nonEmpty, MarkdownDescription: "Name shown to end users (`displayName`)."},
			"emails": schema.ListNestedAttribute{Optional: true,
				MarkdownDescription: "E-mail addresses, in order. At most one should be `primary`.",
				Validators:          []validator.List{listvalidator.SizeAtLeast(1)},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"value": schema.StringAttribute{Required: true, Validators: []validator.String{validators.Email()},
						MarkdownDescription: "The address, plain (`alice@acme.example`, no display name)."},
					"type": schema.StringAttribute{Optional: true, MarkdownDescription: "Label: `work`, `home` or `other`.",
						Validators: []validator.String{stringvalidator.OneOf("work", "home", "other")}},
					"primary": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
						MarkdownDescription: "Whether this is the preferred address. Defaults to `false`."},
				}},
			},
			"active": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Whether the user may log in. Defaults to `true`."},
			"external_id": schema.StringAttribute{Optional: true, Validators: nonEmpty,
				MarkdownDescription: "Identifier of the user in the provisioning system (`externalId`), e.g. the CRM contact id."},
			"employee_number": schema.StringAttribute{Optional: true, Validators: nonEmpty, MarkdownDescription: "Enterprise extension `employeeNumber`."},
			"department":      schema.StringAttribute{Optional: true, Validators: nonEmpty, MarkdownDescription: "Enterprise extension `department`."},
			"organization":    schema.StringAttribute{Optional: true, Validators: nonEmpty, MarkdownDescription: "Enterprise extension `organization`."},
			"manager_id": schema.StringAttribute{Optional: true, Validators: nonEmpty,
				MarkdownDescription: "SCIM id of the user's manager (enterprise extension `manager.value`), e.g. `tenantops_scim_user.boss.id`."},
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

func (r *SCIMUserResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configureResource(req, resp)
}

func (r *SCIMUserResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan scimUserModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, scimBackend, "tenantops_scim_user", plan.Timeouts.Create, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	name := plan.UserName.ValueString()
	u := &scim.User{}
	resp.Diagnostics.Append(plan.apply(ctx, u)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := scimCheckEnterprise(ctx, c, u); err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Unable to create SCIM user %q", name), err.Error())
		return
	}
	created, err := c.CreateUser(ctx, u)
	if err != nil {
		resp.Diagnostics.Append(scimBackend.error(fmt.Sprintf("Unable to create SCIM user %q", name), err))
		return
	}
	plan.ID = types.StringValue(created.ID)
	plan.Version = types.StringValue(created.Version())
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *SCIMUserResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state scimUserModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, scimBackend, "tenantops_scim_user", state.Timeouts.Read, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	u, err := c.GetUser(ctx, state.ID.ValueString())
	if errors.Is(err, scim.ErrNotFound) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.Append(scimBackend.error(fmt.Sprintf("Unable to read SCIM user %q", state.UserName.ValueString()), err))
		return
	}
	resp.Diagnostics.Append(state.from(u)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *SCIMUserResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state scimUserModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// A failed update leaves the prior state, not the plan.
	resp.State.Raw = req.State.Raw
	ctx, cancel, c, ok := open(ctx, r.data, scimBackend, "tenantops_scim_user", plan.Timeouts.Update, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	summary := fmt.Sprintf("Unable to update SCIM user %q", state.UserName.ValueString())
	cur, err := c.GetUser(ctx, state.ID.ValueString())
	if err != nil {
		resp.Diagnostics.Append(scimBackend.error(summary, err))
		return
	}
	next := *cur
	resp.Diagnostics.Append(plan.apply(ctx, &next)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := scimCheckEnterprise(ctx, c, &next); err != nil {
		resp.Diagnostics.AddError(summary, err.Error())
		return
	}
	// If-Match carries the version this plan was made against, so a change
	// made by someone else since the refresh is not silently overwritten.
	updated, _, err := c.UpdateUser(ctx, cur, &next, state.Version.ValueString())
	if err != nil {
		resp.Diagnostics.Append(scimBackend.error(summary, err))
		return
	}
	plan.ID = state.ID
	plan.Version = types.StringValue(updated.Version())
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *SCIMUserResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state scimUserModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, scimBackend, "tenantops_scim_user", state.Timeouts.Delete, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	if err := c.DeleteUser(ctx, state.ID.ValueString()); err != nil {
		resp.Diagnostics.Append(scimBackend.error(fmt.Sprintf("Unable to delete SCIM user %q", state.UserName.ValueString()), err))
	}
}

func (r *SCIMUserResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	ctx, cancel, c, ok := open(ctx, r.data, scimBackend, "tenantops_scim_user", nil, 0, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	u, err := scimImport(ctx, req.ID, "userName", c.FindUserByName, c.GetUser)
	if err != nil {
		resp.Diagnostics.Append(scimBackend.error(fmt.Sprintf("Unable to import SCIM user %q", req.ID), err))
		return
	}
	var m scimUserModel
	m.Emails = types.ListNull(types.ObjectType{AttrTypes: scimEmailAttrTypes})
	resp.Diagnostics.Append(m.from(u)...)
	// A fresh model: the timeouts block is not configured yet (null).
	resp.Diagnostics.Append(resp.State.GetAttribute(ctx, path.Root("timeouts"), &m.Timeouts)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
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
		return errors.New(scimErr(err))
	}
	if !caps.SupportsEnterprise() {
		return errors.New("SCIM: the service provider's User resource type does not include the enterprise extension " +
			scim.EnterpriseSchema + "; remove employee_number, department, organization and manager_id")
	}
	return nil
}
