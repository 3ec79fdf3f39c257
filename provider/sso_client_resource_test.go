package provider

import (
	"errors"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	kcsim "github.com/tenantops/tenantops/internal/sim/keycloak"
)

func testAccSSOClientConfig(s *kcsim.Server, name string, redirects string, direct bool) string {
	return kcProvider(s) + testAccRealmHCL + fmt.Sprintf(`
resource "tenantops_sso_client" "portal" {
  realm                        = tenantops_sso_realm.r.realm
  client_id                    = "tenant-portal"
  name                         = %q
  redirect_uris                = [%s]
  web_origins                  = ["+"]
  direct_access_grants_enabled = %t
}
`, name, redirects, direct)
}

func TestAccSSOClient_lifecycle(t *testing.T) {
	t.Parallel()
	s := startKeycloakSim(t)
	const addr = "tenantops_sso_client.portal"
	var firstID string
	updated := testAccSSOClientConfig(s, "Tenant Portal",
		`"https://portal.acme.example/callback", "https://portal.acme.example/silent"`, true)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             nothingLeft("Keycloak", s.Inventory),
		Steps: []resource.TestStep{
			{
				Config: testAccSSOClientConfig(s, "Portal", `"https://portal.acme.example/callback"`, false),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("public_client"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("redirect_uris"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("https://portal.acme.example/callback")})),
					statecheck.ExpectSensitiveValue(addr, tfjsonpath.New("client_secret")),
				},
				ConfigPlanChecks: emptyAfterApply(),
				Check: resource.ComposeTestCheckFunc(
					captureID(addr, &firstID),
					func(st *terraform.State) error {
						rs := st.RootModule().Resources[addr].Primary
						c := s.Client("acme", "tenant-portal")
						if c == nil {
							return errors.New("client not in simulator")
						}
						return errors.Join(
							kcExpectEq("client_secret", rs.Attributes["client_secret"], c["secret"].(string)),
							kcExpectEq("id", rs.ID, c["id"].(string)),
						)
					},
				),
			},
			{
				// A setting made in Keycloak's console survives our update.
				PreConfig: outOfBand(t, "consentRequired on the client", func() bool {
					return s.PatchClient("acme", "tenant-portal", map[string]any{"consentRequired": true})
				}),
				Config:           updated,
				ConfigPlanChecks: planIsThenEmpty(updates(addr)),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "name", "Tenant Portal"),
					resource.TestCheckResourceAttr(addr, "redirect_uris.#", "2"),
					simCheck(func() error {
						c := s.Client("acme", "tenant-portal")
						return errors.Join(
							kcExpectEq("directAccessGrantsEnabled", c["directAccessGrantsEnabled"], any(true)),
							kcExpectEq("consentRequired (unmanaged)", c["consentRequired"], any(true)),
							kcExpectEq("id unchanged", c["id"].(string), firstID),
						)
					}),
				),
			},
			importStep(addr, "acme/tenant-portal"),
			{
				PreConfig:        outOfBand(t, "delete of the client", func() bool { return s.DeleteClient("acme", "tenant-portal") }),
				Config:           updated,
				ConfigPlanChecks: planIs(creates(addr), leaves("tenantops_sso_realm.r")),
			},
			{
				// The whole realm deleted out of band: both are re-created,
				// the client's refresh does not fail on the missing realm.
				PreConfig:        outOfBand(t, "delete of realm acme", func() bool { return s.DeleteRealm("acme") }),
				Config:           updated,
				ConfigPlanChecks: planIsThenEmpty(creates(addr), creates("tenantops_sso_realm.r")),
			},
		},
	})
}

func TestAccSSOClient_backendFault(t *testing.T) {
	t.Parallel()
	s := startKeycloakSim(t)
	s.Faults.Add(kcFault("POST", `/admin/realms/acme/clients$`, 400, `{"errorMessage":"Client id tenant-portal is reserved"}`))
	testAccRefused(t, nothingLeft("Keycloak", s.Inventory),
		testAccSSOClientConfig(s, "Portal", `"https://portal.acme.example/callback"`, false),
		regexp.MustCompile(`Unable to create client "tenant-portal" in realm "acme"(.|\n)*Keycloak: 400 Bad(.|\n)*Client id tenant-portal(.|\n)*is reserved`))
}
