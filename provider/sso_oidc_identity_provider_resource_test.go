package provider

import (
	"errors"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/tenantops/tenantops/internal/sim/fault"
	kcsim "github.com/tenantops/tenantops/internal/sim/keycloak"
)

func testAccSSOOIDCConfig(s *kcsim.Server, display, secret string) string {
	return kcProvider(s) + fmt.Sprintf(`
resource "tenantops_sso_realm" "r" {
  realm = "acme"
}

resource "tenantops_sso_oidc_identity_provider" "entra" {
  realm             = tenantops_sso_realm.r.realm
  alias             = "acme-entra"
  display_name      = %q
  authorization_url = "https://login.example.com/acme/oauth2/v2.0/authorize"
  token_url         = "https://login.example.com/acme/oauth2/v2.0/token"
  jwks_url          = "https://login.example.com/acme/discovery/v2.0/keys"
  issuer            = "https://login.example.com/acme/v2.0"
  client_id         = "0f1e2d3c"
  client_secret     = %q
  trust_email       = true
}
`, display, secret)
}

func idpConfigValue(s *kcsim.Server, alias, key string) string {
	i := s.IdentityProvider("acme", alias)
	if i == nil {
		return "<missing>"
	}
	cfg, _ := i["config"].(map[string]any)
	v, _ := cfg[key].(string)
	return v
}

func TestAccSSOOIDCIdentityProvider_lifecycle(t *testing.T) {
	t.Parallel()
	s := startKeycloakSim(t)
	const addr = "tenantops_sso_oidc_identity_provider.entra"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             kcNothingLeft(s),
		Steps: []resource.TestStep{
			{
				Config: testAccSSOOIDCConfig(s, "Acme Entra ID", "secret-one"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact("acme/acme-entra")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("client_secret"), knownvalue.StringExact("secret-one")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("pkce_method"), knownvalue.StringExact("S256")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("validate_signature"), knownvalue.Bool(true)),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: kcCheck(func() error {
					return errors.Join(
						kcExpectEq("clientSecret", idpConfigValue(s, "acme-entra", "clientSecret"), "secret-one"),
						kcExpectEq("useJwksUrl", idpConfigValue(s, "acme-entra", "useJwksUrl"), "true"),
						kcExpectEq("providerId", s.IdentityProvider("acme", "acme-entra")["providerId"], any("oidc")),
					)
				}),
			},
			{
				// A rotated secret shows in the plan even though Keycloak only
				// ever answers "**********", and is written in full.
				PreConfig: func() { s.PatchIdentityProviderConfig("acme", "acme-entra", "prompt", "login") },
				Config:    testAccSSOOIDCConfig(s, "Acme Entra ID", "secret-two"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("client_secret"), knownvalue.StringExact("secret-two")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: kcCheck(func() error {
					return errors.Join(
						kcExpectEq("clientSecret", idpConfigValue(s, "acme-entra", "clientSecret"), "secret-two"),
						kcExpectEq("prompt (unmanaged)", idpConfigValue(s, "acme-entra", "prompt"), "login"),
					)
				}),
			},
			{
				Config: testAccSSOOIDCConfig(s, "Log in with Acme", "secret-two"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: kcCheck(func() error {
					return errors.Join(
						kcExpectEq("displayName", s.IdentityProvider("acme", "acme-entra")["displayName"], any("Log in with Acme")),
						kcExpectEq("clientSecret kept", idpConfigValue(s, "acme-entra", "clientSecret"), "secret-two"),
					)
				}),
			},
			{ResourceName: addr, ImportState: true, ImportStateId: "acme/acme-entra", ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"client_secret"}},
			{
				PreConfig: func() {
					if !s.DeleteIdentityProvider("acme", "acme-entra") {
						t.Fatal("identity provider not in simulator")
					}
				},
				Config: testAccSSOOIDCConfig(s, "Log in with Acme", "secret-two"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)},
				},
			},
		},
	})
}

func TestAccSSOOIDCIdentityProvider_backendFault(t *testing.T) {
	t.Parallel()
	s := startKeycloakSim(t)
	s.Faults.Add(fault.Rule{Method: "POST", Path: `/identity-provider/instances$`, Kind: fault.Status, Status: 500,
		ContentType: "application/json", Body: `{"errorMessage":"Could not create the identity provider."}`})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             kcNothingLeft(s),
		Steps: []resource.TestStep{{
			Config:      testAccSSOOIDCConfig(s, "Acme", "secret-one"),
			ExpectError: regexp.MustCompile(`Unable to create OIDC identity provider "acme-entra" in realm(.|\n)*Could not create(.|\n)*the identity provider`),
		}},
	})
}
