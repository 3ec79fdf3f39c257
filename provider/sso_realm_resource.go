package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/keycloak"
)

var _ resource.ResourceWithImportState = &SSORealmResource{}

// NewSSORealmResource is the constructor the provider registers.
func NewSSORealmResource() resource.Resource { return &SSORealmResource{} }

// SSORealmResource manages one Keycloak realm per tenant.
type SSORealmResource struct{ data *ProviderData }

type ssoRealmModel struct {
	ID                       types.String   `tfsdk:"id"`
	Realm                    types.String   `tfsdk:"realm"`
	RealmID                  types.String   `tfsdk:"realm_id"`
	Issuer                   types.String   `tfsdk:"issuer"`
	DisplayName              types.String   `tfsdk:"display_name"`
	Enabled                  types.Bool     `tfsdk:"enabled"`
	MFA                      types.String   `tfsdk:"mfa"`
	OTPType                  types.String   `tfsdk:"otp_type"`
	OTPAlgorithm             types.String   `tfsdk:"otp_algorithm"`
	OTPDigits                types.Int64    `tfsdk:"otp_digits"`
	OTPPeriod                types.Int64    `tfsdk:"otp_period"`
	WebAuthnRPName           types.String   `tfsdk:"webauthn_rp_name"`
	WebAuthnAttestation      types.String   `tfsdk:"webauthn_attestation"`
	WebAuthnUserVerification types.String   `tfsdk:"webauthn_user_verification"`
	PasswordPolicy           types.String   `tfsdk:"password_policy"`
	SSOSessionIdleTimeout    types.Int64    `tfsdk:"sso_session_idle_timeout"`
	SSOSessionMaxLifespan    types.Int64    `tfsdk:"sso_session_max_lifespan"`
	Timeouts                 timeouts.Value `tfsdk:"timeouts"`
}

func (r *SSORealmResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_sso_realm"
}

func (r *SSORealmResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Keycloak realm for one tenant, with its MFA policy (`mfa`), OTP and WebAuthn policies, " +
			"password policy and SSO session lifetimes. `mfa` drives the realm's browser flow: `otp` makes the " +
			"\"Browser - Conditional OTP\" sub-flow and its OTP Form REQUIRED and registers OTP for every new user " +
			"(`CONFIGURE_TOTP` default action); `webauthn` does the same with the WebAuthn Authenticator and " +
			"`webauthn-register`; `optional` restores Keycloak's default (OTP only for users who set it up). " +
			"Keycloak's built-in `browser` flow takes no new executions and has no WebAuthn Authenticator, so " +
			"`webauthn` binds the realm to a copy of it named `tenantops browser` (kept when the mode changes back). " +
			"Import by realm name.",
		Attributes: map[string]schema.Attribute{
			// required
			"realm": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Realm name (the tenant id). Changing it creates a new realm.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators: []validator.String{stringvalidator.LengthBetween(1, 255),
					stringvalidator.RegexMatches(ssoRealmNameRE, "must contain only letters, digits, '-', '_' and '.'")},
			},
			// optional
			"display_name": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(""),
				MarkdownDescription: "Name shown on the login page."},
			"enabled": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Whether users can log in to the realm. Default `true`."},
			"mfa": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(keycloak.MFAOptional),
				MarkdownDescription: "Second factor policy: `otp`, `webauthn` or `optional` (default).",
				Validators:          []validator.String{stringvalidator.OneOf(keycloak.MFAOTP, keycloak.MFAWebAuthn, keycloak.MFAOptional)}},
			"otp_type": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("totp"),
				MarkdownDescription: "OTP type: `totp` (time based, default) or `hotp` (counter based).",
				Validators:          []validator.String{stringvalidator.OneOf("totp", "hotp")}},
			"otp_algorithm": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("HmacSHA1"),
				MarkdownDescription: "OTP hash algorithm: `HmacSHA1` (default, what most authenticator apps support), `HmacSHA256` or `HmacSHA512`.",
				Validators:          []validator.String{stringvalidator.OneOf("HmacSHA1", "HmacSHA256", "HmacSHA512")}},
			"otp_digits": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(6),
				MarkdownDescription: "Number of OTP digits: 6 (default) or 8.",
				Validators:          []validator.Int64{int64validator.OneOf(6, 8)}},
			"otp_period": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(30),
				MarkdownDescription: "TOTP period in seconds (default 30).",
				Validators:          []validator.Int64{int64validator.Between(15, 300)}},
			"webauthn_rp_name": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("keycloak"),
				MarkdownDescription: "WebAuthn relying party name shown by the security key prompt (default `keycloak`)."},
			"webauthn_attestation": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("not specified"),
				MarkdownDescription: "WebAuthn attestation conveyance preference: `not specified` (default), `none`, `indirect`, `direct` or `enterprise`.",
				Validators:          []validator.String{stringvalidator.OneOf("not specified", "none", "indirect", "direct", "enterprise")}},
			"webauthn_user_verification": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("not specified"),
				MarkdownDescription: "WebAuthn user verification requirement: `not specified` (default), `required`, `preferred` or `discouraged`.",
				Validators:          []validator.String{stringvalidator.OneOf("not specified", "required", "preferred", "discouraged")}},
			"password_policy": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(""),
				MarkdownDescription: "Keycloak password policy string, e.g. `length(12) and notUsername and passwordHistory(5)`. Empty (default) means none."},
			"sso_session_idle_timeout": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(1800),
				MarkdownDescription: "SSO session idle timeout in seconds (default 1800).",
				Validators:          []validator.Int64{int64validator.AtLeast(60)}},
			"sso_session_max_lifespan": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(36000),
				MarkdownDescription: "SSO session maximum lifespan in seconds (default 36000).",
				Validators:          []validator.Int64{int64validator.AtLeast(60)}},
			// computed
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "The realm name.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"realm_id": schema.StringAttribute{Computed: true, MarkdownDescription: "Keycloak's internal realm id.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"issuer": schema.StringAttribute{Computed: true,
				MarkdownDescription: "OpenID Connect issuer URL of the realm (`<keycloak url>/realms/<realm>`); its discovery document is at `<issuer>/.well-known/openid-configuration`.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

