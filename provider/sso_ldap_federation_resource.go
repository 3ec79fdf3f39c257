package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/keycloak"
)

var (
	_ resource.ResourceWithImportState    = &SSOLDAPFederationResource{}
	_ resource.ResourceWithValidateConfig = &SSOLDAPFederationResource{}
)

// NewSSOLDAPFederationResource is the constructor the provider registers.
func NewSSOLDAPFederationResource() resource.Resource {
	return &SSOLDAPFederationResource{newCRUD[ssoLDAPModel](keycloakBackend, "sso_ldap_federation", identityTimeout, allOps)}
}

// SSOLDAPFederationResource manages LDAP/AD user federation of a realm.
type SSOLDAPFederationResource struct {
	crudResource[ssoLDAPModel, *ssoLDAPModel, *keycloak.Client]
}

type ssoLDAPModel struct {
	ID                types.String `tfsdk:"id"`
	Realm             types.String `tfsdk:"realm"`
	Name              types.String `tfsdk:"name"`
	Enabled           types.Bool   `tfsdk:"enabled"`
	Vendor            types.String `tfsdk:"vendor"`
	ConnectionURL     types.String `tfsdk:"connection_url"`
	StartTLS          types.Bool   `tfsdk:"start_tls"`
	BindDN            types.String `tfsdk:"bind_dn"`
	BindCredential    types.String `tfsdk:"bind_credential"`
	BindCredentialWO  types.String `tfsdk:"bind_credential_wo"`
	BindCredentialVer types.Int64  `tfsdk:"bind_credential_wo_version"`
	UsersDN           types.String `tfsdk:"users_dn"`
	EditMode          types.String `tfsdk:"edit_mode"`
	UsernameAttribute types.String `tfsdk:"username_ldap_attribute"`
	RDNAttribute      types.String `tfsdk:"rdn_ldap_attribute"`
	UUIDAttribute     types.String `tfsdk:"uuid_ldap_attribute"`
	UserObjectClasses types.String `tfsdk:"user_object_classes"`
	SearchScope       types.String `tfsdk:"search_scope"`
	Pagination        types.Bool   `tfsdk:"pagination"`
	FullSyncPeriod    types.Int64  `tfsdk:"full_sync_period"`
	ChangedSyncPeriod types.Int64  `tfsdk:"changed_sync_period"`
	timeoutsModel
}

func (m *ssoLDAPModel) label() string {
	return fmt.Sprintf("LDAP federation %q in realm %q", m.Name.ValueString(), m.Realm.ValueString())
}

func (m *ssoLDAPModel) secrets() []secretArg { return []secretArg{m.bindCredential()} }

func (m *ssoLDAPModel) bindCredential() secretArg {
	return secretArg{"bind_credential", onVersionChange, &m.BindCredential, &m.BindCredentialWO, &m.BindCredentialVer}
}

var ldapURLRE = regexp.MustCompile(`^ldaps?://[^\s/]+(/)?(\s+ldaps?://[^\s/]+(/)?)*$`)

// syncPeriod accepts -1 (no periodic sync) or at least a minute.
var syncPeriod = int64validator.Any(int64validator.OneOf(-1), int64validator.AtLeast(60))

