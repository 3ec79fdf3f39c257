package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/keycloak"
)

var ssoAliasRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// ssoIdPModel holds the attributes both identity provider resources share;
// their models embed it.
type ssoIdPModel struct {
	ID                   types.String `tfsdk:"id"`
	Realm                types.String `tfsdk:"realm"`
	Alias                types.String `tfsdk:"alias"`
	InternalID           types.String `tfsdk:"internal_id"`
	DisplayName          types.String `tfsdk:"display_name"`
	Enabled              types.Bool   `tfsdk:"enabled"`
	TrustEmail           types.Bool   `tfsdk:"trust_email"`
	StoreToken           types.Bool   `tfsdk:"store_token"`
	LinkOnly             types.Bool   `tfsdk:"link_only"`
	FirstBrokerLoginFlow types.String `tfsdk:"first_broker_login_flow_alias"`
	timeoutsModel
}

// describe is the label of a provider of kind ("OIDC", "SAML").
func (m *ssoIdPModel) describe(kind string) string {
	return fmt.Sprintf("%s identity provider %q in realm %q", kind, m.Alias.ValueString(), m.Realm.ValueString())
}

// ssoIdPCommonAttributes are the attributes both identity provider
// resources share.
func ssoIdPCommonAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"realm": replacingString("Realm the provider is brokered into."),
		"alias": replacingString("Alias of the provider, unique in the realm; part of the broker redirect URI (`<issuer>/broker/<alias>/endpoint`).",
			stringvalidator.RegexMatches(ssoAliasRE, "must contain only letters, digits, '-', '_' and '.'")),
		"display_name": defaultString("Label of the login button.", ""),
		"enabled":      defaultBool("Whether users can log in through the provider. Default `true`.", true),
		"trust_email":  defaultBool("Treat e-mail addresses from the provider as verified. Default `false`.", false),
		"store_token":  defaultBool("Store the provider's tokens after login. Default `false`.", false),
		"link_only":    defaultBool("Only link existing accounts, never log in or create users. Default `false`.", false),
		"first_broker_login_flow_alias": defaultString("Flow run on a user's first login through the provider. Default `first broker login`.",
			"first broker login"),
		"id":          stableString("`<realm>/<alias>`."),
		"internal_id": stableString("Keycloak's internal id of the provider."),
	}
}

// base maps the shared attributes; the caller adds the provider's Config.
func (m ssoIdPModel) base(providerID string) keycloak.IdentityProvider {
	return keycloak.IdentityProvider{
		Alias: m.Alias.ValueString(), ProviderID: providerID, DisplayName: m.DisplayName.ValueString(),
		Enabled: m.Enabled.ValueBool(), TrustEmail: m.TrustEmail.ValueBool(), StoreToken: m.StoreToken.ValueBool(),
		LinkOnly: m.LinkOnly.ValueBool(), FirstBrokerLoginFlowAlias: m.FirstBrokerLoginFlow.ValueString(),
	}
}

// setBase refreshes the shared attributes from Keycloak.
func (m *ssoIdPModel) setBase(realm string, p *keycloak.IdentityProvider) {
	m.ID = types.StringValue(realm + "/" + p.Alias)
	m.Alias = types.StringValue(p.Alias)
	m.InternalID = types.StringValue(p.InternalID)
	m.DisplayName = types.StringValue(p.DisplayName)
	m.Enabled = types.BoolValue(p.Enabled)
	m.TrustEmail = types.BoolValue(p.TrustEmail)
	m.StoreToken = types.BoolValue(p.StoreToken)
	m.LinkOnly = types.BoolValue(p.LinkOnly)
	m.FirstBrokerLoginFlow = types.StringValue(p.FirstBrokerLoginFlowAlias)
}

