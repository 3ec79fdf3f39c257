package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/directory"
	"github.com/tenantops/tenantops/provider/planmodifiers"
	"github.com/tenantops/tenantops/provider/validators"
)

var (
	_ resource.ResourceWithImportState = &DirectoryUserResource{}
	_ resource.ResourceWithModifyPlan  = &DirectoryUserResource{}
)

// NewDirectoryUserResource is the tenantops_directory_user constructor.
func NewDirectoryUserResource() resource.Resource { return &DirectoryUserResource{} }

// DirectoryUserResource manages an Active Directory user account.
type DirectoryUserResource struct{ data *ProviderData }

type directoryUserModel struct {
	ID                   types.String   `tfsdk:"id"`
	DN                   types.String   `tfsdk:"dn"`
	Name                 types.String   `tfsdk:"name"`
	Path                 types.String   `tfsdk:"path"`
	SAMAccountName       types.String   `tfsdk:"sam_account_name"`
	UserPrincipalName    types.String   `tfsdk:"user_principal_name"`
	DisplayName          types.String   `tfsdk:"display_name"`
	Description          types.String   `tfsdk:"description"`
	Enabled              types.Bool     `tfsdk:"enabled"`
	PasswordNeverExpires types.Bool     `tfsdk:"password_never_expires"`
	InitialPassword      types.String   `tfsdk:"initial_password"`
	Groups               types.Set      `tfsdk:"groups"`
	Timeouts             timeouts.Value `tfsdk:"timeouts"`
}

var upnRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)

func (r *DirectoryUserResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_directory_user"
}

func (r *DirectoryUserResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An Active Directory user account (service or admin account of a tenant). The password " +
			"is set once, from `initial_password`, when the account is created (over the encrypted connection, as " +
			"`unicodePwd`); later changes to `initial_password` and imports never reset it, so a password the user " +
			"changed stays. Import by DN, by `sAMAccountName` (optionally `DOMAIN\\name`), by userPrincipalName " +
			"or by objectGUID.",
		Attributes: map[string]schema.Attribute{
			// required
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Common name (the `CN=` RDN), usually the full name. Changing it renames the account in place.",
				Validators:          nameValidators,
			},
			"path": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "DN of the container (usually the tenant's OU). Changing it moves the account.",
				Validators:          dnStringValidators,
			},
			"sam_account_name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Logon name (pre-Windows 2000), at most 20 characters, unique in the domain.",
				Validators:          validators.SAMAccountName(20),
			},
			// optional
			"user_principal_name": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "userPrincipalName, e.g. `alice@acme.example.com`.",
				Validators:          []validator.String{stringvalidator.RegexMatches(upnRE, "must look like name@suffix")},
			},
			"display_name": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Display name.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"description": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Free-text description.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"enabled": schema.BoolAttribute{
				Optional: true, Computed: true,
				Default:             booldefault.StaticBool(true),
				MarkdownDescription: "Whether the account can log in (`userAccountControl` ACCOUNTDISABLE bit). Default `true` (an account without a password still cannot log in).",
			},
			"password_never_expires": schema.BoolAttribute{
				Optional: true, Computed: true,
				Default:             booldefault.StaticBool(false),
				MarkdownDescription: "Exempt the password from the domain's maximum age (`userAccountControl` DONT_EXPIRE_PASSWORD). Default `false`.",
			},
			"initial_password": schema.StringAttribute{
				Optional: true, Sensitive: true,
				MarkdownDescription: "Password set when the account is created. Never read back, never re-applied: " +
					"changing it later, or importing the account, leaves the current password alone.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"groups": schema.SetAttribute{
				Optional: true, Computed: true,
				ElementType: types.StringType,
				MarkdownDescription: "DNs of the groups the account is a direct member of (any case or spacing). " +
					"When omitted, group membership is not managed here. Do not also list the account in a " +
					"`tenantops_directory_group`'s `members`.",
				Validators:    dnSetValidators,
				PlanModifiers: []planmodifier.Set{planmodifiers.DNSet(), setplanmodifier.UseStateForUnknown()},
			},
			// computed
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The account's objectGUID.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"dn": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The account's current distinguished name.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

func (r *DirectoryUserResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configureResource(req, resp)
}

func (r *DirectoryUserResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	dirPlanDN(ctx, req, resp)
}