func (r *SSOLDAPFederationResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		// required
		"realm": replacingString("Realm to federate."),
		"name":  replacingString("Display name of the provider, unique in the realm (the import key).", nonEmpty),
		"connection_url": requiredString("`ldaps://dc1.example.com:636` (space-separated list for failover).",
			stringvalidator.RegexMatches(ldapURLRE, "must be one or more ldap:// or ldaps:// URLs")),
		"bind_dn":   requiredString("DN Keycloak binds as, e.g. `CN=svc-keycloak,OU=Service,DC=example,DC=com`.", dnStringValidators...),
		"start_tls": defaultBool("Upgrade an `ldap://` connection with StartTLS. An `ldap://` URL without it is refused: the bind credential would cross the network in clear text.", false),
		"users_dn":  requiredString("Base DN of the users, e.g. `OU=Users,OU=acme,DC=example,DC=com`.", dnStringValidators...),
		// optional
		"enabled": defaultBool("Whether the provider is used. Default `true`.", true),
		"vendor": defaultString("Directory vendor: `ad` (default), `other`, `rhds`, `tivoli`, `edirectory`.", "ad",
			stringvalidator.OneOf("ad", "other", "rhds", "tivoli", "edirectory")),
		"edit_mode": defaultString("`READ_ONLY` (default), `WRITABLE` or `UNSYNCED`.", "READ_ONLY",
			stringvalidator.OneOf("READ_ONLY", "WRITABLE", "UNSYNCED")),
		"username_ldap_attribute": defaultString("LDAP attribute mapped to the username (default `sAMAccountName`).", "sAMAccountName"),
		"rdn_ldap_attribute":      defaultString("RDN attribute of user entries (default `cn`).", "cn"),
		"uuid_ldap_attribute":     defaultString("Immutable unique id attribute (default `objectGUID`, right for AD).", "objectGUID"),
		"user_object_classes":     defaultString("Object classes of users (default `person, organizationalPerson, user`).", "person, organizationalPerson, user"),
		"search_scope":            defaultString("`subtree` (default) or `one_level`.", "subtree", stringvalidator.OneOf("subtree", "one_level")),
		"pagination":              defaultBool("Use LDAP paged results. Default `true`.", true),
		"full_sync_period":        defaultInt("Seconds between periodic full syncs; `-1` (default) disables them.", -1, syncPeriod),
		"changed_sync_period":     defaultInt("Seconds between periodic syncs of changed users; `-1` (default) disables them.", -1, syncPeriod),
		// computed
		"id": stableString("Component id of the provider."),
	}
	secretAttributes(attrs, "bind_credential", true, "Password of `bind_dn`. Written to Keycloak, never read back.",
		"Written on every update, so a changed `bind_credential` shows in the plan.",
		"Written when the federation is created and whenever `bind_credential_wo_version` changes (after an import too); "+
			"other updates leave the credential Keycloak holds alone.")
	resp.Schema = schema.Schema{
		MarkdownDescription: "LDAP / Active Directory user federation of a realm (a Keycloak `ldap` user storage " +
			"component), typically pointing at the tenant's OU. Keycloak never returns the bind credential (it " +
			"answers `**********`): `bind_credential` keeps the configured value in state, `bind_credential_wo` " +
			"(Terraform / OpenTofu 1.11+) keeps only its version. Config keys set elsewhere (mappers, Kerberos, " +
			"cache settings) are kept on update. Import with `<realm>/<name>`.",
		Attributes: attrs,
		Blocks:     r.timeoutsBlock(ctx),
	}
}

// ValidateConfig refuses a clear-text bind: ldap:// needs start_tls.
func (r *SSOLDAPFederationResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m ssoLDAPModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.ConnectionURL.IsUnknown() || m.StartTLS.IsUnknown() || m.StartTLS.ValueBool() {
		return
	}
	if strings.Contains(strings.ToLower(m.ConnectionURL.ValueString()), "ldap://") {
		resp.Diagnostics.AddAttributeError(path.Root("connection_url"), "Clear-text LDAP connection",
			"connection_url uses ldap://, which would send bind_credential in clear text: use ldaps:// or set start_tls = true.")
	}
}

func (m *ssoLDAPModel) create(ctx context.Context, kc *keycloak.Client, resp *resource.CreateResponse) error {
	id, err := kc.CreateLDAPFederation(ctx, m.Realm.ValueString(), m.toLDAP())
	if err != nil {
		return err
	}
	m.ID = types.StringValue(id)
	setAttrs(ctx, &resp.State, &resp.Diagnostics, stateAttrs{"id": m.ID, "realm": m.Realm, "name": m.Name})
	return m.refresh(ctx, kc)
}

func (m *ssoLDAPModel) read(ctx context.Context, kc *keycloak.Client, _ *diag.Diagnostics) error {
	return m.refresh(ctx, kc)
}

