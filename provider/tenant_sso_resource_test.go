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

	"github.com/tenantops/tenantops/internal/sim/fault"
	simvcd "github.com/tenantops/tenantops/internal/sim/vcd"
)

const testAccIssuer = "https://sso.example.com/realms/acme"

func testAccSSOConfig(s *simvcd.Server, secret, extra string) string {
	return testAccSSOConfigIssuer(s, testAccIssuer, secret, extra)
}

func testAccSSOConfigIssuer(s *simvcd.Server, issuer, secret, extra string) string {
	return vcdProvider(s) + testAccTenantHCL + fmt.Sprintf(`
resource "tenantops_tenant_sso" "s" {
  org                 = tenantops_tenant.t.name
  client_id           = "vcd-portal"
  client_secret       = %q
  well_known_endpoint = "%s/.well-known/openid-configuration"
%s
}
`, secret, issuer, extra)
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
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            resource.ComposeTestCheckFunc(vcdInventoryIs(s, "oidc/acme", "org/acme"), vcdSecretIs(s, "acme", "first-secret")),
			},
			{
				// A new secret (never readable back) and an explicit claim: in place.
				Config: testAccSSOConfig(s, "rotated-secret", `  claim_subject = "preferred_username"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("claim_subject"), knownvalue.StringExact("preferred_username")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("claim_email"), knownvalue.StringExact("email")),
				},
				Check: vcdSecretIs(s, "acme", "rotated-secret"),
			},
			{ResourceName: addr, ImportState: true, ImportStateId: "acme", ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"client_secret", "timeouts"}},
			{
				// Another identity provider: what it derives is re-read, what is
				// set explicitly stays.
				Config: testAccSSOConfigIssuer(s, "https://sso2.example.com/realms/acme", "rotated-secret", `  claim_subject = "preferred_username"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(addr, tfjsonpath.New("issuer")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("issuer"), knownvalue.StringExact("https://sso2.example.com/realms/acme")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("token_endpoint"), knownvalue.StringExact("https://sso2.example.com/realms/acme/protocol/openid-connect/token")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("claim_subject"), knownvalue.StringExact("preferred_username")),
				},
			},
			{
				PreConfig: func() { s.DeleteOIDC("acme") },
				Config:    testAccSSOConfig(s, "rotated-secret", `  claim_subject = "preferred_username"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(vcdInventoryIs(s, "oidc/acme", "org/acme"), vcdSecretIs(s, "acme", "rotated-secret")),
			},
			{
				// Removing the resource removes the settings, the tenant stays.
				Config: vcdProvider(s) + testAccTenantHCL,
				Check:  vcdInventoryIs(s, "org/acme"),
			},
		},
	})
}

func TestAccTenantSSO_explicitAndFailures(t *testing.T) {
	t.Parallel()
	s := startVCDSim(t)
	explicit := vcdProvider(s) + testAccTenantHCL + `
resource "tenantops_tenant_sso" "s" {
  org                    = tenantops_tenant.t.name
  client_id              = "vcd-portal"
  client_secret          = "s3cret"
  issuer                 = "https://idp.example.com"
  authorization_endpoint = "https://idp.example.com/authorize"
  token_endpoint         = "https://idp.example.com/token"
  userinfo_endpoint      = "https://idp.example.com/userinfo"
  scopes                 = ["openid", "email"]
  claim_subject          = "sub"
  claim_email            = "email"
  claim_full_name        = "name"
  claim_first_name       = "given_name"
  claim_last_name        = "family_name"
  keys = [{ key_id = "k1", algorithm = "RSA", pem = "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n" }]
}
`
	var removeFault func()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             vcdInventoryIs(s),
		Steps: []resource.TestStep{
			{
				// Without a well-known endpoint the endpoints are required (plan time).
				Config: vcdProvider(s) + testAccTenantHCL + `
resource "tenantops_tenant_sso" "s" {
  org           = tenantops_tenant.t.name
  client_id     = "vcd-portal"
  client_secret = "s3cret"
}
`,
				ExpectError: diagRE("Without well_known_endpoint, authorization_endpoint must be set"),
			},
			{
				PreConfig: func() {
					removeFault = s.Faults.Add(fault.Rule{Method: "PUT", Path: `/settings/oauth$`, Kind: fault.Status, Status: 400,
						ContentType: "application/vnd.vmware.vcloud.error+xml",
						Body: `<Error xmlns="http://www.vmware.com/vcloud/v1.5" majorErrorCode="400" minorErrorCode="BAD_REQUEST" ` +
							`message="[ 77aa ] Client vcd-portal is not registered at the identity provider"/>`})
				},
				Config:      explicit,
				ExpectError: diagRE(`Unable to configure SSO of tenant "acme"`, "Cloud Director:", "Client vcd-portal is not registered at the identity provider"),
			},
			{
				PreConfig: func() { vcdHolds(t, s, "org/acme")(); removeFault() },
				Config: vcdProvider(s) + testAccTenantHCL + `
resource "tenantops_tenant_sso" "s" {
  org                 = tenantops_tenant.t.name
  client_id           = "vcd-portal"
  client_secret       = "s3cret"
  well_known_endpoint = "https://idp.invalid/.well-known/openid-configuration"
}
`,
				ExpectError: diagRE(`Unable to configure SSO of tenant "acme"`, "could not establish a connection to https://idp.invalid"),
			},
			{
				Config: explicit,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("tenantops_tenant_sso.s", tfjsonpath.New("keys").AtSliceIndex(0).AtMapKey("key_id"), knownvalue.StringExact("k1")),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            vcdInventoryIs(s, "oidc/acme", "org/acme"),
			},
		},
	})
}
