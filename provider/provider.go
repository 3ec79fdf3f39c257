// Package provider implements the tenantops Terraform provider on
// terraform-plugin-framework: one optional configuration block per backend
// and thin resources that call the clients in internal/.
package provider

import (
	"context"
	"os"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/tlsutil"
)

var _ provider.Provider = &TenantopsProvider{}

// TenantopsProvider is the provider implementation.
type TenantopsProvider struct {
	version string
}

// New returns a constructor for the provider, as providerserver expects.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &TenantopsProvider{version: version} }
}

// tlsModel is embedded in every backend block.
type tlsModel struct {
	CAFile             types.String `tfsdk:"ca_file"`
	CAPEM              types.String `tfsdk:"ca_pem"`
	InsecureSkipVerify types.Bool   `tfsdk:"insecure_skip_verify"`
}

type vcdModel struct {
	URL      types.String `tfsdk:"url"`
	User     types.String `tfsdk:"user"`
	Password types.String `tfsdk:"password"`
	Org      types.String `tfsdk:"org"`
	APIToken types.String `tfsdk:"api_token"`
	tlsModel
}

type keycloakModel struct {
	URL          types.String `tfsdk:"url"`
	Realm        types.String `tfsdk:"realm"`
	ClientID     types.String `tfsdk:"client_id"`
	ClientSecret types.String `tfsdk:"client_secret"`
	Username     types.String `tfsdk:"username"`
	Password     types.String `tfsdk:"password"`
	tlsModel
}

type directoryModel struct {
	URL          types.String `tfsdk:"url"`
	BindDN       types.String `tfsdk:"bind_dn"`
	BindPassword types.String `tfsdk:"bind_password"`
	StartTLS     types.Bool   `tfsdk:"start_tls"`
	tlsModel
}

type scimModel struct {
	URL   types.String `tfsdk:"url"`
	Token types.String `tfsdk:"token"`
	tlsModel
}

type zertoModel struct {
	URL          types.String `tfsdk:"url"`
	ClientID     types.String `tfsdk:"client_id"`
	ClientSecret types.String `tfsdk:"client_secret"`
	Username     types.String `tfsdk:"username"`
	Password     types.String `tfsdk:"password"`
	AuthMode     types.String `tfsdk:"auth_mode"`
	tlsModel
}

type providerModel struct {
	VCD       *vcdModel       `tfsdk:"vcd"`
	Keycloak  *keycloakModel  `tfsdk:"keycloak"`
	Directory *directoryModel `tfsdk:"directory"`
	SCIM      *scimModel      `tfsdk:"scim"`
	Zerto     *zertoModel     `tfsdk:"zerto"`
}

func (p *TenantopsProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "tenantops"
	resp.Version = p.version
}

