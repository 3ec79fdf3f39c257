package provider

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/tenantops/tenantops/internal/vcd"
)

var (
	_ resource.ResourceWithImportState    = &TenantSSOResource{}
	_ resource.ResourceWithValidateConfig = &TenantSSOResource{}
	_ resource.ResourceWithModifyPlan     = &TenantSSOResource{}
)

// NewTenantSSOResource is the constructor the provider registers.
func NewTenantSSOResource() resource.Resource {
	return &TenantSSOResource{newCRUD[tenantSSOModel](vcdBackend, "tenant_sso", 5*time.Minute, writeOps)}
}

// TenantSSOResource manages an organization's OpenID Connect settings, so
// the tenant portal logs in through the tenant's SSO realm.
type TenantSSOResource struct {
	crudResource[tenantSSOModel, *tenantSSOModel, *vcd.Client]
}

type tenantSSOModel struct {
	ID                    types.String `tfsdk:"id"`
	Org                   types.String `tfsdk:"org"`
	Enabled               types.Bool   `tfsdk:"enabled"`
	ClientID              types.String `tfsdk:"client_id"`
	ClientSecret          types.String `tfsdk:"client_secret"`
	ClientSecretWO        types.String `tfsdk:"client_secret_wo"`
	ClientSecretWOVersion types.Int64  `tfsdk:"client_secret_wo_version"`
	WellKnownEndpoint     types.String `tfsdk:"well_known_endpoint"`
	Issuer                types.String `tfsdk:"issuer"`
	AuthorizationEndpoint types.String `tfsdk:"authorization_endpoint"`
	TokenEndpoint         types.String `tfsdk:"token_endpoint"`
	UserInfoEndpoint      types.String `tfsdk:"userinfo_endpoint"`
	JWKSURI               types.String `tfsdk:"jwks_uri"`
	Scopes                types.List   `tfsdk:"scopes"`
	ClaimSubject          types.String `tfsdk:"claim_subject"`
	ClaimEmail            types.String `tfsdk:"claim_email"`
	ClaimFullName         types.String `tfsdk:"claim_full_name"`
	ClaimFirstName        types.String `tfsdk:"claim_first_name"`
	ClaimLastName         types.String `tfsdk:"claim_last_name"`
	ClaimGroups           types.String `tfsdk:"claim_groups"`
	ClaimRoles            types.String `tfsdk:"claim_roles"`
	MaxClockSkewSeconds   types.Int64  `tfsdk:"max_clock_skew_seconds"`
	Keys                  types.List   `tfsdk:"keys"`
	timeoutsModel
}

func (m *tenantSSOModel) label() string {
	return fmt.Sprintf("SSO settings of tenant %q", m.Org.ValueString())
}

func (m *tenantSSOModel) secrets() []secretArg { return []secretArg{m.clientSecret()} }

// clientSecret goes with every write: Cloud Director's OpenID Connect
// settings take no update without it.
func (m *tenantSSOModel) clientSecret() secretArg {
	return secretArg{"client_secret", onEveryWrite, &m.ClientSecret, &m.ClientSecretWO, &m.ClientSecretWOVersion}
}

var ssoKeyType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"key_id": types.StringType, "algorithm": types.StringType, "pem": types.StringType,
}}

type ssoKeyModel struct {
	KeyID     types.String `tfsdk:"key_id"`
	Algorithm types.String `tfsdk:"algorithm"`
	PEM       types.String `tfsdk:"pem"`
}

var ssoURLRE = regexp.MustCompile(`^https?://[^\s/]+`)

// ssoDerived are the attributes Cloud Director fills from the well-known
// endpoint when they are not configured.
var ssoDerived = []string{"issuer", "authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri", "scopes",
	"claim_subject", "claim_email", "claim_full_name", "claim_first_name", "claim_last_name", "claim_groups", "claim_roles", "keys"}

