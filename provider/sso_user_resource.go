package provider

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/keycloak"
)

var (
	_ resource.ResourceWithImportState    = &SSOUserResource{}
	_ resource.ResourceWithValidateConfig = &SSOUserResource{}
	_ resource.ResourceWithModifyPlan     = &SSOUserResource{}
)

// NewSSOUserResource is the constructor the provider registers.
func NewSSOUserResource() resource.Resource {
	return &SSOUserResource{newCRUD[ssoUserModel](keycloakBackend, "sso_user", identityTimeout, allOps)}
}

// SSOUserResource manages a user of a tenant realm and, optionally, the
// invitation Keycloak e-mails to it.
type SSOUserResource struct {
	crudResource[ssoUserModel, *ssoUserModel, *keycloak.Client]
}

type ssoUserModel struct {
	ID                 types.String `tfsdk:"id"`
	Realm              types.String `tfsdk:"realm"`
	Username           types.String `tfsdk:"username"`
	Email              types.String `tfsdk:"email"`
	FirstName          types.String `tfsdk:"first_name"`
	LastName           types.String `tfsdk:"last_name"`
	Enabled            types.Bool   `tfsdk:"enabled"`
	EmailVerified      types.Bool   `tfsdk:"email_verified"`
	RequiredActions    types.Set    `tfsdk:"required_actions"`
	Invite             types.Bool   `tfsdk:"invite"`
	InvitationLifespan types.Int64  `tfsdk:"invitation_lifespan"`
	InvitationClientID types.String `tfsdk:"invitation_client_id"`
	InvitationRedirect types.String `tfsdk:"invitation_redirect_uri"`
	InvitedAt          types.String `tfsdk:"invited_at"`
	timeoutsModel
}

func (m *ssoUserModel) label() string {
	return fmt.Sprintf("user %q in realm %q", m.Username.ValueString(), m.Realm.ValueString())
}

