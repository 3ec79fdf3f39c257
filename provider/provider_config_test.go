package provider

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	simvcd "github.com/tenantops/tenantops/internal/sim/vcd"
	"github.com/tenantops/tenantops/internal/tlsutil"
)

// A resource whose backend block is absent fails with a diagnostic naming
// that block, for every backend.
func TestAccProviderMissingBlock(t *testing.T) {
	t.Parallel()
	cases := []struct{ block, config string }{
		{"vcd", `data "tenantops_provider_vdc" "p" { name = "pvdc-1" }`},
		{"keycloak", `resource "tenantops_sso_realm" "r" { realm = "acme" }`},
		{"directory", `resource "tenantops_directory_ou" "o" {
  name      = "acme"
  path = "DC=test,DC=local"
}`},
		{"scim", `resource "tenantops_scim_group" "g" { display_name = "admins" }`},
		{"zerto", `data "tenantops_dr_site" "s" { name = "site-recovery" }`},
	}
	for _, c := range cases {
		t.Run(c.block, func(t *testing.T) {
			testAccRefused(t, nil, providerHCL()+c.config, regexp.MustCompile(`no "`+c.block+`"\s+block`))
		})
	}
}

// Every attribute falls back to TENANTOPS_<BLOCK>_<ATTRIBUTE>; a backend
// configured only through the environment works.
func TestAccProviderEnvironmentFallback(t *testing.T) {
	setVCDEnvironment(t, startVCDSim(t))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: `data "tenantops_provider_vdc" "p" { name = "pvdc-1" }`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.tenantops_provider_vdc.p", tfjsonpath.New("name"), knownvalue.StringExact("pvdc-1")),
			},
		}},
	})
}

// setVCDEnvironment configures the vcd block for s through the environment
// alone.
func setVCDEnvironment(t *testing.T, s *simvcd.Server) {
	t.Setenv("TENANTOPS_VCD_URL", s.URL)
	t.Setenv("TENANTOPS_VCD_USER", "admin")
	t.Setenv("TENANTOPS_VCD_PASSWORD", "admin-password")
	t.Setenv("TENANTOPS_VCD_CA_PEM", s.CAPEM)
}

// HCL wins over the environment: a user set in HCL replaces the one from
// TENANTOPS_VCD_USER, so the login fails for that user.
func TestAccProviderHCLOverridesEnvironment(t *testing.T) {
	setVCDEnvironment(t, startVCDSim(t))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config:      providerHCL(backendHCL("vcd", "", "user", "nobody")) + `data "tenantops_provider_vdc" "p" { name = "pvdc-1" }`,
			ExpectError: regexp.MustCompile(`login to 127\.0\.0\.1:\d+ failed`),
		}},
	})
}

// TLS is verified by default: a backend with a private certificate and no
// ca_pem/ca_file is refused.
func TestAccProviderTLSVerifiedByDefault(t *testing.T) {
	t.Parallel()
	s := startVCDSim(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: providerHCL(backendHCL("vcd", "", "url", s.URL, "user", "admin", "password", "admin-password")) +
				`data "tenantops_provider_vdc" "p" { name = "pvdc-1" }`,
			ExpectError: regexp.MustCompile(`certificate`),
		}},
	})
}

// Incomplete blocks are rejected at configuration time, naming the attribute.
func TestAccProviderIncompleteBlock(t *testing.T) {
	t.Parallel()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config:      providerHCL(backendHCL("vcd", "", "user", "admin")) + `data "tenantops_provider_vdc" "p" { name = "pvdc-1" }`,
				ExpectError: regexp.MustCompile(`Missing vcd\.url`),
			},
			{
				Config: providerHCL(backendHCL("zerto", "", "url", "https://zvm.example.com", "auth_mode", "kerberos")) +
					`data "tenantops_dr_site" "s" { name = "site-recovery" }`,
				ExpectError: regexp.MustCompile(`Invalid Zerto auth_mode`),
			},
		},
	})
}

// A Cloud Director login that fails is reported as a failed login with the
// server's own message, never as a missing configuration, and without the
// password; a missing vcd block still says "not configured".
func TestCloudDirectorLoginFailureIsNotMissingConfiguration(t *testing.T) {
	t.Parallel()
	s := startVCDSim(t)
	const password = "wrong-password-x9"
	d := &ProviderData{VCD: &VCDSettings{URL: s.URL, User: "admin", Password: password, Org: "System",
		TLS: tlsutil.Options{CAPEM: s.CAPEM}}}
	var diags diag.Diagnostics
	_, cancel, _, ok := open(context.Background(), d, vcdBackend, "tenantops_tenant", nil, 0, &diags)
	cancel()
	if ok || !diags.HasError() {
		t.Fatal("a wrong password was accepted")
	}
	e := diags.Errors()[0]
	if e.Summary() != "Cloud Director login failed" || !strings.Contains(e.Detail(), "login to") ||
		!strings.Contains(e.Detail(), "Unauthorized") || strings.Contains(e.Summary()+e.Detail(), "not configured") ||
		strings.Contains(e.Detail(), password) {
		t.Fatalf("diagnostic %q: %q", e.Summary(), e.Detail())
	}

	diags = nil
	_, cancel, _, _ = open(context.Background(), &ProviderData{}, vcdBackend, "tenantops_tenant", nil, 0, &diags)
	cancel()
	if !diags.HasError() || diags.Errors()[0].Summary() != "Cloud Director is not configured" {
		t.Fatalf("missing block: %v", diags)
	}
}