func (r *TenantSSOResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	// derivedStr keeps what Cloud Director derived until ModifyPlan says
	// it will derive it anew.
	derivedStr := func(desc string) schema.StringAttribute {
		a := derivedString(desc)
		a.PlanModifiers = []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
		return a
	}
	attrs := map[string]schema.Attribute{
		// required
		"org":       replacingString("Name of the tenant's organization. Changing it moves the settings (replace)."),
		"client_id": requiredString("OIDC client ID Cloud Director uses at the identity provider.", nonEmpty),
		// optional
		"enabled": defaultBool("Whether the tenant portal offers OpenID Connect login. Default `true`.", true),
		"well_known_endpoint": optionalString("OpenID discovery document URL, e.g. `https://sso.example.com/realms/acme/.well-known/openid-configuration`.",
			stringvalidator.RegexMatches(ssoURLRE, "must be an http(s) URL")),
		"issuer":                 derivedStr("Issuer ID of the identity provider."),
		"authorization_endpoint": derivedStr("User authorization endpoint."),
		"token_endpoint":         derivedStr("Access token endpoint."),
		"userinfo_endpoint":      derivedStr("User info endpoint."),
		"jwks_uri":               derivedStr("Endpoint serving the identity provider's signing keys."),
		"scopes": schema.ListAttribute{ElementType: types.StringType, Optional: true, Computed: true,
			MarkdownDescription: "Scopes Cloud Director asks for, e.g. `[\"openid\", \"profile\", \"email\"]`.",
			PlanModifiers:       []planmodifier.List{listplanmodifier.UseStateForUnknown()}},
		"claim_subject":    derivedStr("Claim holding the user name (e.g. `sub` or `preferred_username`)."),
		"claim_email":      derivedStr("Claim holding the e-mail address."),
		"claim_full_name":  derivedStr("Claim holding the full name."),
		"claim_first_name": derivedStr("Claim holding the first name."),
		"claim_last_name":  derivedStr("Claim holding the last name."),
		"claim_groups":     derivedStr("Claim holding the user's groups."),
		"claim_roles":      derivedStr("Claim holding the user's roles."),
		"max_clock_skew_seconds": defaultInt("Allowed clock difference when validating tokens, in seconds. Default 60.",
			60, int64validator.Between(0, 3600)),
		"keys": schema.ListNestedAttribute{Optional: true, Computed: true,
			MarkdownDescription: "Keys tokens are validated with (read from `jwks_uri` when a well-known endpoint is given).",
			PlanModifiers:       []planmodifier.List{listplanmodifier.UseStateForUnknown()},
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"key_id":    requiredString("Key ID (`kid`)."),
				"algorithm": requiredString("`RSA` or `EC`.", stringvalidator.OneOf("RSA", "EC")),
				"pem":       requiredString("PEM-encoded public key."),
			}}},
		// computed
		"id": stableString("ID of the organization the settings belong to."),
	}
	secretAttributes(attrs, "client_secret", true, "OIDC client secret.",
		"Cloud Director never returns it: the configured value is what tenantops keeps, and writes with every update.",
		"Cloud Director takes no change of the settings without the secret, so the configured value is sent with "+
			"every write: on create, whenever `client_secret_wo_version` changes and with any other change. Change "+
			"the version to send a new secret on its own.",
		nonEmpty)
	resp.Schema = schema.Schema{
		MarkdownDescription: "The OpenID Connect settings of a tenant's Cloud Director organization, pointing the tenant " +
			"portal at the tenant's SSO realm (e.g. `tenantops_sso_realm.<name>.issuer`). Give `well_known_endpoint` and " +
			"Cloud Director reads endpoints, scopes, claims and keys from the discovery document; anything set explicitly " +
			"wins. Deleting the resource removes the settings. Import by organization name (`acme`) or organization ID; " +
			"the client secret cannot be read back and must be set in the configuration (`client_secret`, or " +
			"`client_secret_wo` on Terraform / OpenTofu 1.11+).",
		Attributes: attrs,
		Blocks:     r.timeoutsBlock(ctx),
	}
}

