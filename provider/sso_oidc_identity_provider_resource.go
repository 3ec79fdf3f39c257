package provider

import (
	"context"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/keycloak"
)

var (
	_ resource.ResourceWithImportState = &SSOOIDCIdentityProviderResource{}
	_ resource.ResourceWithModifyPlan  = &SSOOIDCIdentityProviderResource{}
)

// NewSSOOIDCIdentityProviderResource is the constructor the provider registers.
func NewSSOOIDCIdentityProviderResource() resource.Resource {
	return &SSOOIDCIdentityProviderResource{}
}

// SSOOIDCIdentityProviderResource brokers a customer's OpenID Connect
// identity provider into a realm.
type SSOOIDCIdentityProviderResource struct{ ops ssoIdP }

type ssoOIDCModel struct {
	ssoIdPModel
	AuthorizationURL  types.String   `tfsdk:"authorization_url"`
	TokenURL          types.String   `tfsdk:"token_url"`
	UserInfoURL       types.String   `tfsdk:"userinfo_url"`
	JWKSURL           types.String   `tfsdk:"jwks_url"`
	Issuer            types.String   `tfsdk:"issuer"`
	LogoutURL         types.String   `tfsdk:"logout_url"`
	ClientID          types.String   `tfsdk:"client_id"`
	ClientSecret      types.String   `tfsdk:"client_secret"`
	ClientAuthMethod  types.String   `tfsdk:"client_auth_method"`
	DefaultScopes     types.String   `tfsdk:"default_scopes"`
	PKCEEnabled       types.Bool     `tfsdk:"pkce_enabled"`
	PKCEMethod        types.String   `tfsdk:"pkce_method"`
	ValidateSignature types.Bool     `tfsdk:"validate_signature"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
}

func (r *SSOOIDCIdentityProviderResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_sso_oidc_identity_provider"
}

// ssoIdPCommonAttributes are the attributes both identity provider
// resources share.
func ssoIdPCommonAttributes() map[string]schema.Attribute {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	return map[string]schema.Attribute{
		"realm": schema.StringAttribute{Required: true, PlanModifiers: replace, MarkdownDescription: "Realm the provider is brokered into."},
		"alias": schema.StringAttribute{Required: true, PlanModifiers: replace,
			MarkdownDescription: "Alias of the provider, unique in the realm; part of the broker redirect URI (`<issuer>/broker/<alias>/endpoint`).",
			Validators:          []validator.String{stringvalidator.RegexMatches(ssoAliasRE, "must contain only letters, digits, '-', '_' and '.'")}},
		"display_name": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(""),
			MarkdownDescription: "Label of the login button."},
		"enabled": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
			MarkdownDescription: "Whether users can log in through the provider. Default `true`."},
		"trust_email": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
			MarkdownDescription: "Treat e-mail addresses from the provider as verified. Default `false`."},
		"store_token": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
			MarkdownDescription: "Store the provider's tokens after login. Default `false`."},
		"link_only": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
			MarkdownDescription: "Only link existing accounts, never log in or create users. Default `false`."},
		"first_broker_login_flow_alias": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("first broker login"),
			MarkdownDescription: "Flow run on a user's first login through the provider. Default `first broker login`."},
		"id": schema.StringAttribute{Computed: true, MarkdownDescription: "`<realm>/<alias>`.",
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		"internal_id": schema.StringAttribute{Computed: true, MarkdownDescription: "Keycloak's internal id of the provider.",
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
	}
}

func (r *SSOOIDCIdentityProviderResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := ssoIdPCommonAttributes()
	url := []validator.String{stringvalidator.RegexMatches(ssoHTTPURLRE, "must be an absolute http(s) URL")}
	optURL := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(""), MarkdownDescription: desc,
			Validators: []validator.String{stringvalidator.Any(stringvalidator.OneOf(""), url[0])}}
	}
	attrs["authorization_url"] = schema.StringAttribute{Required: true, Validators: url, MarkdownDescription: "The provider's authorization endpoint."}
	attrs["token_url"] = schema.StringAttribute{Required: true, Validators: url, MarkdownDescription: "The provider's token endpoint."}
	attrs["userinfo_url"] = optURL("The provider's userinfo endpoint.")
	attrs["jwks_url"] = optURL("The provider's JWKS endpoint; when set, token signatures are checked against it.")
	attrs["logout_url"] = optURL("The provider's end-session endpoint.")
	attrs["issuer"] = schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(""),
		MarkdownDescription: "Expected `iss` of the provider's tokens."}
	attrs["client_id"] = schema.StringAttribute{Required: true, MarkdownDescription: "Client id registered at the provider for this realm."}
	attrs["client_secret"] = schema.StringAttribute{Required: true, Sensitive: true,
		MarkdownDescription: "Client secret registered at the provider. Keycloak never returns it (it answers `**********`): the configured value is kept in state and written on every update, so a change shows in the plan."}
	attrs["client_auth_method"] = schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("client_secret_post"),
		MarkdownDescription: "`client_secret_post` (default), `client_secret_basic` or `client_secret_jwt`.",
		Validators:          []validator.String{stringvalidator.OneOf("client_secret_post", "client_secret_basic", "client_secret_jwt")}}
	attrs["default_scopes"] = schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("openid profile email"),
		MarkdownDescription: "Space-separated scopes requested from the provider. Default `openid profile email`."}
	attrs["pkce_enabled"] = schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
		MarkdownDescription: "Use PKCE towards the provider. Default `true`."}
	attrs["pkce_method"] = schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("S256"),
		MarkdownDescription: "PKCE method: `S256` (default) or `plain`.", Validators: []validator.String{stringvalidator.OneOf("S256", "plain")}}
	attrs["validate_signature"] = schema.BoolAttribute{Optional: true, Computed: true,
		MarkdownDescription: "Validate the provider's token signatures against `jwks_url`. Default: `true` when `jwks_url` is set."}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The customer's own OpenID Connect identity provider (Entra ID, Okta, ...) brokered into " +
			"a tenant realm. Config keys set elsewhere are kept on update. Import with `<realm>/<alias>`; the client " +
			"secret cannot be read from Keycloak, so the first apply after an import writes the configured secret once.",
		Attributes: attrs,
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

func (r *SSOOIDCIdentityProviderResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.ops = ssoIdP{data: configureResource(req, resp), typeName: "tenantops_sso_oidc_identity_provider", kind: "OIDC"}
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

func (r *SSOOIDCIdentityProviderResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan ssoOIDCModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	got, ok := r.ops.create(ctx, plan.Timeouts.Create, plan.Realm.ValueString(), plan.toIdP(), &resp.State, &resp.Diagnostics)
	if !ok {
		return
	}
	plan.fromIdP(plan.Realm.ValueString(), got)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *SSOOIDCIdentityProviderResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state ssoOIDCModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	got, ok := r.ops.read(ctx, state.Timeouts.Read, state.Realm.ValueString(), state.Alias.ValueString(), &resp.Diagnostics)
	if !ok {
		return
	}
	if got == nil {
		resp.State.RemoveResource(ctx)
		return
	}
	state.fromIdP(state.Realm.ValueString(), got)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *SSOOIDCIdentityProviderResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan ssoOIDCModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	got, ok := r.ops.update(ctx, plan.Timeouts.Update, plan.Realm.ValueString(), plan.toIdP(), nil, &resp.Diagnostics)
	if !ok {
		return
	}
	plan.fromIdP(plan.Realm.ValueString(), got)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *SSOOIDCIdentityProviderResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state ssoOIDCModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.ops.delete(ctx, state.Timeouts.Delete, state.Realm.ValueString(), state.Alias.ValueString(), &resp.Diagnostics)
}

func (r *SSOOIDCIdentityProviderResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	r.ops.importState(ctx, req, resp)
}

func (m ssoOIDCModel) toIdP() keycloak.IdentityProvider {
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
		"clientSecret":      m.ClientSecret.ValueString(),
		"clientAuthMethod":  m.ClientAuthMethod.ValueString(),
		"defaultScope":      m.DefaultScopes.ValueString(),
		"pkceEnabled":       strconv.FormatBool(m.PKCEEnabled.ValueBool()),
		"pkceMethod":        m.PKCEMethod.ValueString(),
		"validateSignature": strconv.FormatBool(m.ValidateSignature.ValueBool()),
	}
	return p
}

// fromIdP refreshes the model; client_secret is left as it is (configured
// or previously stored), since Keycloak only ever returns the mask.
func (m *ssoOIDCModel) fromIdP(realm string, p *keycloak.IdentityProvider) {
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
}