// idpModel is what the shared operations need of an identity provider
// resource's model: the mapping to and from keycloak.IdentityProvider.
type idpModel interface {
	model
	common() *ssoIdPModel
	toIdP(context.Context, *diag.Diagnostics) keycloak.IdentityProvider
	fromIdP(ctx context.Context, realm string, p *keycloak.IdentityProvider) diag.Diagnostics
}

// idpModelPtr is the pointer to an identity provider model M.
type idpModelPtr[M any] interface {
	*M
	idpModel
}

// ssoIdPResource is the CRUD and import both identity provider resources
// share; each adds its schema and its plan checks.
type ssoIdPResource[M any, P idpModelPtr[M]] struct {
	resourceBase[*keycloak.Client]
	kind string // "OIDC" or "SAML", as diagnostics say it
}

// newIdPResource is the base of the resource tenantops_<name>, which
// brokers identity providers of kind.
func newIdPResource[M any, P idpModelPtr[M]](name, kind string) ssoIdPResource[M, P] {
	return ssoIdPResource[M, P]{newResource(keycloakBackend, name, identityTimeout, allOps), kind}
}

func (r *ssoIdPResource[M, P]) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	createResource[M, P](ctx, &r.resourceBase, req, resp, func(ctx context.Context, kc *keycloak.Client, m P, resp *resource.CreateResponse) error {
		p := m.toIdP(ctx, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return nil
		}
		realm := m.common().Realm.ValueString()
		if err := kc.CreateIdentityProvider(ctx, realm, p); err != nil {
			return err
		}
		setAttrs(ctx, &resp.State, &resp.Diagnostics, stateAttrs{"id": realm + "/" + p.Alias, "realm": realm, "alias": p.Alias})
		return r.refresh(ctx, kc, m, &resp.Diagnostics)
	})
}

func (r *ssoIdPResource[M, P]) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	readResource[M, P](ctx, &r.resourceBase, req, resp, r.refresh)
}

func (r *ssoIdPResource[M, P]) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	updateResource[M, P](ctx, &r.resourceBase, req, resp, func(ctx context.Context, kc *keycloak.Client, plan, _ P, diags *diag.Diagnostics) error {
		p := plan.toIdP(ctx, diags)
		if diags.HasError() {
			return nil
		}
		if err := kc.UpdateIdentityProvider(ctx, plan.common().Realm.ValueString(), p, nil); err != nil {
			return err
		}
		return r.refresh(ctx, kc, plan, diags)
	})
}

func (r *ssoIdPResource[M, P]) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	deleteResource[M, P](ctx, &r.resourceBase, req, resp, func(ctx context.Context, kc *keycloak.Client, m P) error {
		return kc.DeleteIdentityProvider(ctx, m.common().Realm.ValueString(), m.common().Alias.ValueString())
	})
}

func (r *ssoIdPResource[M, P]) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	realm, alias, ok := ssoSplitImportID(req.ID, "alias", resp)
	if !ok {
		return
	}
	setAttrs(ctx, &resp.State, &resp.Diagnostics, stateAttrs{"id": realm + "/" + alias, "realm": realm, "alias": alias})
}

// refresh reads the provider m names into m, refusing one of another kind
// (the alias taken by an OIDC provider where a SAML one is managed).
func (r *ssoIdPResource[M, P]) refresh(ctx context.Context, kc *keycloak.Client, m P, diags *diag.Diagnostics) error {
	realm, alias := m.common().Realm.ValueString(), m.common().Alias.ValueString()
	got, err := kc.GetIdentityProvider(ctx, realm, alias)
	if err != nil {
		return failed("Unable to read "+m.label(), err)
	}
	if got.ProviderID != strings.ToLower(r.kind) {
		diags.AddError(fmt.Sprintf("Identity provider %q in realm %q is not %s", alias, realm, r.kind),
			fmt.Sprintf("Keycloak reports provider type %q.", got.ProviderID))
		return nil
	}
	diags.Append(m.fromIdP(ctx, realm, got)...)
	return nil
}
