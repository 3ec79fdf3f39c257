package provider

import (
	"context"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/keycloak"
)

var (
	_ resource.ResourceWithImportState = &SSOOIDCIdentityProviderResource{}
	_ resource.ResourceWithModifyPlan  = &SSOOIDCIdentityProviderResource{}
)

// NewSSOOIDCIdentityProviderResource is the constructor the provider registers.
func NewSSOOIDCIdentityProviderResource() resource.Resource {
	return &SSOOIDCIdentityProviderResource{newIdPResource[ssoOIDCModel]("sso_oidc_identity_provider", "OIDC")}
}

// SSOOIDCIdentityProviderResource brokers a customer's OpenID Connect
// identity provider into a realm.
type SSOOIDCIdentityProviderResource struct {
	ssoIdPResource[ssoOIDCModel, *ssoOIDCModel]
}

type ssoOIDCModel struct {
	ssoIdPModel
	AuthorizationURL  types.String `tfsdk:"authorization_url"`
	TokenURL          types.String `tfsdk:"token_url"`
	UserInfoURL       types.String `tfsdk:"userinfo_url"`
	JWKSURL           types.String `tfsdk:"jwks_url"`
	Issuer            types.String `tfsdk:"issuer"`
	LogoutURL         types.String `tfsdk:"logout_url"`
	ClientID          types.String `tfsdk:"client_id"`
	ClientSecret      types.String `tfsdk:"client_secret"`
	ClientSecretWO    types.String `tfsdk:"client_secret_wo"`
	ClientSecretWOVer types.Int64  `tfsdk:"client_secret_wo_version"`
	ClientAuthMethod  types.String `tfsdk:"client_auth_method"`
	DefaultScopes     types.String `tfsdk:"default_scopes"`
	PKCEEnabled       types.Bool   `tfsdk:"pkce_enabled"`
	PKCEMethod        types.String `tfsdk:"pkce_method"`
	ValidateSignature types.Bool   `tfsdk:"validate_signature"`
}

func (m *ssoOIDCModel) label() string        { return m.describe("OIDC") }
func (m *ssoOIDCModel) common() *ssoIdPModel { return &m.ssoIdPModel }

func (m *ssoOIDCModel) secrets() []secretArg { return []secretArg{m.clientSecret()} }

func (m *ssoOIDCModel) clientSecret() secretArg {
	return secretArg{"client_secret", onVersionChange, &m.ClientSecret, &m.ClientSecretWO, &m.ClientSecretWOVer}
}

func (r *SSOOIDCIdentityProviderResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := ssoIdPCommonAttributes()
	url := stringvalidator.RegexMatches(ssoHTTPURLRE, "must be an absolute http(s) URL")
	optURL := func(desc string) schema.StringAttribute {
		return defaultString(desc, "", stringvalidator.Any(stringvalidator.OneOf(""), url))
	}
	attrs["authorization_url"] = requiredString("The provider's authorization endpoint.", url)
	attrs["token_url"] = requiredString("The provider's token endpoint.", url)
	attrs["userinfo_url"] = optURL("The provider's userinfo endpoint.")
	attrs["jwks_url"] = optURL("The provider's JWKS endpoint; when set, token signatures are checked against it.")
	attrs["logout_url"] = optURL("The provider's end-session endpoint.")
	attrs["issuer"] = defaultString("Expected `iss` of the provider's tokens.", "")
	attrs["client_id"] = requiredString("Client id registered at the provider for this realm.")
	secretAttributes(attrs, "client_secret", true, "Client secret registered at the provider.",
		"Keycloak never returns it (it answers `**********`): the configured value is written on every update, so "+
			"a change shows in the plan.",
		"Written when the provider is created and whenever `client_secret_wo_version` changes (after an import too); "+
			"other updates leave the secret Keycloak holds alone.")
	attrs["client_auth_method"] = defaultString("`client_secret_post` (default), `client_secret_basic` or `client_secret_jwt`.",
		"client_secret_post", stringvalidator.OneOf("client_secret_post", "client_secret_basic", "client_secret_jwt"))
	attrs["default_scopes"] = defaultString("Space-separated scopes requested from the provider. Default `openid profile email`.",
		"openid profile email")
	attrs["pkce_enabled"] = defaultBool("Use PKCE towards the provider. Default `true`.", true)
	attrs["pkce_method"] = defaultString("PKCE method: `S256` (default) or `plain`.", "S256", stringvalidator.OneOf("S256", "plain"))
	attrs["validate_signature"] = derivedBool("Validate the provider's token signatures against `jwks_url`. Default: `true` when `jwks_url` is set.")
	resp.Schema = schema.Schema{
		MarkdownDescription: "The customer's own OpenID Connect identity provider (Entra ID, Okta, ...) brokered into " +
			"a tenant realm. Config keys set elsewhere are kept on update. Import with `<realm>/<alias>`; the client " +
			"secret cannot be read from Keycloak, so the first apply after an import writes the configured secret once " +
			"(with `client_secret_wo`, the import leaves `client_secret_wo_version` unset, and recording it sends the secret).",
		Attributes: attrs,
		Blocks:     r.timeoutsBlock(ctx),
	}
}

