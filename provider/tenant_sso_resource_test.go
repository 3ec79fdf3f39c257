package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	simvcd "github.com/tenantops/tenantops/internal/sim/vcd"
)

const testAccIssuer = "https://sso.example.com/realms/acme"

func testAccSSOConfig(s *simvcd.Server, secret, extra string) string {
	return testAccSSOConfigIssuer(s, testAccIssuer, secret, extra)
}

func testAccSSOConfigIssuer(s *simvcd.Server, issuer, secret, extra string) string {
	return vcdProvider(s) + testAccTenantHCL + tenantSSOHCL(secret, wellKnown(issuer)+"\n"+extra)
}

// tenantSSOHCL is tenantops_tenant_sso.s of the acme tenant; settings are
// spliced into the block.
func tenantSSOHCL(secret, settings string) string {
	return tenantSSOHCLWith(fmt.Sprintf("  client_secret = %q\n", secret), settings)
}

// tenantSSOHCLWith is tenantSSOHCL with the secret set by the given lines.
func tenantSSOHCLWith(secret, settings string) string {
	return fmt.Sprintf(`
resource "tenantops_tenant_sso" "s" {
  org           = tenantops_tenant.t.name
  client_id     = "vcd-portal"
%s%s
}
`, secret, settings)
}

// wellKnown is the setting that has Cloud Director discover the endpoints
// of issuer.
func wellKnown(issuer string) string {
	return fmt.Sprintf(`  well_known_endpoint = "%s/.well-known/openid-configuration"`, issuer)
}

// vcdSecretIs checks the client secret Cloud Director stored.
func vcdSecretIs(s *simvcd.Server, org, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got, _ := s.OIDCClientSecret(org); got != want {
			return fmt.Errorf("Cloud Director holds client secret %q, want %q", got, want)
		}
		return nil
	}
}

func TestAccTenantSSO_lifecycle(t *testing.T) {
	t.Parallel()
	s := startVCDSim(t)
	const addr = "tenantops_tenant_sso.s"
	rotated := testAccSSOConfig(s, "rotated-secret", `  claim_subject = "preferred_username"`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             vcdInventoryIs(s),
		Steps: []resource.TestStep{
			{
				Config: testAccSSOConfig(s, "first-secret", ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("issuer"), knownvalue.StringExact(testAccIssuer)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("authorization_endpoint"), knownvalue.StringExact(testAccIssuer+"/protocol/openid-connect/auth")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("claim_subject"), knownvalue.StringExact("sub")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("scopes"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("openid"), knownvalue.StringExact("profile"), knownvalue.StringExact("email")})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("keys"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectSensitiveValue(addr, tfjsonpath.New("client_secret")),
				},
				ConfigPlanChecks: emptyAfterApply(),
				Check:            resource.ComposeTestCheckFunc(vcdInventoryIs(s, "oidc/acme", "org/acme"), vcdSecretIs(s, "acme", "first-secret")),
			},
			{
				// A new secret (never readable back) and an explicit claim: in place.
				Config:           rotated,
				ConfigPlanChecks: planIsThenEmpty(updates(addr)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("claim_subject"), knownvalue.StringExact("preferred_username")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("claim_email"), knownvalue.StringExact("email")),
				},
				Check: vcdSecretIs(s, "acme", "rotated-secret"),
			},
			importStep(addr, "acme", "client_secret", "timeouts"),
			{
				// Another identity provider: what it derives is re-read, what is
				// set explicitly stays.
				Config:           testAccSSOConfigIssuer(s, "https://sso2.example.com/realms/acme", "rotated-secret", `  claim_subject = "preferred_username"`),
				ConfigPlanChecks: planIsThenEmpty(updates(addr), plancheck.ExpectUnknownValue(addr, tfjsonpath.New("issuer"))),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("issuer"), knownvalue.StringExact("https://sso2.example.com/realms/acme")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("token_endpoint"), knownvalue.StringExact("https://sso2.example.com/realms/acme/protocol/openid-connect/token")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("claim_subject"), knownvalue.StringExact("preferred_username")),
				},
			},
			{
				PreConfig:        outOfBand(t, "delete of the OIDC settings of acme", func() bool { return s.DeleteOIDC("acme") }),
				Config:           rotated,
				ConfigPlanChecks: planIsThenEmpty(creates(addr)),
				Check:            resource.ComposeTestCheckFunc(vcdInventoryIs(s, "oidc/acme", "org/acme"), vcdSecretIs(s, "acme", "rotated-secret")),
			},
			{
				// Removing the resource removes the settings, the tenant stays.
				Config: vcdProvider(s) + testAccTenantHCL,
				Check:  vcdInventoryIs(s, "org/acme"),
			},
		},
	})
}

