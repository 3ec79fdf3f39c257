package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/keycloak"
)

var _ resource.ResourceWithImportState = &SSORealmResource{}

// NewSSORealmResource is the constructor the provider registers.
func NewSSORealmResource() resource.Resource {
	return &SSORealmResource{newCRUD[ssoRealmModel](keycloakBackend, "sso_realm", identityTimeout, allOps)}
}

// SSORealmResource manages one Keycloak realm per tenant.
type SSORealmResource struct {
	crudResource[ssoRealmModel, *ssoRealmModel, *keycloak.Client]
}

type ssoRealmModel struct {
	ID                       types.String `tfsdk:"id"`
	Realm                    types.String `tfsdk:"realm"`
	RealmID                  types.String `tfsdk:"realm_id"`
	Issuer                   types.String `tfsdk:"issuer"`
	DisplayName              types.String `tfsdk:"display_name"`
	Enabled                  types.Bool   `tfsdk:"enabled"`
	MFA                      types.String `tfsdk:"mfa"`
	OTPType                  types.String `tfsdk:"otp_type"`
	OTPAlgorithm             types.String `tfsdk:"otp_algorithm"`
	OTPDigits                types.Int64  `tfsdk:"otp_digits"`
	OTPPeriod                types.Int64  `tfsdk:"otp_period"`
	WebAuthnRPName           types.String `tfsdk:"webauthn_rp_name"`
	WebAuthnAttestation      types.String `tfsdk:"webauthn_attestation"`
	WebAuthnUserVerification types.String `tfsdk:"webauthn_user_verification"`
	PasswordPolicy           types.String `tfsdk:"password_policy"`
	SSOSessionIdleTimeout    types.Int64  `tfsdk:"sso_session_idle_timeout"`
	SSOSessionMaxLifespan    types.Int64  `tfsdk:"sso_session_max_lifespan"`
	SMTPHost                 types.String `tfsdk:"smtp_host"`
	SMTPPort                 types.String `tfsdk:"smtp_port"`
	SMTPFrom                 types.String `tfsdk:"smtp_from"`
	SMTPFromDisplayName      types.String `tfsdk:"smtp_from_display_name"`
	SMTPStartTLS             types.Bool   `tfsdk:"smtp_starttls"`
	SMTPSSL                  types.Bool   `tfsdk:"smtp_ssl"`
	SMTPUser                 types.String `tfsdk:"smtp_user"`
	SMTPPassword             types.String `tfsdk:"smtp_password"`
	SMTPPasswordWO           types.String `tfsdk:"smtp_password_wo"`
	SMTPPasswordWOVersion    types.Int64  `tfsdk:"smtp_password_wo_version"`
	timeoutsModel
}

func (m *ssoRealmModel) label() string { return fmt.Sprintf("realm %q", m.Realm.ValueString()) }

func (m *ssoRealmModel) secrets() []secretArg { return []secretArg{m.smtpPassword()} }

func (m *ssoRealmModel) smtpPassword() secretArg {
	return secretArg{"smtp_password", onVersionChange, &m.SMTPPassword, &m.SMTPPasswordWO, &m.SMTPPasswordWOVersion}
}