// ModifyPlan defaults validate_signature to whether a JWKS URL is known:
// without keys to check against, Keycloak could not validate anything.
func (r *SSOOIDCIdentityProviderResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var cfg ssoOIDCModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || !cfg.ValidateSignature.IsNull() || cfg.JWKSURL.IsUnknown() {
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("validate_signature"), cfg.JWKSURL.ValueString() != "")...)
}

func (m *ssoOIDCModel) toIdP(context.Context, *diag.Diagnostics) keycloak.IdentityProvider {
	p := m.base("oidc")
	p.Config = map[string]string{
		"authorizationUrl":  m.AuthorizationURL.ValueString(),
		"tokenUrl":          m.TokenURL.ValueString(),
		"userInfoUrl":       m.UserInfoURL.ValueString(),
		"jwksUrl":           m.JWKSURL.ValueString(),
		"useJwksUrl":        strconv.FormatBool(m.JWKSURL.ValueString() != ""),
		"issuer":            m.Issuer.ValueString(),
		"logoutUrl":         m.LogoutURL.ValueString(),
		"clientId":          m.ClientID.ValueString(),
		"clientAuthMethod":  m.ClientAuthMethod.ValueString(),
		"defaultScope":      m.DefaultScopes.ValueString(),
		"pkceEnabled":       strconv.FormatBool(m.PKCEEnabled.ValueBool()),
		"pkceMethod":        m.PKCEMethod.ValueString(),
		"validateSignature": strconv.FormatBool(m.ValidateSignature.ValueBool()),
	}
	// Left out, the secret stays as Keycloak holds it (see UpdateIdentityProvider).
	if secret := m.clientSecret().value(); secret != "" {
		p.Config["clientSecret"] = secret
	}
	return p
}

// fromIdP refreshes the model; client_secret is left as it is (configured
// or previously stored), since Keycloak only ever returns the mask, and so
// is client_secret_wo_version.
func (m *ssoOIDCModel) fromIdP(_ context.Context, realm string, p *keycloak.IdentityProvider) diag.Diagnostics {
	c := p.Config
	m.setBase(realm, p)
	m.AuthorizationURL = types.StringValue(c["authorizationUrl"])
	m.TokenURL = types.StringValue(c["tokenUrl"])
	m.UserInfoURL = types.StringValue(c["userInfoUrl"])
	m.JWKSURL = types.StringValue(c["jwksUrl"])
	m.Issuer = types.StringValue(c["issuer"])
	m.LogoutURL = types.StringValue(c["logoutUrl"])
	m.ClientID = types.StringValue(c["clientId"])
	m.ClientAuthMethod = types.StringValue(c["clientAuthMethod"])
	m.DefaultScopes = types.StringValue(c["defaultScope"])
	m.PKCEEnabled = types.BoolValue(c["pkceEnabled"] == "true")
	m.PKCEMethod = types.StringValue(c["pkceMethod"])
	m.ValidateSignature = types.BoolValue(c["validateSignature"] == "true")
	return nil
}