func (p *TenantopsProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The tenantops provider onboards enterprise tenants across VMware Cloud Director, " +
			"Keycloak, Active Directory, SCIM 2.0 service providers and Zerto. Each backend has its own optional " +
			"block; a resource whose backend block is missing fails with a diagnostic naming that block. Every " +
			"attribute can also be set through an environment variable (`TENANTOPS_<BLOCK>_<ATTRIBUTE>`, e.g. " +
			"`TENANTOPS_VCD_URL`). TLS certificates are always verified unless `insecure_skip_verify` is set.",
		Blocks: map[string]schema.Block{
			"vcd": schema.SingleNestedBlock{
				MarkdownDescription: "VMware Cloud Director (for `tenantops_tenant`, `tenantops_tenant_vdc`, " +
					"`tenantops_tenant_sso`, `tenantops_provider_vdc`).",
				Attributes: withTLS(map[string]schema.Attribute{
					"url":       strAttr("Base URL of Cloud Director, e.g. `https://vcd.example.com`. Env: `TENANTOPS_VCD_URL`.", false),
					"user":      strAttr("Provider administrator user name. Env: `TENANTOPS_VCD_USER`.", false),
					"password":  strAttr("Password of `user`. Env: `TENANTOPS_VCD_PASSWORD`.", true),
					"org":       strAttr("Organization to log in to; `System` for provider administrators (default). Env: `TENANTOPS_VCD_ORG`.", false),
					"api_token": strAttr("API token used instead of `user`/`password`. Env: `TENANTOPS_VCD_API_TOKEN`.", true),
				}, "VCD"),
			},
			"keycloak": schema.SingleNestedBlock{
				MarkdownDescription: "Keycloak admin API (for the `tenantops_sso_*` resources).",
				Attributes: withTLS(map[string]schema.Attribute{
					"url":           strAttr("Base URL of Keycloak, e.g. `https://sso.example.com`. Env: `TENANTOPS_KEYCLOAK_URL`.", false),
					"realm":         strAttr("Realm the admin client lives in (default `master`). Env: `TENANTOPS_KEYCLOAK_REALM`.", false),
					"client_id":     strAttr("Admin client id for the client-credentials grant (preferred), or `admin-cli` with `username`/`password`. Env: `TENANTOPS_KEYCLOAK_CLIENT_ID`.", false),
					"client_secret": strAttr("Secret of `client_id`. Env: `TENANTOPS_KEYCLOAK_CLIENT_SECRET`.", true),
					"username":      strAttr("Admin user for the password grant. Env: `TENANTOPS_KEYCLOAK_USERNAME`.", false),
					"password":      strAttr("Password of `username`. Env: `TENANTOPS_KEYCLOAK_PASSWORD`.", true),
				}, "KEYCLOAK"),
			},
			"directory": schema.SingleNestedBlock{
				MarkdownDescription: "Active Directory over LDAPS (for the `tenantops_directory_*` resources).",
				Attributes: withTLS(map[string]schema.Attribute{
					"url":           strAttr("`ldaps://host:636` (or `ldap://host:389` with `start_tls = true`). Env: `TENANTOPS_DIRECTORY_URL`.", false),
					"bind_dn":       strAttr("DN to bind as. Env: `TENANTOPS_DIRECTORY_BIND_DN`.", false),
					"bind_password": strAttr("Password of `bind_dn`. Env: `TENANTOPS_DIRECTORY_BIND_PASSWORD`.", true),
					"start_tls": schema.BoolAttribute{Optional: true,
						MarkdownDescription: "Upgrade an `ldap://` connection with StartTLS. Env: `TENANTOPS_DIRECTORY_START_TLS`."},
				}, "DIRECTORY"),
			},
			"scim": schema.SingleNestedBlock{
				MarkdownDescription: "A SCIM 2.0 service provider (for the `tenantops_scim_*` resources).",
				Attributes: withTLS(map[string]schema.Attribute{
					"url":   strAttr("SCIM base URL, e.g. `https://idm.example.com/scim/v2`. Env: `TENANTOPS_SCIM_URL`.", false),
					"token": strAttr("Bearer token. Env: `TENANTOPS_SCIM_TOKEN`.", true),
				}, "SCIM"),
			},
			"zerto": schema.SingleNestedBlock{
				MarkdownDescription: "Zerto Virtual Manager REST API (for `tenantops_dr_protection_group` and `tenantops_dr_site`).",
				Attributes: withTLS(map[string]schema.Attribute{
					"url":           strAttr("ZVM base URL, e.g. `https://zvm.example.com`. Env: `TENANTOPS_ZERTO_URL`.", false),
					"client_id":     strAttr("Client id for the appliance's Keycloak client-credentials flow. Env: `TENANTOPS_ZERTO_CLIENT_ID`.", false),
					"client_secret": strAttr("Secret of `client_id`. Env: `TENANTOPS_ZERTO_CLIENT_SECRET`.", true),
					"username":      strAttr("User for the legacy session login (`POST /v1/session/add`). Env: `TENANTOPS_ZERTO_USERNAME`.", false),
					"password":      strAttr("Password of `username`. Env: `TENANTOPS_ZERTO_PASSWORD`.", true),
					"auth_mode":     strAttr("`keycloak` (ZVM appliance, default when `client_id` is set) or `session` (legacy Windows ZVM). Env: `TENANTOPS_ZERTO_AUTH_MODE`.", false),
				}, "ZERTO"),
			},
		},
	}
}

func strAttr(desc string, sensitive bool) schema.StringAttribute {
	return schema.StringAttribute{Optional: true, Sensitive: sensitive, MarkdownDescription: desc}
}