// TestAccTenantSSO_writeOnly: client_secret_wo reaches Cloud Director on
// create, when its version changes and with every other change (Cloud
// Director wants it with each), never plan or state.
func TestAccTenantSSO_writeOnly(t *testing.T) {
	t.Parallel()
	s := startVCDSim(t)
	const addr = "tenantops_tenant_sso.s"
	secrets := []string{"wo-portal-one", "wo-portal-two", "wo-portal-three"}
	config := func(secret string, version int, claim string) string {
		return vcdProvider(s) + testAccTenantHCL + tenantSSOHCLWith(writeOnlyHCL("client_secret", secret, version),
			wellKnown(testAccIssuer)+fmt.Sprintf("\n  claim_subject = %q", claim))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             vcdInventoryIs(s),
		Steps: writeOnlySteps(t, "client_secret",
			resource.TestStep{
				Config:            config("wo-portal-one", 1, "sub"),
				ConfigPlanChecks:  writeOnlyPlanned(addr, "client_secret", secrets, creates(addr)),
				ConfigStateChecks: writeOnlyStateIs(addr, "client_secret", 1, secrets...),
				Check:             vcdSecretIs(s, "acme", "wo-portal-one"),
			},
			resource.TestStep{
				// A new secret alone is invisible to the engine: nothing to do.
				Config:           config("wo-portal-two", 1, "sub"),
				ConfigPlanChecks: planIs(noChanges()),
				Check:            vcdSecretIs(s, "acme", "wo-portal-one"),
			},
			resource.TestStep{
				Config:            config("wo-portal-two", 2, "sub"),
				ConfigPlanChecks:  writeOnlyPlanned(addr, "client_secret", secrets, updates(addr)),
				ConfigStateChecks: writeOnlyStateIs(addr, "client_secret", 2, secrets...),
				Check:             vcdSecretIs(s, "acme", "wo-portal-two"),
			},
			resource.TestStep{
				// Any other change writes the settings, with the secret configured.
				Config:           config("wo-portal-three", 2, "preferred_username"),
				ConfigPlanChecks: writeOnlyPlanned(addr, "client_secret", secrets, updates(addr)),
				Check:            vcdSecretIs(s, "acme", "wo-portal-three"),
			},
			importStep(addr, "acme", "client_secret_wo_version", "timeouts"),
		),
	})
}

func TestAccTenantSSO_explicitAndFailures(t *testing.T) {
	t.Parallel()
	s := startVCDSim(t)
	explicit := vcdProvider(s) + testAccTenantHCL + tenantSSOHCL("s3cret", `  issuer                 = "https://idp.example.com"
  authorization_endpoint = "https://idp.example.com/authorize"
  token_endpoint         = "https://idp.example.com/token"
  userinfo_endpoint      = "https://idp.example.com/userinfo"
  scopes                 = ["openid", "email"]
  claim_subject          = "sub"
  claim_email            = "email"
  claim_full_name        = "name"
  claim_first_name       = "given_name"
  claim_last_name        = "family_name"
  keys = [{ key_id = "k1", algorithm = "RSA", pem = "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n" }]`)
	var removeFault func()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             vcdInventoryIs(s),
		Steps: []resource.TestStep{
			{
				// Without a well-known endpoint the endpoints are required (plan time).
				Config:      vcdProvider(s) + testAccTenantHCL + tenantSSOHCL("s3cret", ""),
				ExpectError: diagRE("Without well_known_endpoint, authorization_endpoint must be set"),
			},
			{
				PreConfig: func() {
					removeFault = s.Faults.Add(vcdFault("PUT", `/settings/oauth$`, 400, "BAD_REQUEST",
						"[ 77aa ] Client vcd-portal is not registered at the identity provider"))
				},
				Config:      explicit,
				ExpectError: diagRE(`Unable to configure SSO of tenant "acme"`, "Cloud Director:", "Client vcd-portal is not registered at the identity provider"),
			},
			{
				PreConfig:   func() { vcdHolds(t, s, "org/acme")(); removeFault() },
				Config:      vcdProvider(s) + testAccTenantHCL + tenantSSOHCL("s3cret", wellKnown("https://idp.invalid")),
				ExpectError: diagRE(`Unable to configure SSO of tenant "acme"`, "could not establish a connection to https://idp.invalid"),
			},
			{
				Config: explicit,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("tenantops_tenant_sso.s", tfjsonpath.New("keys").AtSliceIndex(0).AtMapKey("key_id"), knownvalue.StringExact("k1")),
				},
				ConfigPlanChecks: emptyAfterApply(),
				Check:            vcdInventoryIs(s, "oidc/acme", "org/acme"),
			},
		},
	})
}
