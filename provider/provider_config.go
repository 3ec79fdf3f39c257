package provider

import (
	"context"
	"os"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/tlsutil"
)

// backendBlock is one backend's block of the provider configuration. Every
// attribute is optional in HCL and falls back to the environment variable
// TENANTOPS_<BLOCK>_<ATTRIBUTE>; every block also takes the TLS attributes.
type backendBlock struct {
	name, desc string
	attrs      []blockAttr
}

// blockAttr is one attribute of a backendBlock.
type blockAttr struct {
	name, desc string
	secret     bool // Sensitive: a password, secret or token
	boolean    bool
}

// tlsAttrs are the attributes every block has for its TLS connection.
var tlsAttrs = []blockAttr{
	{name: "ca_file", desc: "Path of a PEM file with a private CA to trust in addition to the system pool."},
	{name: "ca_pem", desc: "PEM text of a private CA to trust in addition to the system pool."},
	{name: "insecure_skip_verify", desc: "Skip TLS certificate verification. Never the default; for lab use only.", boolean: true},
}

var backendBlocks = []backendBlock{
	{"vcd", "VMware Cloud Director (for `tenantops_tenant`, `tenantops_tenant_vdc`, `tenantops_tenant_sso`, `tenantops_provider_vdc`).",
		[]blockAttr{
			{name: "url", desc: "Base URL of Cloud Director, e.g. `https://vcd.example.com`."},
			{name: "user", desc: "Provider administrator user name."},
			{name: "password", desc: "Password of `user`.", secret: true},
			{name: "org", desc: "Organization to log in to; `System` for provider administrators (default)."},
			{name: "api_token", desc: "API token used instead of `user`/`password`.", secret: true},
		}},
	{"keycloak", "Keycloak admin API (for the `tenantops_sso_*` resources).",
		[]blockAttr{
			{name: "url", desc: "Base URL of Keycloak, e.g. `https://sso.example.com`."},
			{name: "realm", desc: "Realm the admin client lives in (default `master`)."},
			{name: "client_id", desc: "Admin client id for the client-credentials grant (preferred), or `admin-cli` with `username`/`password`."},
			{name: "client_secret", desc: "Secret of `client_id`.", secret: true},
			{name: "username", desc: "Admin user for the password grant."},
			{name: "password", desc: "Password of `username`.", secret: true},
		}},
	{"directory", "Active Directory over LDAPS (for the `tenantops_directory_*` resources).",
		[]blockAttr{
			{name: "url", desc: "`ldaps://host:636` (or `ldap://host:389` with `start_tls = true`)."},
			{name: "bind_dn", desc: "DN to bind as."},
			{name: "bind_password", desc: "Password of `bind_dn`.", secret: true},
			{name: "start_tls", desc: "Upgrade an `ldap://` connection with StartTLS.", boolean: true},
		}},
	{"scim", "A SCIM 2.0 service provider (for the `tenantops_scim_*` resources).",
		[]blockAttr{
			{name: "url", desc: "SCIM base URL, e.g. `https://idm.example.com/scim/v2`."},
			{name: "token", desc: "Bearer token.", secret: true},
		}},
	{"zerto", "Zerto Virtual Manager REST API (for `tenantops_dr_protection_group` and `tenantops_dr_site`).",
		[]blockAttr{
			{name: "url", desc: "ZVM base URL, e.g. `https://zvm.example.com`."},
			{name: "client_id", desc: "Client id for the appliance's Keycloak client-credentials flow."},
			{name: "client_secret", desc: "Secret of `client_id`.", secret: true},
			{name: "username", desc: "User for the legacy session login (`POST /v1/session/add`)."},
			{name: "password", desc: "Password of `username`.", secret: true},
			{name: "auth_mode", desc: "`keycloak` (ZVM appliance, default when `client_id` is set) or `session` (legacy Windows ZVM)."},
		}},
}

// env is the environment variable an attribute of block falls back to.
func env(block, attr string) string { return "TENANTOPS_" + envName(block) + "_" + envName(attr) }

// schema is the block's schema, each attribute's description naming its
// environment variable.
func (b backendBlock) schema() schema.SingleNestedBlock {
	attrs := map[string]schema.Attribute{}
	for _, a := range append(append([]blockAttr{}, b.attrs...), tlsAttrs...) {
		desc := a.desc + " Env: `" + env(b.name, a.name) + "`."
		if a.boolean {
			attrs[a.name] = schema.BoolAttribute{Optional: true, MarkdownDescription: desc}
		} else {
			attrs[a.name] = schema.StringAttribute{Optional: true, Sensitive: a.secret, MarkdownDescription: desc}
		}
	}
	return schema.SingleNestedBlock{MarkdownDescription: b.desc, Attributes: attrs}
}

