package provider

import (
	"fmt"
	"strconv"
	"strings"
)

// HCL the acceptance tests share: the provider block and the fixtures
// (tenant, VDC, realm) that the resources under test live in.

// providerHCL is the provider block holding the given backend blocks.
func providerHCL(blocks ...string) string {
	return "\nprovider \"tenantops\" {\n" + strings.Join(blocks, "") + "}\n"
}

// backendHCL is one backend block of the provider: attrs are name, value
// pairs written as HCL strings, and caPEM (none when empty) is the CA to
// trust, as a heredoc.
func backendHCL(name, caPEM string, attrs ...string) string {
	if len(attrs)%2 != 0 {
		panic("backendHCL: attrs must be name, value pairs")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  %s {\n", name)
	for i := 0; i < len(attrs); i += 2 {
		fmt.Fprintf(&b, "    %s = %s\n", attrs[i], hclStr(attrs[i+1]))
	}
	if caPEM != "" {
		fmt.Fprintf(&b, "    ca_pem = <<EOT\n%sEOT\n", caPEM)
	}
	b.WriteString("  }\n")
	return b.String()
}

// hclStr quotes s as an HCL string literal.
func hclStr(s string) string {
	q := strconv.Quote(s)
	q = strings.ReplaceAll(q, "${", "$${")
	return strings.ReplaceAll(q, "%{", "%%{")
}

// tenantHCL is tenantops_tenant.t; extra is spliced into the block.
func tenantHCL(name, fullName, extra string) string {
	return fmt.Sprintf(`
resource "tenantops_tenant" "t" {
  name      = %q
  full_name = %q
%s}
`, name, fullName, extra)
}

// testAccTenantHCL is the tenant most Cloud Director tests build on.
var testAccTenantHCL = tenantHCL("acme", "Acme Corp", "")

// vdcHCL is tenantops_tenant_vdc.v, a small VDC of tenantops_tenant.t
// with the gold storage profile: the home of the tenant's vApps.
func vdcHCL(name string) string {
	return fmt.Sprintf(`
resource "tenantops_tenant_vdc" "v" {
  org              = tenantops_tenant.t.name
  name             = %q
  provider_vdc     = "pvdc-1"
  allocation_model = "AllocationVApp"
  network_pool     = "np-1"
  storage_profiles = [{ name = "gold", default = true }]
}
`, name)
}

// placedVDCHCL is tenantops_tenant_vdc.<res>, a Flex VDC of the acme
// tenant placed where the tenantops_provider_vdc data source p says: its
// first network pool and its storage profile number profile.
func placedVDCHCL(res, name string, profile int) string {
	return fmt.Sprintf(`
data "tenantops_provider_vdc" "p" {
  name = "pvdc-1"
}

resource "tenantops_tenant_vdc" %q {
  org              = tenantops_tenant.t.name
  name             = %q
  provider_vdc     = data.tenantops_provider_vdc.p.name
  allocation_model = "Flex"
  network_pool     = data.tenantops_provider_vdc.p.network_pools[0]
  storage_profiles = [{ name = data.tenantops_provider_vdc.p.storage_profiles[%d], default = true }]
}
`, res, name, profile)
}

// testAccRealmHCL is the realm the Keycloak resources under test live in.
const testAccRealmHCL = `
resource "tenantops_sso_realm" "r" {
  realm = "acme"
}
`