func (m directoryUserModel) toUser() directory.User {
	return directory.User{
		Name: m.Name.ValueString(), SAMAccountName: m.SAMAccountName.ValueString(),
		UserPrincipalName: m.UserPrincipalName.ValueString(), DisplayName: m.DisplayName.ValueString(),
		Description: m.Description.ValueString(), Enabled: m.Enabled.ValueBool(),
		PasswordNeverExpires: m.PasswordNeverExpires.ValueBool(),
	}
}

func (r *DirectoryUserResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan directoryUserModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, directoryBackend, "tenantops_directory_user", plan.Timeouts.Create, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	name := plan.SAMAccountName.ValueString()
	u, err := c.CreateUser(ctx, plan.Path.ValueString(), plan.toUser(), plan.InitialPassword.ValueString())
	if err != nil {
		resp.Diagnostics.Append(directoryBackend.error(fmt.Sprintf("Unable to create user %q", name), err))
		return
	}
	// Saved before group membership is written: a failure below leaves a
	// tainted resource that destroy removes.
	plan.ID, plan.DN = types.StringValue(u.GUID), types.StringValue(u.DN)
	want := plan.Groups
	if plan.Groups, err = dnSet(ctx, u.Groups); err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Unable to create user %q", name), err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if dns, ok, diags := managedDNs(ctx, want); ok || diags.HasError() {
		resp.Diagnostics.Append(diags...)
		if diags.HasError() {
			return
		}
		if err := c.SetUserGroups(ctx, u.DN, u.Groups, dns); err != nil {
			resp.Diagnostics.Append(directoryBackend.error(fmt.Sprintf("Unable to set groups of user %q", name), err))
			return
		}
		plan.Groups = want
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *DirectoryUserResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state directoryUserModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, directoryBackend, "tenantops_directory_user", state.Timeouts.Read, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	u, err := c.GetUser(ctx, state.ID.ValueString())
	if errors.Is(err, directory.ErrNotFound) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.Append(directoryBackend.error(fmt.Sprintf("Unable to read user %q", state.ID.ValueString()), err))
		return
	}
	resp.Diagnostics.Append(state.fromUser(ctx, u)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

func (r *DirectoryUserResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state directoryUserModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, directoryBackend, "tenantops_directory_user", plan.Timeouts.Update, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	name := plan.SAMAccountName.ValueString()
	dn, err := moveIfNeeded(ctx, c, state.DN.ValueString(), "CN",
		state.Name.ValueString(), plan.Name.ValueString(), state.Path.ValueString(), plan.Path.ValueString())
	if err != nil {
		resp.Diagnostics.Append(directoryBackend.error(fmt.Sprintf("Unable to rename or move user %q", state.DN.ValueString()), err))
		return
	}
	if err := c.UpdateUser(ctx, dn, plan.toUser()); err != nil {
		resp.Diagnostics.Append(directoryBackend.error(fmt.Sprintf("Unable to update user %q", name), err))
		return
	}
	u, err := c.GetUser(ctx, state.ID.ValueString())
	if err != nil {
		resp.Diagnostics.Append(directoryBackend.error(fmt.Sprintf("Unable to read user %q", name), err))
		return
	}
	if dns, ok, diags := managedDNs(ctx, plan.Groups); ok || diags.HasError() {
		resp.Diagnostics.Append(diags...)
		if diags.HasError() {
			return
		}
		if err := c.SetUserGroups(ctx, u.DN, u.Groups, dns); err != nil {
			resp.Diagnostics.Append(directoryBackend.error(fmt.Sprintf("Unable to set groups of user %q", name), err))
			return
		}
	} else if plan.Groups, err = dnSet(ctx, u.Groups); err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Unable to update user %q", name), err.Error())
		return
	}
	// initial_password is deliberately not applied: it only seeds new accounts.
	plan.ID, plan.DN = state.ID, types.StringValue(u.DN)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *DirectoryUserResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state directoryUserModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, r.data, directoryBackend, "tenantops_directory_user", state.Timeouts.Delete, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	deleteByGUID(ctx, c, directory.KindUser, state.ID.ValueString(), state.DN.ValueString(), false, &resp.Diagnostics)
}

func (r *DirectoryUserResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	dirImport(ctx, r.data, "tenantops_directory_user", directory.KindUser, req, resp)
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
