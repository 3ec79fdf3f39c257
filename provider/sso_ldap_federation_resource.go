package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"

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

var (
	_ resource.ResourceWithImportState    = &SSOLDAPFederationResource{}
	_ resource.ResourceWithValidateConfig = &SSOLDAPFederationResource{}
)

// NewSSOLDAPFederationResource is the constructor the provider registers.
func NewSSOLDAPFederationResource() resource.Resource { return &SSOLDAPFederationResource{} }

// SSOLDAPFederationResource manages LDAP/AD user federation of a realm.
type SSOLDAPFederationResource struct{ data *ProviderData }

type ssoLDAPModel struct {
	ID                types.String   `tfsdk:"id"`
	Realm             types.String   `tfsdk:"realm"`
	Name              types.String   `tfsdk:"name"`
	Enabled           types.Bool     `tfsdk:"enabled"`
	Vendor            types.String   `tfsdk:"vendor"`
	ConnectionURL     types.String   `tfsdk:"connection_url"`
	StartTLS          types.Bool     `tfsdk:"start_tls"`
	BindDN            types.String   `tfsdk:"bind_dn"`
	BindCredential    types.String   `tfsdk:"bind_credential"`
	UsersDN           types.String   `tfsdk:"users_dn"`
	EditMode          types.String   `tfsdk:"edit_mode"`
	UsernameAttribute types.String   `tfsdk:"username_ldap_attribute"`
	RDNAttribute      types.String   `tfsdk:"rdn_ldap_attribute"`
	UUIDAttribute     types.String   `tfsdk:"uuid_ldap_attribute"`
	UserObjectClasses types.String   `tfsdk:"user_object_classes"`
	SearchScope       types.String   `tfsdk:"search_scope"`
	Pagination        types.Bool     `tfsdk:"pagination"`
	FullSyncPeriod    types.Int64    `tfsdk:"full_sync_period"`
	ChangedSyncPeriod types.Int64    `tfsdk:"changed_sync_period"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
}

var ldapURLRE = regexp.MustCompile(`^ldaps?://[^\s/]+(/)?(\s+ldaps?://[^\s/]+(/)?)*$`)

func (r *SSOLDAPFederationResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_sso_ldap_federation"
}

func (r *SSOLDAPFederationResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	str := func(desc, def string, v ...validator.String) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(def),
			MarkdownDescription: desc, Validators: v}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "LDAP / Active Directory user federation of a realm (a Keycloak `ldap` user storage " +
			"component), typically pointing at the tenant's OU. Keycloak never returns the bind credential (it " +
			"answers `**********`): the configured value is kept in state and written on every update, so a changed " +
			"`bind_credential` shows in the plan. Config keys set elsewhere (mappers, Kerberos, cache settings) are " +
			"kept on update. Import with `<realm>/<name>`.",
		Attributes: map[string]schema.Attribute{
			// required
			"realm": schema.StringAttribute{Required: true, PlanModifiers: replace, MarkdownDescription: "Realm to federate."},
			"name": schema.StringAttribute{Required: true, PlanModifiers: replace,
				MarkdownDescription: "Display name of the provider, unique in the realm (the import key).",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)}},
			"connection_url": schema.StringAttribute{Required: true,
				MarkdownDescription: "`ldaps://dc1.example.com:636` (space-separated list for failover).",
				Validators:          []validator.String{stringvalidator.RegexMatches(ldapURLRE, "must be one or more ldap:// or ldaps:// URLs")}},
			"bind_dn": schema.StringAttribute{Required: true, Validators: dnStringValidators,
				MarkdownDescription: "DN Keycloak binds as, e.g. `CN=svc-keycloak,OU=Service,DC=example,DC=com`."},
			"start_tls": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Upgrade an `ldap://` connection with StartTLS. An `ldap://` URL without it is refused: the bind credential would cross the network in clear text."},
			"bind_credential": schema.StringAttribute{Required: true, Sensitive: true,
				MarkdownDescription: "Password of `bind_dn`. Written to Keycloak, never read back."},
			"users_dn": schema.StringAttribute{Required: true, Validators: dnStringValidators,
				MarkdownDescription: "Base DN of the users, e.g. `OU=Users,OU=acme,DC=example,DC=com`."},
			// optional
			"enabled": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Whether the provider is used. Default `true`."},
			"vendor": str("Directory vendor: `ad` (default), `other`, `rhds`, `tivoli`, `edirectory`.", "ad",
				stringvalidator.OneOf("ad", "other", "rhds", "tivoli", "edirectory")),
			"edit_mode": str("`READ_ONLY` (default), `WRITABLE` or `UNSYNCED`.", "READ_ONLY",
				stringvalidator.OneOf("READ_ONLY", "WRITABLE", "UNSYNCED")),
			"username_ldap_attribute": str("LDAP attribute mapped to the username (default `sAMAccountName`).", "sAMAccountName"),
			"rdn_ldap_attribute":      str("RDN attribute of user entries (default `cn`).", "cn"),
			"uuid_ldap_attribute":     str("Immutable unique id attribute (default `objectGUID`, right for AD).", "objectGUID"),
			"user_object_classes":     str("Object classes of users (default `person, organizationalPerson, user`).", "person, organizationalPerson, user"),
			"search_scope":            str("`subtree` (default) or `one_level`.", "subtree", stringvalidator.OneOf("subtree", "one_level")),
			"pagination": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Use LDAP paged results. Default `true`."},
			"full_sync_period": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(-1),
				MarkdownDescription: "Seconds between periodic full syncs; `-1` (default) disables them.",
				Validators:          []validator.Int64{int64validator.Any(int64validator.OneOf(-1), int64validator.AtLeast(60))}},
			"changed_sync_period": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(-1),
				MarkdownDescription: "Seconds between periodic syncs of changed users; `-1` (default) disables them.",
				Validators:          []validator.Int64{int64validator.Any(int64validator.OneOf(-1), int64validator.AtLeast(60))}},
			// computed
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "Component id of the provider.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