func (r *TenantSSOResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m tenantSSOModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || !m.WellKnownEndpoint.IsNull() {
		return
	}
	required := map[string]types.String{"authorization_endpoint": m.AuthorizationEndpoint, "token_endpoint": m.TokenEndpoint,
		"userinfo_endpoint": m.UserInfoEndpoint, "claim_subject": m.ClaimSubject, "claim_email": m.ClaimEmail,
		"claim_full_name": m.ClaimFullName, "claim_first_name": m.ClaimFirstName, "claim_last_name": m.ClaimLastName}
	for _, name := range []string{"authorization_endpoint", "token_endpoint", "userinfo_endpoint", "claim_subject", "claim_email",
		"claim_full_name", "claim_first_name", "claim_last_name"} {
		if required[name].IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root(name), "Missing OpenID Connect setting",
				fmt.Sprintf("Without well_known_endpoint, %s must be set.", name))
		}
	}
	if m.Keys.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("keys"), "Missing OpenID Connect setting",
			"Without well_known_endpoint, at least one key must be set.")
	}
}

// ModifyPlan marks the values Cloud Director derives from the well-known
// endpoint unknown when that endpoint changes, so the plan does not promise
// the old ones.
func (r *TenantSSOResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var plan, state, config tenantSSOModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() || plan.WellKnownEndpoint.Equal(state.WellKnownEndpoint) {
		return
	}
	for _, name := range ssoDerived {
		var v attr.Value
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root(name), &v)...)
		if v != nil && !v.IsNull() {
			continue
		}
		var unknown attr.Value = types.StringUnknown()
		switch name {
		case "scopes":
			unknown = types.ListUnknown(types.StringType)
		case "keys":
			unknown = types.ListUnknown(ssoKeyType)
		}
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root(name), unknown)...)
	}
}

func (m *tenantSSOModel) create(ctx context.Context, c *vcd.Client, resp *resource.CreateResponse) error {
	org := m.Org.ValueString()
	o, err := c.GetOrgByName(ctx, org)
	if err == nil {
		m.ID = types.StringValue(o.ID)
		err = m.set(ctx, c, &resp.Diagnostics)
	}
	if err != nil {
		return failed(fmt.Sprintf("Unable to configure SSO of tenant %q", org), err)
	}
	return nil
}

func (m *tenantSSOModel) read(ctx context.Context, c *vcd.Client, diags *diag.Diagnostics) error {
	got, err := c.GetOIDC(ctx, m.ID.ValueString())
	if err == nil {
		diags.Append(m.fromOIDC(ctx, got)...)
	}
	return err
}

func (m *tenantSSOModel) update(ctx context.Context, c *vcd.Client, prior *tenantSSOModel, diags *diag.Diagnostics) error {
	m.ID = prior.ID
	return m.set(ctx, c, diags)
}

func (m *tenantSSOModel) delete(ctx context.Context, c *vcd.Client) error {
	return c.DeleteOIDC(ctx, m.ID.ValueString())
}

func (r *TenantSSOResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importResource(ctx, &r.resourceBase, req, resp, fmt.Sprintf("Unable to import SSO settings of tenant %q", req.ID),
		"Import by organization name (e.g. `acme`) or organization ID.",
		func(ctx context.Context, c *vcd.Client, key string) (stateAttrs, error) {
			o, err := orgByKey(ctx, c, key)
			if err != nil {
				return nil, err
			}
			return stateAttrs{"id": o.ID, "org": o.Name}, nil
		})
}

// set writes the settings of m to the organization m.ID and refreshes m
// from what Cloud Director made of them.
func (m *tenantSSOModel) set(ctx context.Context, c *vcd.Client, diags *diag.Diagnostics) error {
	got, err := c.SetOIDC(ctx, m.ID.ValueString(), m.toOIDC(ctx))
	if err == nil {
		diags.Append(m.fromOIDC(ctx, got)...)
	}
	return err
}