// values reads the block from the configuration: nil when the backend is
// not configured, neither in HCL nor by its TENANTOPS_<BLOCK>_URL variable.
func (b backendBlock) values(ctx context.Context, config tfsdk.Config, diags *diag.Diagnostics) *blockValues {
	var obj types.Object
	diags.Append(config.GetAttribute(ctx, path.Root(b.name), &obj)...)
	if obj.IsNull() && os.Getenv(env(b.name, "url")) == "" {
		return nil
	}
	return &blockValues{block: b.name, hcl: obj.Attributes(), diags: diags}
}

// blockValues are the settings of one block: the value in HCL where set,
// else the environment variable's.
type blockValues struct {
	block string
	hcl   map[string]attr.Value
	diags *diag.Diagnostics
}

func (v *blockValues) str(name string) string {
	if s, ok := v.hcl[name].(types.String); ok && !s.IsNull() && !s.IsUnknown() {
		return s.ValueString()
	}
	return os.Getenv(env(v.block, name))
}

func (v *blockValues) boolean(name string) bool {
	if b, ok := v.hcl[name].(types.Bool); ok && !b.IsNull() && !b.IsUnknown() {
		return b.ValueBool()
	}
	name = env(v.block, name)
	s := os.Getenv(name)
	if s == "" {
		return false
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		v.diags.AddError("Invalid environment variable "+name, "Expected true or false, got "+strconv.Quote(s)+".")
	}
	return b
}

func (v *blockValues) tls() tlsutil.Options {
	return tlsutil.Options{CAFile: v.str("ca_file"), CAPEM: v.str("ca_pem"), InsecureSkipVerify: v.boolean("insecure_skip_verify")}
}

// require reports the attribute attr of the block missing when value,
// which is its resolved value, is empty.
func (v *blockValues) require(attr, value string) {
	if value != "" {
		return
	}
	v.diags.AddAttributeError(path.Root(v.block).AtName(attr), "Missing "+v.block+"."+attr,
		"The "+v.block+" block needs "+attr+" (or the environment variable "+env(v.block, attr)+").")
}

// settings resolves a block with build, nil when the block is absent.
func settings[T any](v *blockValues, build func(*blockValues) *T) *T {
	if v == nil {
		return nil
	}
	return build(v)
}

func vcdSettings(v *blockValues) *VCDSettings {
	s := &VCDSettings{URL: v.str("url"), User: v.str("user"), Password: v.str("password"), Org: v.str("org"),
		APIToken: v.str("api_token"), TLS: v.tls()}
	if s.Org == "" {
		s.Org = "System"
	}
	v.require("url", s.URL)
	if s.APIToken == "" {
		v.require("user", s.User)
		v.require("password", s.Password)
	}
	return s
}

func keycloakSettings(v *blockValues) *KeycloakSettings {
	s := &KeycloakSettings{URL: v.str("url"), Realm: v.str("realm"), ClientID: v.str("client_id"),
		ClientSecret: v.str("client_secret"), Username: v.str("username"), Password: v.str("password"), TLS: v.tls()}
	if s.Realm == "" {
		s.Realm = "master"
	}
	v.require("url", s.URL)
	if s.ClientSecret == "" && s.Password == "" {
		v.diags.AddAttributeError(path.Root("keycloak"), "Missing Keycloak credentials",
			"The keycloak block needs client_id and client_secret (client credentials) or username and password (password grant).")
	}
	return s
}

func directorySettings(v *blockValues) *DirectorySettings {
	s := &DirectorySettings{URL: v.str("url"), BindDN: v.str("bind_dn"), BindPassword: v.str("bind_password"),
		StartTLS: v.boolean("start_tls"), TLS: v.tls()}
	v.require("url", s.URL)
	v.require("bind_dn", s.BindDN)
	v.require("bind_password", s.BindPassword)
	return s
}

func scimSettings(v *blockValues) *SCIMSettings {
	s := &SCIMSettings{URL: v.str("url"), Token: v.str("token"), TLS: v.tls()}
	v.require("url", s.URL)
	return s
}

func zertoSettings(v *blockValues) *ZertoSettings {
	s := &ZertoSettings{URL: v.str("url"), ClientID: v.str("client_id"), ClientSecret: v.str("client_secret"),
		Username: v.str("username"), Password: v.str("password"), AuthMode: v.str("auth_mode"), TLS: v.tls()}
	if s.AuthMode == "" {
		s.AuthMode = "keycloak"
		if s.ClientID == "" && s.Username != "" {
			s.AuthMode = "session"
		}
	}
	v.require("url", s.URL)
	if m := s.AuthMode; m != "keycloak" && m != "session" {
		v.diags.AddAttributeError(path.Root("zerto").AtName("auth_mode"), "Invalid Zerto auth_mode",
			`auth_mode must be "keycloak" or "session", got "`+m+`".`)
	}
	return s
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
