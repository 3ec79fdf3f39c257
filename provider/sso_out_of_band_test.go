package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	kcsim "github.com/tenantops/tenantops/internal/sim/keycloak"
	"github.com/tenantops/tenantops/internal/sim/record"
)

func testAccSSOAllConfig(s *kcsim.Server) string {
	return kcProvider(s) + `
resource "tenantops_sso_realm" "r" {
  realm = "acme"
  mfa   = "webauthn"
}

resource "tenantops_sso_client" "portal" {
  realm         = tenantops_sso_realm.r.realm
  client_id     = "tenant-portal"
  redirect_uris = ["https://portal.acme.example/callback"]
}

resource "tenantops_sso_oidc_identity_provider" "entra" {
  realm             = tenantops_sso_realm.r.realm
  alias             = "acme-entra"
  authorization_url = "https://login.example.com/acme/oauth2/v2.0/authorize"
  token_url         = "https://login.example.com/acme/oauth2/v2.0/token"
  client_id         = "0f1e2d3c"
  client_secret     = "entra-secret"
}

resource "tenantops_sso_ldap_federation" "ad" {
  realm           = tenantops_sso_realm.r.realm
  name            = "acme-ad"
  connection_url  = "ldaps://dc1.example.com:636"
  bind_dn         = "CN=svc-keycloak,OU=Service,OU=acme,DC=example,DC=com"
  bind_credential = "bind-secret"
  users_dn        = "OU=Users,OU=acme,DC=example,DC=com"
}
`
}

// TestAccSSO_realmDeletedOutOfBand deletes the realm under a realm, a
// client, an identity provider and an LDAP federation. Every refresh meets
// Keycloak's own 404 ({"error":"Realm not found."}), drops the object from
// state, and the plan re-creates all four without an error; the realm comes
// back bound to tenantops' copy of the browser flow for WebAuthn.
func TestAccSSO_realmDeletedOutOfBand(t *testing.T) {
	t.Parallel()
	s := startSim(t, kcsim.Start, kcsim.Options{Record: true})
	all := []string{"tenantops_sso_realm.r", "tenantops_sso_client.portal", "tenantops_sso_oidc_identity_provider.entra",
		"tenantops_sso_ldap_federation.ad"}
	var recreate []plancheck.PlanCheck
	for _, addr := range all {
		recreate = append(recreate, creates(addr))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             nothingLeft("Keycloak", s.Inventory),
		Steps: []resource.TestStep{
			{Config: testAccSSOAllConfig(s)},
			{
				PreConfig: func() {
					if !s.DeleteRealm("acme") {
						t.Fatal("realm not in simulator")
					}
					s.Recorder.Reset()
				},
				Config:           testAccSSOAllConfig(s),
				ConfigPlanChecks: planIsThenEmpty(recreate...),
				Check: simCheck(func() error {
					if err := realmNotFoundAnswers(s.Recorder.Exchanges()); err != nil {
						return err
					}
					flow, builtIn := s.BrowserFlow("acme")
					return kcExpectEq("bound browser flow", fmt.Sprintf("%s (built in %v)", flow, builtIn), "tenantops browser (built in false)")
				}),
			},
		},
	})
}

// realmNotFoundAnswers checks that the refresh after the delete met
// Keycloak's 404 for the realm on every kind of object, body and all.
func realmNotFoundAnswers(ex []record.Exchange) error {
	seen := map[string]bool{}
	for _, e := range ex {
		if e.Status != http.StatusNotFound {
			continue
		}
		var body map[string]any
		if err := json.Unmarshal(e.RespBody, &body); err != nil || len(body) != 1 || body["error"] != "Realm not found." {
			return fmt.Errorf("%s %s answered 404 %s, Keycloak answers {\"error\":\"Realm not found.\"}", e.Method, e.Path, e.RespBody)
		}
		for _, kind := range []string{"/clients/", "/identity-provider/instances/", "/components/"} {
			if strings.Contains(e.Path, kind) {
				seen[kind] = true
			}
		}
		if e.Path == "/admin/realms/acme" {
			seen["realm"] = true
		}
	}
	if len(seen) != 4 {
		return fmt.Errorf("refresh met the missing realm only for %v", seen)
	}
	return nil
}