func (m *tenantSSOModel) toOIDC(ctx context.Context) vcd.OIDC {
	s := func(v types.String) string { return v.ValueString() } // unknown and null read as ""
	out := vcd.OIDC{
		Enabled: m.Enabled.ValueBool(), ClientID: s(m.ClientID), ClientSecret: m.clientSecret().value(),
		WellKnownEndpoint: s(m.WellKnownEndpoint), IssuerID: s(m.Issuer), AuthorizationEndpoint: s(m.AuthorizationEndpoint),
		TokenEndpoint: s(m.TokenEndpoint), UserInfoEndpoint: s(m.UserInfoEndpoint), JWKSURI: s(m.JWKSURI),
		MaxClockSkewSeconds: int(m.MaxClockSkewSeconds.ValueInt64()),
		Claims: vcd.OIDCClaims{Subject: s(m.ClaimSubject), Email: s(m.ClaimEmail), FullName: s(m.ClaimFullName),
			FirstName: s(m.ClaimFirstName), LastName: s(m.ClaimLastName), Groups: s(m.ClaimGroups), Roles: s(m.ClaimRoles)},
	}
	if !m.Scopes.IsUnknown() && !m.Scopes.IsNull() {
		m.Scopes.ElementsAs(ctx, &out.Scopes, false)
	}
	if !m.Keys.IsUnknown() && !m.Keys.IsNull() {
		var keys []ssoKeyModel
		m.Keys.ElementsAs(ctx, &keys, false)
		for _, k := range keys {
			out.Keys = append(out.Keys, vcd.OIDCKey{ID: k.KeyID.ValueString(), Algorithm: k.Algorithm.ValueString(), PEM: k.PEM.ValueString()})
		}
	}
	return out
}

// fromOIDC copies what Cloud Director returned. The client secret stays as
// configured: the API never returns it, and comparing with a masked value
// would hide a changed secret.
func (m *tenantSSOModel) fromOIDC(ctx context.Context, o *vcd.OIDC) (diags diag.Diagnostics) {
	m.Enabled, m.ClientID = types.BoolValue(o.Enabled), types.StringValue(o.ClientID)
	m.Issuer, m.AuthorizationEndpoint = types.StringValue(o.IssuerID), types.StringValue(o.AuthorizationEndpoint)
	m.TokenEndpoint, m.UserInfoEndpoint, m.JWKSURI = types.StringValue(o.TokenEndpoint), types.StringValue(o.UserInfoEndpoint), types.StringValue(o.JWKSURI)
	m.ClaimSubject, m.ClaimEmail = types.StringValue(o.Claims.Subject), types.StringValue(o.Claims.Email)
	m.ClaimFullName, m.ClaimFirstName = types.StringValue(o.Claims.FullName), types.StringValue(o.Claims.FirstName)
	m.ClaimLastName, m.ClaimGroups, m.ClaimRoles = types.StringValue(o.Claims.LastName), types.StringValue(o.Claims.Groups), types.StringValue(o.Claims.Roles)
	m.MaxClockSkewSeconds = types.Int64Value(int64(o.MaxClockSkewSeconds))
	if o.WellKnownEndpoint != "" {
		m.WellKnownEndpoint = types.StringValue(o.WellKnownEndpoint)
	} else if m.WellKnownEndpoint.IsUnknown() {
		m.WellKnownEndpoint = types.StringNull()
	}
	scopes := o.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	var d basetypes.ListValue
	d, diags = types.ListValueFrom(ctx, types.StringType, scopes)
	m.Scopes = d
	keys := make([]ssoKeyModel, 0, len(o.Keys))
	for _, k := range o.Keys {
		keys = append(keys, ssoKeyModel{KeyID: types.StringValue(k.ID), Algorithm: types.StringValue(k.Algorithm), PEM: types.StringValue(k.PEM)})
	}
	kl, kd := types.ListValueFrom(ctx, ssoKeyType, keys)
	diags.Append(kd...)
	m.Keys = kl
	return diags
}
