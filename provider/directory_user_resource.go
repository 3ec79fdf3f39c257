package provider

import (
	"context"
	"fmt"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/directory"
	"github.com/tenantops/tenantops/provider/validators"
)

var (
	_ resource.ResourceWithImportState = &DirectoryUserResource{}
	_ resource.ResourceWithModifyPlan  = &DirectoryUserResource{}
)

// NewDirectoryUserResource is the tenantops_directory_user constructor.
func NewDirectoryUserResource() resource.Resource {
	return &DirectoryUserResource{newDirectoryResource[directoryUserModel]("directory_user", directory.KindUser)}
}

// DirectoryUserResource manages an Active Directory user account.
type DirectoryUserResource struct {
	directoryResource[directoryUserModel, *directoryUserModel]
}

type directoryUserModel struct {
	dirEntryModel
	SAMAccountName       types.String `tfsdk:"sam_account_name"`
	UserPrincipalName    types.String `tfsdk:"user_principal_name"`
	DisplayName          types.String `tfsdk:"display_name"`
	Description          types.String `tfsdk:"description"`
	Enabled              types.Bool   `tfsdk:"enabled"`
	PasswordNeverExpires types.Bool   `tfsdk:"password_never_expires"`
	InitialPassword      types.String `tfsdk:"initial_password"`
	Groups               types.Set    `tfsdk:"groups"`
}

func (m *directoryUserModel) label() string {
	return fmt.Sprintf("user %q", m.SAMAccountName.ValueString())
}

var upnRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)

func (r *DirectoryUserResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An Active Directory user account (service or admin account of a tenant). The password " +
			"is set once, from `initial_password`, when the account is created (over the encrypted connection, as " +
			"`unicodePwd`); later changes to `initial_password` and imports never reset it, so a password the user " +
			"changed stays. Import by DN, by `sAMAccountName` (optionally `DOMAIN\\name`), by userPrincipalName " +
			"or by objectGUID.",
		Attributes: entryAttributes("account",
			"Common name (the `CN=` RDN), usually the full name. Changing it renames the account in place.",
			"DN of the container (usually the tenant's OU). Changing it moves the account.",
			"The account's objectGUID.",
			map[string]schema.Attribute{
				// required
				"sam_account_name": requiredString("Logon name (pre-Windows 2000), at most 20 characters, unique in the domain.",
					validators.SAMAccountName(20)...),
				// optional
				"user_principal_name": optionalString("userPrincipalName, e.g. `alice@acme.example.com`.",
					stringvalidator.RegexMatches(upnRE, "must look like name@suffix")),
				"display_name":           optionalString("Display name.", nonEmpty),
				"description":            optionalString("Free-text description.", nonEmpty),
				"enabled":                defaultBool("Whether the account can log in (`userAccountControl` ACCOUNTDISABLE bit). Default `true` (an account without a password still cannot log in).", true),
				"password_never_expires": defaultBool("Exempt the password from the domain's maximum age (`userAccountControl` DONT_EXPIRE_PASSWORD). Default `false`.", false),
				"initial_password": schema.StringAttribute{Optional: true, Sensitive: true,
					MarkdownDescription: "Password set when the account is created. Never read back, never re-applied: " +
						"changing it later, or importing the account, leaves the current password alone.",
					Validators: []validator.String{nonEmpty}},
				"groups": dnSetAttribute("DNs of the groups the account is a direct member of (any case or spacing). " +
					"When omitted, group membership is not managed here. Do not also list the account in a " +
					"`tenantops_directory_group`'s `members`."),
			}),
		Blocks: r.timeoutsBlock(ctx),
	}
}

func (m *directoryUserModel) create(ctx context.Context, c *directory.Client, resp *resource.CreateResponse) error {
	u, err := c.CreateUser(ctx, m.Path.ValueString(), m.toUser(), m.InitialPassword.ValueString())
	if err != nil {
		return err
	}
	m.ID, m.DN = types.StringValue(u.GUID), types.StringValue(u.DN)
	return saveThenLink(ctx, resp, m, &m.Groups, u.Groups, "Unable to set groups of "+m.label(),
		func(current, wanted []string) error { return c.SetUserGroups(ctx, u.DN, current, wanted) })
}

func (m *directoryUserModel) read(ctx context.Context, c *directory.Client, diags *diag.Diagnostics) error {
	u, err := c.GetUser(ctx, m.ID.ValueString())
	if err == nil {
		diags.Append(m.fromUser(ctx, u)...)
	}
	return err
}

// Update never applies initial_password: it only seeds new accounts.
func (m *directoryUserModel) update(ctx context.Context, c *directory.Client, prior *directoryUserModel, diags *diag.Diagnostics) error {
	dn, err := m.move(ctx, c, &prior.dirEntryModel, directory.KindUser)
	if err != nil {
		return err
	}
	if err := c.UpdateUser(ctx, dn, m.toUser()); err != nil {
		return err
	}
	u, err := c.GetUser(ctx, prior.ID.ValueString())
	if err != nil {
		return err
	}
	m.ID, m.DN = prior.ID, types.StringValue(u.DN)
	return link(ctx, &m.Groups, u.Groups, "Unable to set groups of "+m.label(),
		func(current, wanted []string) error { return c.SetUserGroups(ctx, u.DN, current, wanted) }, diags)
}

func (m *directoryUserModel) delete(ctx context.Context, c *directory.Client) error {
	return m.remove(ctx, c, directory.KindUser, false)
}

func (m *directoryUserModel) toUser() directory.User {
	return directory.User{
		Name: m.Name.ValueString(), SAMAccountName: m.SAMAccountName.ValueString(),
		UserPrincipalName: m.UserPrincipalName.ValueString(), DisplayName: m.DisplayName.ValueString(),
		Description: m.Description.ValueString(), Enabled: m.Enabled.ValueBool(),
		PasswordNeverExpires: m.PasswordNeverExpires.ValueBool(),
	}
}

// fromUser refreshes the model from AD (initial_password is kept as is).
func (m *directoryUserModel) fromUser(ctx context.Context, u directory.User) diag.Diagnostics {
	p, groups, diags := refreshDNs(ctx, m.Path, m.Groups, u.DN, u.Groups)
	if diags.HasError() {
		return diags
	}
	m.ID, m.DN, m.Name, m.Path = types.StringValue(u.GUID), types.StringValue(u.DN), types.StringValue(u.Name), p
	m.SAMAccountName = types.StringValue(u.SAMAccountName)
	m.UserPrincipalName = optString(u.UserPrincipalName)
	m.DisplayName = optString(u.DisplayName)
	m.Description = optString(u.Description)
	m.Enabled = types.BoolValue(u.Enabled)
	m.PasswordNeverExpires = types.BoolValue(u.PasswordNeverExpires)
	m.Groups = groups
	return diags
}