func (r *SSOLDAPFederationResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configureResource(req, resp)
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

func (r *SSOLDAPFederationResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan ssoLDAPModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, kc, ok := open(ctx, r.data, keycloakBackend, "tenantops_sso_ldap_federation", plan.Timeouts.Create, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	realm, name := plan.Realm.ValueString(), plan.Name.ValueString()
	id, err := kc.CreateLDAPFederation(ctx, realm, plan.toLDAP())
	if err != nil {
		resp.Diagnostics.Append(keycloakBackend.error(fmt.Sprintf("Unable to create LDAP federation %q in realm %q", name, realm), err))
		return
	}
	plan.ID = types.StringValue(id)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), plan.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("realm"), plan.Realm)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), plan.Name)...)
	r.readInto(ctx, kc, &plan, &resp.Diagnostics, &resp.State, false)
}

func (r *SSOLDAPFederationResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state ssoLDAPModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, kc, ok := open(ctx, r.data, keycloakBackend, "tenantops_sso_ldap_federation", state.Timeouts.Read, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	r.readInto(ctx, kc, &state, &resp.Diagnostics, &resp.State, true)
}

func (r *SSOLDAPFederationResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan ssoLDAPModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, kc, ok := open(ctx, r.data, keycloakBackend, "tenantops_sso_ldap_federation", plan.Timeouts.Update, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	if err := kc.UpdateLDAPFederation(ctx, plan.Realm.ValueString(), plan.toLDAP()); err != nil {
		resp.Diagnostics.Append(keycloakBackend.error(fmt.Sprintf("Unable to update LDAP federation %q in realm %q", plan.Name.ValueString(), plan.Realm.ValueString()), err))
		return
	}
	r.readInto(ctx, kc, &plan, &resp.Diagnostics, &resp.State, false)
}

func (r *SSOLDAPFederationResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state ssoLDAPModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, kc, ok := open(ctx, r.data, keycloakBackend, "tenantops_sso_ldap_federation", state.Timeouts.Delete, identityTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	if err := kc.DeleteLDAPFederation(ctx, state.Realm.ValueString(), state.ID.ValueString()); err != nil {
		resp.Diagnostics.Append(keycloakBackend.error(fmt.Sprintf("Unable to delete LDAP federation %q in realm %q", state.Name.ValueString(), state.Realm.ValueString()), err))
	}
}

func (r *SSOLDAPFederationResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	realm, name, ok := ssoSplitImportID(req.ID, "name", resp)
	if !ok {
		return
	}
	ctx, cancel, kc, ok := open(ctx, r.data, keycloakBackend, "tenantops_sso_ldap_federation", nil, 0, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	got, err := kc.FindLDAPFederation(ctx, realm, name)
	if err != nil {
		resp.Diagnostics.Append(keycloakBackend.error(fmt.Sprintf("Unable to import LDAP federation %q in realm %q", name, realm), err))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), got.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("realm"), realm)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
}

// stateSetter is the part of tfsdk.State that readInto needs.
type stateSetter interface {
	Set(context.Context, any) ssoDiags
	RemoveResource(context.Context)
}

// readInto refreshes m from Keycloak and stores it. The bind credential is
// never read back: m keeps the configured (or previously stored) value.
func (r *SSOLDAPFederationResource) readInto(ctx context.Context, kc *keycloak.Client, m *ssoLDAPModel, diags *ssoDiags, st stateSetter, removeMissing bool) {
	realm := m.Realm.ValueString()
	got, err := kc.GetLDAPFederation(ctx, realm, m.ID.ValueString())
	if removeMissing && keycloak.IsNotFound(err) {
		st.RemoveResource(ctx)
		return
	}
	if err != nil {
		diags.Append(keycloakBackend.error(fmt.Sprintf("Unable to read LDAP federation %q in realm %q", m.Name.ValueString(), realm), err))
		return
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
	diags.Append(st.Set(ctx, m)...)
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
		BindCredential:    m.BindCredential.ValueString(),
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
