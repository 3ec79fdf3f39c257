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

	kcsim "github.com/tenantops/tenantops/internal/sim/keycloak"
)

func testAccSSOOIDCConfig(s *kcsim.Server, display, secret string) string {
	return testAccSSOOIDCConfigWith(s, display, fmt.Sprintf("  client_secret     = %q\n", secret))
}

// testAccSSOOIDCConfigWith is testAccSSOOIDCConfig with the secret set by
// the given lines.
func testAccSSOOIDCConfigWith(s *kcsim.Server, display, secret string) string {
	return kcProvider(s) + testAccRealmHCL + fmt.Sprintf(`
resource "tenantops_sso_oidc_identity_provider" "entra" {
  realm             = tenantops_sso_realm.r.realm
  alias             = "acme-entra"
  display_name      = %q
  authorization_url = "https://login.example.com/acme/oauth2/v2.0/authorize"
  token_url         = "https://login.example.com/acme/oauth2/v2.0/token"
  jwks_url          = "https://login.example.com/acme/discovery/v2.0/keys"
  issuer            = "https://login.example.com/acme/v2.0"
  client_id         = "0f1e2d3c"
%s  trust_email       = true
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
	renamed := testAccSSOOIDCConfig(s, "Log in with Acme", "secret-two")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             nothingLeft("Keycloak", s.Inventory),
		Steps: []resource.TestStep{
			{
				Config: testAccSSOOIDCConfig(s, "Acme Entra ID", "secret-one"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact("acme/acme-entra")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("client_secret"), knownvalue.StringExact("secret-one")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("pkce_method"), knownvalue.StringExact("S256")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("validate_signature"), knownvalue.Bool(true)),
				},
				ConfigPlanChecks: emptyAfterApply(),
				Check: simCheck(func() error {
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
				ConfigPlanChecks: planIsThenEmpty(updates(addr),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("client_secret"), knownvalue.StringExact("secret-two"))),
				Check: simCheck(func() error {
					return errors.Join(
						kcExpectEq("clientSecret", idpConfigValue(s, "acme-entra", "clientSecret"), "secret-two"),
						kcExpectEq("prompt (unmanaged)", idpConfigValue(s, "acme-entra", "prompt"), "login"),
					)
				}),
			},
			{
				Config:           renamed,
				ConfigPlanChecks: planIsThenEmpty(updates(addr)),
				Check: simCheck(func() error {
					return errors.Join(
						kcExpectEq("displayName", s.IdentityProvider("acme", "acme-entra")["displayName"], any("Log in with Acme")),
						kcExpectEq("clientSecret kept", idpConfigValue(s, "acme-entra", "clientSecret"), "secret-two"),
					)
				}),
			},
			importStep(addr, "acme/acme-entra", "client_secret"),
			{
				PreConfig: outOfBand(t, "delete of the identity provider", func() bool {
					return s.DeleteIdentityProvider("acme", "acme-entra")
				}),
				Config:           renamed,
				ConfigPlanChecks: planIs(creates(addr)),
			},
		},
	})
}

// TestAccSSOOIDCIdentityProvider_writeOnly: client_secret_wo reaches
// Keycloak on create and when its version changes, never plan or state;
// moving to the Sensitive form and back sends each form's secret.
func TestAccSSOOIDCIdentityProvider_writeOnly(t *testing.T) {
	t.Parallel()
	s := startKeycloakSim(t)
	const addr = "tenantops_sso_oidc_identity_provider.entra"
	secrets := []string{"wo-secret-one", "wo-secret-two", "wo-secret-three"}
	config := func(secret string, version int) string {
		return testAccSSOOIDCConfigWith(s, "Acme Entra ID", writeOnlyHCL("client_secret", secret, version))
	}
	secretIs := func(want string) resource.TestCheckFunc {
		return simCheck(func() error { return kcExpectEq("clientSecret", idpConfigValue(s, "acme-entra", "clientSecret"), want) })
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             nothingLeft("Keycloak", s.Inventory),
		Steps: writeOnlySteps(t, "client_secret",
			resource.TestStep{
				Config:            config("wo-secret-one", 1),
				ConfigPlanChecks:  writeOnlyPlanned(addr, "client_secret", secrets, creates(addr)),
				ConfigStateChecks: writeOnlyStateIs(addr, "client_secret", 1, secrets...),
				Check:             secretIs("wo-secret-one"),
			},
			resource.TestStep{
				// A new secret alone is invisible to the engine: nothing to do.
				Config:           config("wo-secret-two", 1),
				ConfigPlanChecks: planIs(noChanges()),
				Check:            secretIs("wo-secret-one"),
			},
			resource.TestStep{
				Config:            config("wo-secret-two", 2),
				ConfigPlanChecks:  writeOnlyPlanned(addr, "client_secret", secrets, updates(addr)),
				ConfigStateChecks: writeOnlyStateIs(addr, "client_secret", 2, secrets...),
				Check:             secretIs("wo-secret-two"),
			},
			importStep(addr, "acme/acme-entra", "client_secret_wo_version"),
			resource.TestStep{
				Config:           testAccSSOOIDCConfig(s, "Acme Entra ID", "plain-secret"),
				ConfigPlanChecks: planIsThenEmpty(updates(addr)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("client_secret"), knownvalue.StringExact("plain-secret")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("client_secret_wo_version"), knownvalue.Null()),
				},
				Check: secretIs("plain-secret"),
			},
			resource.TestStep{
				// Back to the write-only form: the plain secret leaves the state.
				Config:            config("wo-secret-three", 3),
				ConfigPlanChecks:  planIsThenEmpty(updates(addr)),
				ConfigStateChecks: writeOnlyStateIs(addr, "client_secret", 3, append(secrets, "plain-secret")...),
				Check:             secretIs("wo-secret-three"),
			},
		),
	})
}

func TestAccSSOOIDCIdentityProvider_backendFault(t *testing.T) {
	t.Parallel()
	s := startKeycloakSim(t)
	s.Faults.Add(kcFault("POST", `/identity-provider/instances$`, 500, `{"errorMessage":"Could not create the identity provider."}`))
	testAccRefused(t, nothingLeft("Keycloak", s.Inventory), testAccSSOOIDCConfig(s, "Acme", "secret-one"),
		regexp.MustCompile(`Unable to create OIDC identity provider "acme-entra" in realm(.|\n)*Could not create(.|\n)*the identity provider`))
}
