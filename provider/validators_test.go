package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	scimsim "github.com/tenantops/tenantops/internal/sim/scim"
)

// The validators are wired into the resources: each refuses its bad value
// at plan time, naming the attribute, before any backend is called.
func TestAccValidatorsRefuseAtPlan(t *testing.T) {
	t.Parallel()
	kc := startKeycloakSim(t)
	sc := startSCIMSim(t, scimsim.Options{})
	federation := func(bindDN, usersDN string) string {
		return fmt.Sprintf(`
resource "tenantops_sso_ldap_federation" "f" {
  realm           = "acme"
  name            = "ad"
  connection_url  = "ldaps://dc1.example.com:636"
  bind_dn         = %q
  bind_credential = "secret-123"
  users_dn        = %q
}
`, bindDN, usersDN)
	}
	for name, c := range map[string]struct{ config, want string }{
		"scim user e-mail": {scimProvider(sc) + `
resource "tenantops_scim_user" "u" {
  user_name = "pat"
  emails    = [{ value = "not-an-email" }]
}
`, `Invalid e-mail address[\s\S]*emails\[0\]\.value[\s\S]*"not-an-email" is not an e-mail address`},
		"sso client redirect URI": {kcProvider(kc) + `
resource "tenantops_sso_client" "c" {
  realm         = "acme"
  client_id     = "portal"
  redirect_uris = ["https://portal.acme.example/cb", "not a uri"]
}
`, `Invalid redirect URI[\s\S]*redirect_uris[\s\S]*"not a uri" is not a URI`},
		"ldap federation bind DN":  {kcProvider(kc) + federation("not a dn", "OU=Users,DC=example,DC=com"), `Invalid distinguished name[\s\S]*bind_dn[\s\S]*"not a dn" is not a valid DN`},
		"ldap federation users DN": {kcProvider(kc) + federation("CN=svc,DC=example,DC=com", "Users"), `Invalid distinguished name[\s\S]*users_dn`},
	} {
		t.Run(name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps:                    []resource.TestStep{{Config: c.config, PlanOnly: true, ExpectError: regexp.MustCompile(c.want)}},
			})
		})
	}
	if inv := kc.Inventory(); len(inv) != 0 {
		t.Fatalf("a refused configuration reached Keycloak: %v", inv)
	}
	if inv := sc.Inventory(); len(inv) != 0 {
		t.Fatalf("a refused configuration reached SCIM: %v", inv)
	}
}