// ssoUsernameRE: Keycloak stores usernames in lower case, so a capital
// would show as a change on every plan.
var ssoUsernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._@+-]*$`)

// ssoRequiredActions are the required actions Keycloak registers by
// default that an administrator may set on a user.
var ssoRequiredActions = []string{"UPDATE_PASSWORD", "CONFIGURE_TOTP", "webauthn-register", "webauthn-register-passwordless",
	"VERIFY_EMAIL", "UPDATE_PROFILE", "TERMS_AND_CONDITIONS"}

func (r *SSOUserResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A user of a tenant realm, e.g. a tenant administrator who signs in with the realm's own " +
			"accounts (no Active Directory, no brokered IdP). The user gets no password from Terraform: with " +
			"`invite = true` Keycloak e-mails an invitation (its execute-actions e-mail) whose link takes the user " +
			"through `required_actions`, e.g. `UPDATE_PASSWORD` and `CONFIGURE_TOTP` (the realm's MFA set-up). " +
			"The realm needs a mail server (`smtp_host` of `tenantops_sso_realm`). The invitation is sent when the " +
			"user is created, and again when `invite` turns from `false` to `true`. Import with `<realm>/<username>`.",
		Attributes: map[string]schema.Attribute{
			// required
			"realm": replacingString("Realm of the user."),
			"username": replacingString("User name, in lower case (Keycloak stores it so). Changing it creates a new user.",
				stringvalidator.LengthBetween(1, 255), stringvalidator.RegexMatches(ssoUsernameRE,
					"must be lower case letters, digits and . _ @ + - (Keycloak stores user names in lower case)")),
			// optional
			"email":          defaultString("E-mail address; needed for an invitation.", "", stringvalidator.RegexMatches(ssoEmailRE, "must be an e-mail address")),
			"first_name":     defaultString("First name.", ""),
			"last_name":      defaultString("Last name.", ""),
			"enabled":        defaultBool("Whether the user can sign in. Default `true`.", true),
			"email_verified": defaultBool("Whether the e-mail address counts as verified. Default `false`.", false),
			"required_actions": schema.SetAttribute{ElementType: types.StringType, Optional: true, Computed: true,
				Default:    setdefault.StaticValue(ssoEmptyStringSet()),
				Validators: []validator.Set{setvalidator.ValueStringsAre(stringvalidator.OneOf(ssoRequiredActions...))},
				MarkdownDescription: "Actions Keycloak has the user do at the next sign-in, and that an invitation's link " +
					"leads through: `UPDATE_PASSWORD`, `CONFIGURE_TOTP`, `webauthn-register`, " +
					"`webauthn-register-passwordless`, `VERIFY_EMAIL`, `UPDATE_PROFILE`, `TERMS_AND_CONDITIONS`. " +
					"Keycloak removes an action once the user has done it; Terraform then plans to set it again, so " +
					"leave it out (or use `lifecycle { ignore_changes = [required_actions] }`) once the user is set up."},
			"invite": defaultBool("Have Keycloak e-mail the user an invitation to do `required_actions` (needs `email`, "+
				"`enabled` and at least one action). Default `false`.", false),
			"invitation_lifespan": defaultInt("How long the invitation's link is valid, in seconds (default 259200, three days).",
				259200, int64validator.Between(300, 30*24*3600)),
			"invitation_client_id": defaultString("Client the invitation's link returns the user to afterwards "+
				"(with `invitation_redirect_uri`), e.g. the tenant portal's `client_id`.", ""),
			"invitation_redirect_uri": defaultString("Where the link sends the user afterwards; needs `invitation_client_id`.", ""),
			// computed
			"id": stableString("Keycloak's internal id of the user."),
			"invited_at": schema.StringAttribute{Computed: true,
				MarkdownDescription: "When Terraform last had Keycloak send the invitation (RFC 3339); null if never.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		},
		Blocks: r.timeoutsBlock(ctx),
	}
}

// ssoEmailRE is loose on purpose: Keycloak's own check decides.
var ssoEmailRE = regexp.MustCompile(`^([^@\s]+@[^@\s]+)?$`)

// ValidateConfig refuses an invitation Keycloak would refuse, at plan time.
func (r *SSOUserResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m ssoUserModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || !m.Invite.ValueBool() {
		return
	}
	if !m.Email.IsUnknown() && m.Email.ValueString() == "" {
		resp.Diagnostics.AddAttributeError(path.Root("email"), "Invitation without an e-mail address",
			"invite = true needs email: Keycloak sends the invitation there.")
	}
	if !m.Enabled.IsNull() && !m.Enabled.IsUnknown() && !m.Enabled.ValueBool() {
		resp.Diagnostics.AddAttributeError(path.Root("enabled"), "Invitation to a disabled user",
			"invite = true needs enabled = true: Keycloak refuses to e-mail a disabled user.")
	}
	if !m.RequiredActions.IsUnknown() && len(m.RequiredActions.Elements()) == 0 {
		resp.Diagnostics.AddAttributeError(path.Root("required_actions"), "Invitation with nothing to do",
			"invite = true needs at least one required action, e.g. [\"UPDATE_PASSWORD\"]: the link leads through them.")
	}
	if !m.InvitationRedirect.IsUnknown() && m.InvitationRedirect.ValueString() != "" && m.InvitationClientID.ValueString() == "" {
		resp.Diagnostics.AddAttributeError(path.Root("invitation_client_id"), "Redirect without a client",
			"invitation_redirect_uri needs invitation_client_id: Keycloak refuses one without the other.")
	}
}

// ModifyPlan marks invited_at unknown when the apply sends an invitation:
// invite turns from false to true.
func (r *SSOUserResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var plan, state ssoUserModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !plan.Invite.IsUnknown() && plan.Invite.ValueBool() && !state.Invite.ValueBool() {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("invited_at"), types.StringUnknown())...)
	}
}

func (m *ssoUserModel) create(ctx context.Context, kc *keycloak.Client, resp *resource.CreateResponse) error {
	want := m.toUser(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return nil
	}
	id, err := kc.CreateUser(ctx, m.Realm.ValueString(), want)
	if err != nil {
		if classify(err) == errConflict {
			err = withHint(err, fmt.Sprintf("To manage the existing user, import it: terraform import <address> %s/%s",
				m.Realm.ValueString(), m.Username.ValueString()))
		}
		return err
	}
	// The user exists: record it before the invitation can fail.
	m.ID = types.StringValue(id)
	m.InvitedAt = types.StringNull()
	setAttrs(ctx, &resp.State, &resp.Diagnostics, stateAttrs{"id": m.ID, "realm": m.Realm, "username": m.Username})
	if m.Invite.ValueBool() {
		if err := m.invite(ctx, kc, want.RequiredActions); err != nil {
			return err
		}
	}
	return m.refresh(ctx, kc, &resp.Diagnostics)
}

func (m *ssoUserModel) read(ctx context.Context, kc *keycloak.Client, diags *diag.Diagnostics) error {
	return m.refresh(ctx, kc, diags)
}

func (m *ssoUserModel) update(ctx context.Context, kc *keycloak.Client, prior *ssoUserModel, diags *diag.Diagnostics) error {
	want := m.toUser(ctx, diags)
	if diags.HasError() {
		return nil
	}
	if err := kc.UpdateUser(ctx, m.Realm.ValueString(), want); err != nil {
		return err
	}
	m.InvitedAt = prior.InvitedAt
	if m.Invite.ValueBool() && !prior.Invite.ValueBool() {
		if err := m.invite(ctx, kc, want.RequiredActions); err != nil {
			return err
		}
	}
	return m.refresh(ctx, kc, diags)
}

func (m *ssoUserModel) delete(ctx context.Context, kc *keycloak.Client) error {
	return kc.DeleteUser(ctx, m.Realm.ValueString(), m.ID.ValueString())
}

func (r *SSOUserResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	ssoImportByKey(ctx, &r.resourceBase, req, resp, "user", "username",
		func(ctx context.Context, kc *keycloak.Client, realm, name string) (stateAttrs, error) {
			got, err := kc.FindUser(ctx, realm, name)
			if err != nil {
				return nil, err
			}
			// Imported as never invited by Terraform: invite = true in the
			// configuration then sends the invitation on the next apply.
			return stateAttrs{"id": got.ID, "realm": realm, "username": got.Username, "invite": false,
				"invitation_lifespan": int64(259200), "invitation_client_id": "", "invitation_redirect_uri": ""}, nil
		})
}

// invite has Keycloak e-mail the invitation and records when.
func (m *ssoUserModel) invite(ctx context.Context, kc *keycloak.Client, actions []string) error {
	err := kc.SendInvitation(ctx, m.Realm.ValueString(), m.ID.ValueString(), keycloak.Invitation{Actions: actions,
		Lifespan:    time.Duration(m.InvitationLifespan.ValueInt64()) * time.Second,
		ClientID:    m.InvitationClientID.ValueString(),
		RedirectURI: m.InvitationRedirect.ValueString()})
	if err != nil {
		return failed(fmt.Sprintf("Unable to send the invitation to %s (the realm needs smtp_host and smtp_from)", m.label()), err)
	}
	m.InvitedAt = types.StringValue(time.Now().UTC().Format(time.RFC3339))
	return nil
}

// refresh reads the user m names into m.
func (m *ssoUserModel) refresh(ctx context.Context, kc *keycloak.Client, diags *diag.Diagnostics) error {
	got, err := kc.GetUser(ctx, m.Realm.ValueString(), m.ID.ValueString())
	if err != nil {
		return err
	}
	m.ID, m.Username = types.StringValue(got.ID), types.StringValue(got.Username)
	m.Email, m.FirstName, m.LastName = types.StringValue(got.Email), types.StringValue(got.FirstName), types.StringValue(got.LastName)
	m.Enabled, m.EmailVerified = types.BoolValue(got.Enabled), types.BoolValue(got.EmailVerified)
	var d diag.Diagnostics
	m.RequiredActions, d = ssoStringSet(ctx, got.RequiredActions)
	diags.Append(d...)
	if m.InvitedAt.IsUnknown() {
		m.InvitedAt = types.StringNull()
	}
	return nil
}

func (m ssoUserModel) toUser(ctx context.Context, diags *diag.Diagnostics) keycloak.User {
	return keycloak.User{ID: m.ID.ValueString(), Username: m.Username.ValueString(), Email: m.Email.ValueString(),
		FirstName: m.FirstName.ValueString(), LastName: m.LastName.ValueString(), Enabled: m.Enabled.ValueBool(),
		EmailVerified: m.EmailVerified.ValueBool(), RequiredActions: ssoSetStrings(ctx, m.RequiredActions, diags)}
}
