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
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/tenantops/tenantops/internal/sim/fault"
	kcsim "github.com/tenantops/tenantops/internal/sim/keycloak"
)

func testAccSSOClientConfig(s *kcsim.Server, name string, redirects string, direct bool) string {
	return kcProvider(s) + fmt.Sprintf(`
resource "tenantops_sso_realm" "r" {
  realm = "acme"
}

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
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             kcNothingLeft(s),
		Steps: []resource.TestStep{
			{
				Config: testAccSSOClientConfig(s, "Portal", `"https://portal.acme.example/callback"`, false),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("public_client"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("redirect_uris"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("https://portal.acme.example/callback")})),
					statecheck.ExpectSensitiveValue(addr, tfjsonpath.New("client_secret")),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: resource.ComposeTestCheckFunc(
					func(st *terraform.State) error {
						rs := st.RootModule().Resources[addr].Primary
						firstID = rs.ID
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
				PreConfig: func() { setSimClientField(t, s, "consentRequired") },
				Config: testAccSSOClientConfig(s, "Tenant Portal",
					`"https://portal.acme.example/callback", "https://portal.acme.example/silent"`, true),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "name", "Tenant Portal"),
					resource.TestCheckResourceAttr(addr, "redirect_uris.#", "2"),
					kcCheck(func() error {
						c := s.Client("acme", "tenant-portal")
						return errors.Join(
							kcExpectEq("directAccessGrantsEnabled", c["directAccessGrantsEnabled"], any(true)),
							kcExpectEq("consentRequired (unmanaged)", c["consentRequired"], any(true)),
							kcExpectEq("id unchanged", c["id"].(string), firstID),
						)
					}),
				),
			},
			{ResourceName: addr, ImportState: true, ImportStateId: "acme/tenant-portal", ImportStateVerify: true},
			{
				PreConfig: func() {
					if !s.DeleteClient("acme", "tenant-portal") {
						t.Fatal("client not in simulator")
					}
				},
				Config: testAccSSOClientConfig(s, "Tenant Portal",
					`"https://portal.acme.example/callback", "https://portal.acme.example/silent"`, true),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction("tenantops_sso_realm.r", plancheck.ResourceActionNoop),
					},
				},
			},
			{
				// The whole realm deleted out of band: both are re-created,
				// the client's refresh does not fail on the missing realm.
				PreConfig: func() {
					if !s.DeleteRealm("acme") {
						t.Fatal("realm not in simulator")
					}
				},
				Config: testAccSSOClientConfig(s, "Tenant Portal",
					`"https://portal.acme.example/callback", "https://portal.acme.example/silent"`, true),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction("tenantops_sso_realm.r", plancheck.ResourceActionCreate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// setSimClientField flips a boolean the resource does not manage, as an
// operator would in the Keycloak console.
func setSimClientField(t *testing.T, s *kcsim.Server, field string) {
	t.Helper()
	if !s.PatchClient("acme", "tenant-portal", map[string]any{field: true}) {
		t.Fatal("client not in simulator")
	}
}

func TestAccSSOClient_backendFault(t *testing.T) {
	t.Parallel()
	s := startKeycloakSim(t)
	s.Faults.Add(fault.Rule{Method: "POST", Path: `/admin/realms/acme/clients$`, Kind: fault.Status, Status: 400,
		ContentType: "application/json", Body: `{"errorMessage":"Client id tenant-portal is reserved"}`})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             kcNothingLeft(s),
		Steps: []resource.TestStep{{
			Config:      testAccSSOClientConfig(s, "Portal", `"https://portal.acme.example/callback"`, false),
			ExpectError: regexp.MustCompile(`Unable to create client "tenant-portal" in realm "acme"(.|\n)*Keycloak: 400 Bad(.|\n)*Client id tenant-portal(.|\n)*is reserved`),
		}},
	})
}