func withTLS(attrs map[string]schema.Attribute, env string) map[string]schema.Attribute {
	attrs["ca_file"] = strAttr("Path of a PEM file with a private CA to trust in addition to the system pool. Env: `TENANTOPS_"+env+"_CA_FILE`.", false)
	attrs["ca_pem"] = strAttr("PEM text of a private CA to trust in addition to the system pool. Env: `TENANTOPS_"+env+"_CA_PEM`.", false)
	attrs["insecure_skip_verify"] = schema.BoolAttribute{Optional: true,
		MarkdownDescription: "Skip TLS certificate verification. Never the default; for lab use only. Env: `TENANTOPS_" + env + "_INSECURE_SKIP_VERIFY`."}
	return attrs
}

func (p *TenantopsProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	env := envReader{diags: &resp.Diagnostics}
	diags := &resp.Diagnostics
	data := &ProviderData{
		VCD:       vcdSettings(present(m.VCD, env, "VCD"), env, diags),
		Keycloak:  keycloakSettings(present(m.Keycloak, env, "KEYCLOAK"), env, diags),
		Directory: directorySettings(present(m.Directory, env, "DIRECTORY"), env, diags),
		SCIM:      scimSettings(present(m.SCIM, env, "SCIM"), env, diags),
		Zerto:     zertoSettings(present(m.Zerto, env, "ZERTO"), env, diags),
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.ResourceData = data
	resp.DataSourceData = data
}

// present returns a backend block's model when the block is in the
// configuration, an empty one when only its TENANTOPS_<BLOCK>_URL variable
// is set, and nil when the backend is not configured at all.
func present[T any](m *T, env envReader, block string) *T {
	if m == nil && env.any(block) {
		return new(T)
	}
	return m
}

func vcdSettings(v *vcdModel, env envReader, diags *diag.Diagnostics) *VCDSettings {
	if v == nil {
		return nil
	}
	s := &VCDSettings{
		URL:      env.str(v.URL, "VCD", "URL"),
		User:     env.str(v.User, "VCD", "USER"),
		Password: env.str(v.Password, "VCD", "PASSWORD"),
		Org:      env.str(v.Org, "VCD", "ORG"),
		APIToken: env.str(v.APIToken, "VCD", "API_TOKEN"),
		TLS:      env.tls(v.tlsModel, "VCD"),
	}
	if s.Org == "" {
		s.Org = "System"
	}
	requireAttr(diags, "vcd", "url", s.URL)
	if s.APIToken == "" {
		requireAttr(diags, "vcd", "user", s.User)
		requireAttr(diags, "vcd", "password", s.Password)
	}
	return s
}

func keycloakSettings(k *keycloakModel, env envReader, diags *diag.Diagnostics) *KeycloakSettings {
	if k == nil {
		return nil
	}
	s := &KeycloakSettings{
		URL:          env.str(k.URL, "KEYCLOAK", "URL"),
		Realm:        env.str(k.Realm, "KEYCLOAK", "REALM"),
		ClientID:     env.str(k.ClientID, "KEYCLOAK", "CLIENT_ID"),
		ClientSecret: env.str(k.ClientSecret, "KEYCLOAK", "CLIENT_SECRET"),
		Username:     env.str(k.Username, "KEYCLOAK", "USERNAME"),
		Password:     env.str(k.Password, "KEYCLOAK", "PASSWORD"),
		TLS:          env.tls(k.tlsModel, "KEYCLOAK"),
	}
	if s.Realm == "" {
		s.Realm = "master"
	}
	requireAttr(diags, "keycloak", "url", s.URL)
	if s.ClientSecret == "" && s.Password == "" {
		diags.AddAttributeError(path.Root("keycloak"), "Missing Keycloak credentials",
			"The keycloak block needs client_id and client_secret (client credentials) or username and password (password grant).")
	}
	return s
}

func directorySettings(d *directoryModel, env envReader, diags *diag.Diagnostics) *DirectorySettings {
	if d == nil {
		return nil
	}
	s := &DirectorySettings{
		URL:          env.str(d.URL, "DIRECTORY", "URL"),
		BindDN:       env.str(d.BindDN, "DIRECTORY", "BIND_DN"),
		BindPassword: env.str(d.BindPassword, "DIRECTORY", "BIND_PASSWORD"),
		StartTLS:     env.boolean(d.StartTLS, "DIRECTORY", "START_TLS"),
		TLS:          env.tls(d.tlsModel, "DIRECTORY"),
	}
	requireAttr(diags, "directory", "url", s.URL)
	requireAttr(diags, "directory", "bind_dn", s.BindDN)
	requireAttr(diags, "directory", "bind_password", s.BindPassword)
	return s
}

func scimSettings(m *scimModel, env envReader, diags *diag.Diagnostics) *SCIMSettings {
	if m == nil {
		return nil
	}
	s := &SCIMSettings{
		URL:   env.str(m.URL, "SCIM", "URL"),
		Token: env.str(m.Token, "SCIM", "TOKEN"),
		TLS:   env.tls(m.tlsModel, "SCIM"),
	}
	requireAttr(diags, "scim", "url", s.URL)
	return s
}

func zertoSettings(z *zertoModel, env envReader, diags *diag.Diagnostics) *ZertoSettings {
	if z == nil {
		return nil
	}
	s := &ZertoSettings{
		URL:          env.str(z.URL, "ZERTO", "URL"),
		ClientID:     env.str(z.ClientID, "ZERTO", "CLIENT_ID"),
		ClientSecret: env.str(z.ClientSecret, "ZERTO", "CLIENT_SECRET"),
		Username:     env.str(z.Username, "ZERTO", "USERNAME"),
		Password:     env.str(z.Password, "ZERTO", "PASSWORD"),
		AuthMode:     env.str(z.AuthMode, "ZERTO", "AUTH_MODE"),
		TLS:          env.tls(z.tlsModel, "ZERTO"),
	}
	if s.AuthMode == "" {
		s.AuthMode = "keycloak"
		if s.ClientID == "" && s.Username != "" {
			s.AuthMode = "session"
		}
	}
	requireAttr(diags, "zerto", "url", s.URL)
	if m := s.AuthMode; m != "keycloak" && m != "session" {
		diags.AddAttributeError(path.Root("zerto").AtName("auth_mode"), "Invalid Zerto auth_mode",
			`auth_mode must be "keycloak" or "session", got "`+m+`".`)
	}
	return s
}

func requireAttr(diags *diag.Diagnostics, block, attr, value string) {
	if value != "" {
		return
	}
	diags.AddAttributeError(path.Root(block).AtName(attr), "Missing "+block+"."+attr,
		"The "+block+" block needs "+attr+" (or the environment variable TENANTOPS_"+envName(block)+"_"+envName(attr)+").")
}

// envReader applies the TENANTOPS_<BLOCK>_<ATTR> environment fallbacks: an
// attribute set in HCL wins over the environment.
type envReader struct {
	diags interface {
		AddError(string, string)
	}
}

func (e envReader) any(block string) bool {
	return os.Getenv("TENANTOPS_"+block+"_URL") != ""
}

func (e envReader) str(v types.String, block, attr string) string {
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueString()
	}
	return os.Getenv("TENANTOPS_" + block + "_" + attr)
}

