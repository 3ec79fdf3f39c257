// Package provider implements the tenantops Terraform provider on
// terraform-plugin-framework: one optional configuration block per backend
// and thin resources that call the clients in internal/.
package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

var _ provider.Provider = &TenantopsProvider{}

// TenantopsProvider is the provider implementation.
type TenantopsProvider struct {
	version string
}

// UserAgent is the User-Agent the provider of version sends to every
// HTTP backend: terraform-provider-tenantops/<version>.
func UserAgent(version string) string { return "terraform-provider-tenantops/" + version }

// New returns a constructor for the provider, as providerserver expects.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &TenantopsProvider{version: version} }
}

func (p *TenantopsProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "tenantops"
	resp.Version = p.version
}

func (p *TenantopsProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	blocks := map[string]schema.Block{}
	for _, b := range backendBlocks {
		blocks[b.name] = b.schema()
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The tenantops provider onboards enterprise tenants across VMware Cloud Director, " +
			"Keycloak, Active Directory, SCIM 2.0 service providers and Zerto. Each backend has its own optional " +
			"block; a resource whose backend block is missing fails with a diagnostic naming that block. Every " +
			"attribute can also be set through an environment variable (`TENANTOPS_<BLOCK>_<ATTRIBUTE>`, e.g. " +
			"`TENANTOPS_VCD_URL`). TLS certificates are always verified unless `insecure_skip_verify` is set.",
		Blocks: blocks,
	}
}

func (p *TenantopsProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	values := map[string]*blockValues{}
	for _, b := range backendBlocks {
		values[b.name] = b.values(ctx, req.Config, &resp.Diagnostics)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	data := &ProviderData{
		VCD:       settings(values["vcd"], vcdSettings),
		Keycloak:  settings(values["keycloak"], keycloakSettings),
		Directory: settings(values["directory"], directorySettings),
		SCIM:      settings(values["scim"], scimSettings),
		Zerto:     settings(values["zerto"], zertoSettings),
		UserAgent: UserAgent(p.version),
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.ResourceData = data
	resp.DataSourceData = data
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
		NewSSOUserResource,
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