func (r *SSORealmResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configureResource(req, resp)
}

func (r *SSORealmResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan ssoRealmModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, kc, ok := open(ctx, r.data, keycloakBackend, "tenantops_sso_realm", plan.Timeouts.Create, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	name := plan.Realm.ValueString()
	want := plan.toRealm()
	if err := kc.CreateRealm(ctx, want); err != nil {
		detail := kcErr(err)
		var kerr *keycloak.Error
		if errors.As(err, &kerr) && kerr.Status == 409 {
			detail += fmt.Sprintf("\n\nThe realm already exists; to manage it, import it: terraform import <address> %s", name)
		}
		resp.Diagnostics.AddError(fmt.Sprintf("Unable to create realm %q", name), detail)
		return
	}
	// The realm exists: record it before anything else can fail.
	plan.ID = types.StringValue(name)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), plan.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("realm"), plan.Realm)...)
	if err := kc.SetMFA(ctx, name, want.MFA); err != nil {
		resp.Diagnostics.Append(keycloakBackend.error(fmt.Sprintf("Unable to set MFA %q on realm %q", want.MFA, name), err))
		return
	}
	got, err := kc.GetRealm(ctx, name)
	if err != nil {
		resp.Diagnostics.Append(keycloakBackend.error(fmt.Sprintf("Unable to read realm %q", name), err))
		return
	}
	plan.fromRealm(got, kc.Issuer(name))
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *SSORealmResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state ssoRealmModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, kc, ok := open(ctx, r.data, keycloakBackend, "tenantops_sso_realm", state.Timeouts.Read, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	name := state.ID.ValueString()
	got, err := kc.GetRealm(ctx, name)
	if keycloak.IsNotFound(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.Append(keycloakBackend.error(fmt.Sprintf("Unable to read realm %q", name), err))
		return
	}
	state.fromRealm(got, kc.Issuer(name))
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *SSORealmResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan ssoRealmModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, kc, ok := open(ctx, r.data, keycloakBackend, "tenantops_sso_realm", plan.Timeouts.Update, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	name := plan.Realm.ValueString()
	if err := kc.UpdateRealm(ctx, plan.toRealm()); err != nil {
		resp.Diagnostics.Append(keycloakBackend.error(fmt.Sprintf("Unable to update realm %q", name), err))
		return
	}
	got, err := kc.GetRealm(ctx, name)
	if err != nil {
		resp.Diagnostics.Append(keycloakBackend.error(fmt.Sprintf("Unable to read realm %q", name), err))
		return
	}
	plan.fromRealm(got, kc.Issuer(name))
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *SSORealmResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state ssoRealmModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, kc, ok := open(ctx, r.data, keycloakBackend, "tenantops_sso_realm", state.Timeouts.Delete, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	if err := kc.DeleteRealm(ctx, state.ID.ValueString()); err != nil {
		resp.Diagnostics.Append(keycloakBackend.error(fmt.Sprintf("Unable to delete realm %q", state.ID.ValueString()), err))
	}
}

func (r *SSORealmResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("realm"), req.ID)...)
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
}