func (r *SSORealmResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		// required
		"realm": replacingString("Realm name (the tenant id). Changing it creates a new realm.",
			stringvalidator.LengthBetween(1, 255),
			stringvalidator.RegexMatches(ssoRealmNameRE, "must contain only letters, digits, '-', '_' and '.'")),
		// optional
		"display_name": defaultString("Name shown on the login page.", ""),
		"enabled":      defaultBool("Whether users can log in to the realm. Default `true`.", true),
		"mfa": defaultString("Second factor policy: `otp`, `webauthn` or `optional` (default).", keycloak.MFAOptional,
			stringvalidator.OneOf(keycloak.MFAOTP, keycloak.MFAWebAuthn, keycloak.MFAOptional)),
		"otp_type": defaultString("OTP type: `totp` (time based, default) or `hotp` (counter based).", "totp",
			stringvalidator.OneOf("totp", "hotp")),
		"otp_algorithm": defaultString("OTP hash algorithm: `HmacSHA1` (default, what most authenticator apps support), `HmacSHA256` or `HmacSHA512`.",
			"HmacSHA1", stringvalidator.OneOf("HmacSHA1", "HmacSHA256", "HmacSHA512")),
		"otp_digits":       defaultInt("Number of OTP digits: 6 (default) or 8.", 6, int64validator.OneOf(6, 8)),
		"otp_period":       defaultInt("TOTP period in seconds (default 30).", 30, int64validator.Between(15, 300)),
		"webauthn_rp_name": defaultString("WebAuthn relying party name shown by the security key prompt (default `keycloak`).", "keycloak"),
		"webauthn_attestation": defaultString("WebAuthn attestation conveyance preference: `not specified` (default), `none`, `indirect`, `direct` or `enterprise`.",
			"not specified", stringvalidator.OneOf("not specified", "none", "indirect", "direct", "enterprise")),
		"webauthn_user_verification": defaultString("WebAuthn user verification requirement: `not specified` (default), `required`, `preferred` or `discouraged`.",
			"not specified", stringvalidator.OneOf("not specified", "required", "preferred", "discouraged")),
		"password_policy":          defaultString("Keycloak password policy string, e.g. `length(12) and notUsername and passwordHistory(5)`. Empty (default) means none.", ""),
		"sso_session_idle_timeout": defaultInt("SSO session idle timeout in seconds (default 1800).", 1800, int64validator.AtLeast(60)),
		"sso_session_max_lifespan": defaultInt("SSO session maximum lifespan in seconds (default 36000).", 36000, int64validator.AtLeast(60)),
		"smtp_host": defaultString("Mail server the realm sends its e-mails through (invitations of `tenantops_sso_user`, "+
			"password resets). Empty (default): none, and Keycloak cannot send e-mail.", ""),
		"smtp_port":              defaultString("Mail server port, e.g. `587`; empty (default) is the protocol's.", "", stringvalidator.RegexMatches(smtpPortRE, "must be a port number")),
		"smtp_from":              defaultString("Sender address of the realm's e-mails; needed with `smtp_host`.", ""),
		"smtp_from_display_name": defaultString("Sender name shown with `smtp_from`.", ""),
		"smtp_starttls":          defaultBool("Upgrade the connection with STARTTLS. Default `false`.", false),
		"smtp_ssl":               defaultBool("Connect with TLS from the start (SMTPS). Default `false`.", false),
		"smtp_user":              defaultString("User to authenticate to the mail server as; empty (default): no authentication.", ""),
		// computed
		"id":       stableString("The realm name."),
		"realm_id": stableString("Keycloak's internal realm id."),
		"issuer":   stableString("OpenID Connect issuer URL of the realm (`<keycloak url>/realms/<realm>`); its discovery document is at `<issuer>/.well-known/openid-configuration`."),
	}
	secretAttributes(attrs, "smtp_password", false, "Password of `smtp_user`.",
		"Keycloak never returns it: the configured value is written on every update, and a change made outside "+
			"Terraform is not seen.",
		"Written when the realm is created and whenever `smtp_password_wo_version` changes (after an import too); "+
			"other updates leave the password Keycloak holds alone.")
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Keycloak realm for one tenant, with its MFA policy (`mfa`), OTP and WebAuthn policies, " +
			"password policy and SSO session lifetimes. `mfa` drives the realm's browser flow: `otp` makes the " +
			"\"Browser - Conditional OTP\" sub-flow and its OTP Form REQUIRED and registers OTP for every new user " +
			"(`CONFIGURE_TOTP` default action); `webauthn` does the same with the WebAuthn Authenticator and " +
			"`webauthn-register`; `optional` restores Keycloak's default (OTP only for users who set it up). " +
			"Keycloak's built-in `browser` flow takes no new executions and has no WebAuthn Authenticator, so " +
			"`webauthn` binds the realm to a copy of it named `tenantops browser` (kept when the mode changes back). " +
			"Import by realm name.",
		Attributes: attrs,
		Blocks:     r.timeoutsBlock(ctx),
	}
}

func (m *ssoRealmModel) create(ctx context.Context, kc *keycloak.Client, resp *resource.CreateResponse) error {
	name := m.Realm.ValueString()
	want := m.toRealm()
	if err := kc.CreateRealm(ctx, want); err != nil {
		if classify(err) == errConflict {
			err = withHint(err, "The realm already exists; to manage it, import it: terraform import <address> "+name)
		}
		return err
	}
	// The realm exists: record it before anything else can fail.
	m.ID = types.StringValue(name)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), m.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("realm"), m.Realm)...)
	if err := kc.SetMFA(ctx, name, want.MFA); err != nil {
		return failed(fmt.Sprintf("Unable to set MFA %q on realm %q", want.MFA, name), err)
	}
	return m.refresh(ctx, kc)
}

func (m *ssoRealmModel) read(ctx context.Context, kc *keycloak.Client, _ *diag.Diagnostics) error {
	return m.refresh(ctx, kc)
}