func (e envReader) boolean(v types.Bool, block, attr string) bool {
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueBool()
	}
	name := "TENANTOPS_" + block + "_" + attr
	s := os.Getenv(name)
	if s == "" {
		return false
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		e.diags.AddError("Invalid environment variable "+name, "Expected true or false, got "+strconv.Quote(s)+".")
	}
	return b
}

func (e envReader) tls(m tlsModel, block string) tlsutil.Options {
	return tlsutil.Options{
		CAFile:             e.str(m.CAFile, block, "CA_FILE"),
		CAPEM:              e.str(m.CAPEM, block, "CA_PEM"),
		InsecureSkipVerify: e.boolean(m.InsecureSkipVerify, block, "INSECURE_SKIP_VERIFY"),
	}
}

func envName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func (p *TenantopsProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		// resources: keep one line per resource, sorted
		NewDRProtectionGroupResource,
		NewDirectoryGroupMemberResource,
		NewDirectoryGroupResource,
		NewDirectoryOUResource,
		NewDirectoryUserResource,
		NewSCIMGroupMemberResource,
		NewSCIMGroupResource,
		NewSCIMUserResource,
		NewSSOClientResource,
		NewSSOLDAPFederationResource,
		NewSSOOIDCIdentityProviderResource,
		NewSSOSAMLIdentityProviderResource,
		NewSSORealmResource,
		NewTenantResource,
		NewTenantSSOResource,
		NewTenantVDCResource,
		NewVAppResource,
	}
}

func (p *TenantopsProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		// data sources: keep one line per data source, sorted
		NewDRSiteDataSource,
		NewProviderVDCDataSource,
	}
}
