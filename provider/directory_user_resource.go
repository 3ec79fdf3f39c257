package provider

import (
	"context"
	"fmt"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
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
	InitialPasswordWO    types.String `tfsdk:"initial_password_wo"`
	InitialPasswordWOVer types.Int64  `tfsdk:"initial_password_wo_version"`
	Groups               types.Set    `tfsdk:"groups"`
}

func (m *directoryUserModel) label() string {
	return fmt.Sprintf("user %q", m.SAMAccountName.ValueString())
}

func (m *directoryUserModel) secrets() []secretArg { return []secretArg{m.initialPassword()} }

// initialPassword's write-only form resets the password on rotation only:
// a first version given to an existing account (imported, or moving from
// initial_password) must not replace a password its user may have changed.
func (m *directoryUserModel) initialPassword() secretArg {
	return secretArg{"initial_password", onRotation, &m.InitialPassword, &m.InitialPasswordWO, &m.InitialPasswordWOVer}
}

var upnRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)

func (r *DirectoryUserResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := map[string]schema.Attribute{
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
		"groups": dnSetAttribute("DNs of the groups the account is a direct member of (any case or spacing). " +
			"When omitted, group membership is not managed here. Do not also list the account in a " +
			"`tenantops_directory_group`'s `members`."),
	}
	secretAttributes(attrs, "initial_password", false, "Password set when the account is created.",
		"Never read back, never re-applied: changing it later, or importing the account, leaves the current password alone.",
		"Set when the account is created, and reset in place (an administrative reset over the encrypted "+
			"connection) whenever `initial_password_wo_version` changes from one version to another. A first "+
			"version given to an existing account (after an import, or when moving from `initial_password`) is only "+
			"recorded: the account keeps its password.",
		nonEmpty)
	resp.Schema = schema.Schema{
		MarkdownDescription: "An Active Directory user account (service or admin account of a tenant). The password " +
			"is set when the account is created (over the encrypted connection, as `unicodePwd`), from " +
			"`initial_password` or `initial_password_wo`. Later changes to `initial_password` and imports never reset " +
			"it, so a password the user changed stays; a new `initial_password_wo_version` does reset it. Import by DN, " +
			"by `sAMAccountName` (optionally `DOMAIN\\name`), by userPrincipalName or by objectGUID.",
		Attributes: entryAttributes("account",
			"Common name (the `CN=` RDN), usually the full name. Changing it renames the account in place.",
			"DN of the container (usually the tenant's OU). Changing it moves the account.",
			"The account's objectGUID.",
			attrs),
		Blocks: r.timeoutsBlock(ctx),
	}
}

func (m *directoryUserModel) create(ctx context.Context, c *directory.Client, resp *resource.CreateResponse) error {
	u, err := c.CreateUser(ctx, m.Path.ValueString(), m.toUser(), m.initialPassword().value())
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

// Update never applies initial_password: it only seeds new accounts. It
// resets the password to initial_password_wo when that is due (a new
// version, see initialPassword).
func (m *directoryUserModel) update(ctx context.Context, c *directory.Client, prior *directoryUserModel, diags *diag.Diagnostics) error {
	dn, err := m.move(ctx, c, &prior.dirEntryModel, directory.KindUser)
	if err != nil {
		return err
	}
	if err := c.UpdateUser(ctx, dn, m.toUser()); err != nil {
		return err
	}
	if pw := m.InitialPasswordWO.ValueString(); pw != "" {
		if err := c.SetPassword(ctx, dn, pw); err != nil {
			return failed("Unable to reset the password of "+m.label(), err)
		}
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

// fromUser refreshes the model from AD (initial_password and the version
// of initial_password_wo are kept as they are).
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