func (m *ssoRealmModel) update(ctx context.Context, kc *keycloak.Client, _ *ssoRealmModel, _ *diag.Diagnostics) error {
	if err := kc.UpdateRealm(ctx, m.toRealm()); err != nil {
		return err
	}
	return m.refresh(ctx, kc)
}

func (m *ssoRealmModel) delete(ctx context.Context, kc *keycloak.Client) error {
	return kc.DeleteRealm(ctx, m.ID.ValueString())
}

func (r *SSORealmResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	setAttrs(ctx, &resp.State, &resp.Diagnostics, stateAttrs{"id": req.ID, "realm": req.ID})
}

// refresh reads the realm m names (by its id, the realm name) into m.
func (m *ssoRealmModel) refresh(ctx context.Context, kc *keycloak.Client) error {
	name := m.ID.ValueString()
	got, err := kc.GetRealm(ctx, name)
	if err != nil {
		return failed(fmt.Sprintf("Unable to read realm %q", name), err)
	}
	m.fromRealm(got, kc.Issuer(name))
	return nil
}

func (m ssoRealmModel) toRealm() keycloak.Realm {
	return keycloak.Realm{
		Name:                     m.Realm.ValueString(),
		DisplayName:              m.DisplayName.ValueString(),
		Enabled:                  m.Enabled.ValueBool(),
		MFA:                      m.MFA.ValueString(),
		OTPType:                  m.OTPType.ValueString(),
		OTPAlgorithm:             m.OTPAlgorithm.ValueString(),
		OTPDigits:                int(m.OTPDigits.ValueInt64()),
		OTPPeriod:                int(m.OTPPeriod.ValueInt64()),
		WebAuthnRPName:           m.WebAuthnRPName.ValueString(),
		WebAuthnAttestation:      m.WebAuthnAttestation.ValueString(),
		WebAuthnUserVerification: m.WebAuthnUserVerification.ValueString(),
		PasswordPolicy:           m.PasswordPolicy.ValueString(),
		SSOSessionIdleTimeout:    int(m.SSOSessionIdleTimeout.ValueInt64()),
		SSOSessionMaxLifespan:    int(m.SSOSessionMaxLifespan.ValueInt64()),
		SMTP: keycloak.SMTP{Host: m.SMTPHost.ValueString(), Port: m.SMTPPort.ValueString(), From: m.SMTPFrom.ValueString(),
			FromDisplayName: m.SMTPFromDisplayName.ValueString(), StartTLS: m.SMTPStartTLS.ValueBool(), SSL: m.SMTPSSL.ValueBool(),
			User: m.SMTPUser.ValueString(), Password: m.smtpPassword().value()},
	}
}

func (m *ssoRealmModel) fromRealm(r *keycloak.Realm, issuer string) {
	m.ID = types.StringValue(r.Name)
	m.Realm = types.StringValue(r.Name)
	m.RealmID = types.StringValue(r.ID)
	m.Issuer = types.StringValue(issuer)
	m.DisplayName = types.StringValue(r.DisplayName)
	m.Enabled = types.BoolValue(r.Enabled)
	m.MFA = types.StringValue(r.MFA)
	m.OTPType = types.StringValue(r.OTPType)
	m.OTPAlgorithm = types.StringValue(r.OTPAlgorithm)
	m.OTPDigits = types.Int64Value(int64(r.OTPDigits))
	m.OTPPeriod = types.Int64Value(int64(r.OTPPeriod))
	m.WebAuthnRPName = types.StringValue(r.WebAuthnRPName)
	m.WebAuthnAttestation = types.StringValue(r.WebAuthnAttestation)
	m.WebAuthnUserVerification = types.StringValue(r.WebAuthnUserVerification)
	m.PasswordPolicy = types.StringValue(r.PasswordPolicy)
	m.SSOSessionIdleTimeout = types.Int64Value(int64(r.SSOSessionIdleTimeout))
	m.SSOSessionMaxLifespan = types.Int64Value(int64(r.SSOSessionMaxLifespan))
	m.SMTPHost, m.SMTPPort = types.StringValue(r.SMTP.Host), types.StringValue(r.SMTP.Port)
	m.SMTPFrom, m.SMTPFromDisplayName = types.StringValue(r.SMTP.From), types.StringValue(r.SMTP.FromDisplayName)
	m.SMTPStartTLS, m.SMTPSSL = types.BoolValue(r.SMTP.StartTLS), types.BoolValue(r.SMTP.SSL)
	m.SMTPUser = types.StringValue(r.SMTP.User)
	// smtp_password: Keycloak answers it masked; the configured value (or
	// the write-only one's version) stays.
}
