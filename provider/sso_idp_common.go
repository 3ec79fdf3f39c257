package provider

import (
	"context"
	"fmt"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
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

// ssoIdP is the CRUD both identity provider resources share; each resource
// supplies the mapping between its model and keycloak.IdentityProvider.
type ssoIdP struct {
	data     *ProviderData
	typeName string // e.g. "tenantops_sso_oidc_identity_provider"
	kind     string // "OIDC" or "SAML", for messages
}

func (b ssoIdP) create(ctx context.Context, timeout timeoutFunc, realm string, p keycloak.IdentityProvider, state *tfsdk.State, diags *diag.Diagnostics) (*keycloak.IdentityProvider, bool) {
	ctx, cancel, kc, ok := open(ctx, b.data, keycloakBackend, b.typeName, timeout, identityTimeout, diags)
	defer cancel()
	if !ok {
		return nil, false
	}
	if err := kc.CreateIdentityProvider(ctx, realm, p); err != nil {
		diags.Append(keycloakBackend.error(fmt.Sprintf("Unable to create %s identity provider %q in realm %q", b.kind, p.Alias, realm), err))
		return nil, false
	}
	diags.Append(state.SetAttribute(ctx, path.Root("id"), realm+"/"+p.Alias)...)
	diags.Append(state.SetAttribute(ctx, path.Root("realm"), realm)...)
	diags.Append(state.SetAttribute(ctx, path.Root("alias"), p.Alias)...)
	return b.get(ctx, kc, realm, p.Alias, diags)
}

func (b ssoIdP) get(ctx context.Context, kc *keycloak.Client, realm, alias string, diags *diag.Diagnostics) (*keycloak.IdentityProvider, bool) {
	got, err := kc.GetIdentityProvider(ctx, realm, alias)
	if err != nil {
		diags.Append(keycloakBackend.error(fmt.Sprintf("Unable to read %s identity provider %q in realm %q", b.kind, alias, realm), err))
		return nil, false
	}
	return got, true
}

// read returns nil, true when the provider is gone (drop it from state).
func (b ssoIdP) read(ctx context.Context, timeout timeoutFunc, realm, alias string, diags *diag.Diagnostics) (*keycloak.IdentityProvider, bool) {
	ctx, cancel, kc, ok := open(ctx, b.data, keycloakBackend, b.typeName, timeout, identityTimeout, diags)
	defer cancel()
	if !ok {
		return nil, false
	}
	got, err := kc.GetIdentityProvider(ctx, realm, alias)
	if keycloak.IsNotFound(err) {
		return nil, true
	}
	if err != nil {
		diags.Append(keycloakBackend.error(fmt.Sprintf("Unable to read %s identity provider %q in realm %q", b.kind, alias, realm), err))
		return nil, false
	}
	if got.ProviderID != map[string]string{"OIDC": "oidc", "SAML": "saml"}[b.kind] {
		diags.AddError(fmt.Sprintf("Identity provider %q in realm %q is not %s", alias, realm, b.kind),
			fmt.Sprintf("Keycloak reports provider type %q.", got.ProviderID))
		return nil, false
	}
	return got, true
}

func (b ssoIdP) update(ctx context.Context, timeout timeoutFunc, realm string, p keycloak.IdentityProvider, remove []string, diags *diag.Diagnostics) (*keycloak.IdentityProvider, bool) {
	ctx, cancel, kc, ok := open(ctx, b.data, keycloakBackend, b.typeName, timeout, identityTimeout, diags)
	defer cancel()
	if !ok {
		return nil, false
	}
	if err := kc.UpdateIdentityProvider(ctx, realm, p, remove); err != nil {
		diags.Append(keycloakBackend.error(fmt.Sprintf("Unable to update %s identity provider %q in realm %q", b.kind, p.Alias, realm), err))
		return nil, false
	}
	return b.get(ctx, kc, realm, p.Alias, diags)
}

func (b ssoIdP) delete(ctx context.Context, timeout timeoutFunc, realm, alias string, diags *diag.Diagnostics) {
	ctx, cancel, kc, ok := open(ctx, b.data, keycloakBackend, b.typeName, timeout, identityTimeout, diags)
	defer cancel()
	if !ok {
		return
	}
	if err := kc.DeleteIdentityProvider(ctx, realm, alias); err != nil {
		diags.Append(keycloakBackend.error(fmt.Sprintf("Unable to delete %s identity provider %q in realm %q", b.kind, alias, realm), err))
	}
}

func (b ssoIdP) importState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	realm, alias, ok := ssoSplitImportID(req.ID, "alias", resp)
	if !ok {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), realm+"/"+alias)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("realm"), realm)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("alias"), alias)...)
}