func (m *ssoLDAPModel) update(ctx context.Context, kc *keycloak.Client, _ *ssoLDAPModel, _ *diag.Diagnostics) error {
	if err := kc.UpdateLDAPFederation(ctx, m.Realm.ValueString(), m.toLDAP()); err != nil {
		return err
	}
	return m.refresh(ctx, kc)
}

func (m *ssoLDAPModel) delete(ctx context.Context, kc *keycloak.Client) error {
	return kc.DeleteLDAPFederation(ctx, m.Realm.ValueString(), m.ID.ValueString())
}

func (r *SSOLDAPFederationResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	ssoImportByKey(ctx, &r.resourceBase, req, resp, "LDAP federation", "name",
		func(ctx context.Context, kc *keycloak.Client, realm, name string) (stateAttrs, error) {
			got, err := kc.FindLDAPFederation(ctx, realm, name)
			if err != nil {
				return nil, err
			}
			return stateAttrs{"id": got.ID, "realm": realm, "name": name}, nil
		})
}

// refresh reads the federation m names into m. The bind credential is
// never read back: m keeps the configured (or previously stored) value, or
// version.
func (m *ssoLDAPModel) refresh(ctx context.Context, kc *keycloak.Client) error {
	got, err := kc.GetLDAPFederation(ctx, m.Realm.ValueString(), m.ID.ValueString())
	if err != nil {
		return failed("Unable to read "+m.label(), err)
	}
	m.Name = types.StringValue(got.Name)
	m.Enabled = types.BoolValue(got.Enabled)
	m.Vendor = types.StringValue(got.Vendor)
	m.ConnectionURL = types.StringValue(got.ConnectionURL)
	m.StartTLS = types.BoolValue(got.StartTLS)
	m.BindDN = types.StringValue(got.BindDN)
	m.UsersDN = types.StringValue(got.UsersDN)
	m.EditMode = types.StringValue(got.EditMode)
	m.UsernameAttribute = types.StringValue(got.UsernameAttribute)
	m.RDNAttribute = types.StringValue(got.RDNAttribute)
	m.UUIDAttribute = types.StringValue(got.UUIDAttribute)
	m.UserObjectClasses = types.StringValue(got.UserObjectClasses)
	m.SearchScope = types.StringValue(map[string]string{"1": "one_level"}[got.SearchScope])
	if m.SearchScope.ValueString() == "" {
		m.SearchScope = types.StringValue("subtree")
	}
	m.Pagination = types.BoolValue(got.Pagination)
	m.FullSyncPeriod = types.Int64Value(int64(got.FullSyncPeriod))
	m.ChangedSyncPeriod = types.Int64Value(int64(got.ChangedSyncPeriod))
	return nil
}

func (m ssoLDAPModel) toLDAP() keycloak.LDAPFederation {
	scope := "2"
	if m.SearchScope.ValueString() == "one_level" {
		scope = "1"
	}
	return keycloak.LDAPFederation{
		ID:                m.ID.ValueString(),
		Name:              m.Name.ValueString(),
		Enabled:           m.Enabled.ValueBool(),
		Vendor:            m.Vendor.ValueString(),
		ConnectionURL:     m.ConnectionURL.ValueString(),
		StartTLS:          m.StartTLS.ValueBool(),
		BindDN:            m.BindDN.ValueString(),
		BindCredential:    m.bindCredential().value(),
		UsersDN:           m.UsersDN.ValueString(),
		EditMode:          m.EditMode.ValueString(),
		UsernameAttribute: m.UsernameAttribute.ValueString(),
		RDNAttribute:      m.RDNAttribute.ValueString(),
		UUIDAttribute:     m.UUIDAttribute.ValueString(),
		UserObjectClasses: m.UserObjectClasses.ValueString(),
		SearchScope:       scope,
		Pagination:        m.Pagination.ValueBool(),
		FullSyncPeriod:    int(m.FullSyncPeriod.ValueInt64()),
		ChangedSyncPeriod: int(m.ChangedSyncPeriod.ValueInt64()),
	}
}
