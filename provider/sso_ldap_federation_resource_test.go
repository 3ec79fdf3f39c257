package provider

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	kcsim "github.com/tenantops/tenantops/internal/sim/keycloak"
)

func testAccSSOLDAPConfig(s *kcsim.Server, cred, editMode string, fullSync int) string {
	return testAccSSOLDAPConfigWith(s, fmt.Sprintf("  bind_credential  = %q\n", cred), editMode, fullSync)
}

// testAccSSOLDAPConfigWith is testAccSSOLDAPConfig with the credential set
// by the given lines.
func testAccSSOLDAPConfigWith(s *kcsim.Server, cred, editMode string, fullSync int) string {
	return kcProvider(s) + testAccRealmHCL + fmt.Sprintf(`
resource "tenantops_sso_ldap_federation" "ad" {
  realm            = tenantops_sso_realm.r.realm
  name             = "acme-ad"
  connection_url   = "ldaps://dc1.example.com:636"
  bind_dn          = "CN=svc-keycloak,OU=Service,OU=acme,DC=example,DC=com"
%s  users_dn         = "OU=Users,OU=acme,DC=example,DC=com"
  edit_mode        = %q
  full_sync_period = %d
  changed_sync_period = 300
}
`, cred, editMode, fullSync)
}

func ldapConfigValue(s *kcsim.Server, key string) string {
	c := s.Component("acme", "acme-ad")
	if c == nil {
		return "<missing>"
	}
	cfg, _ := c["config"].(map[string]any)
	l, _ := cfg[key].([]any)
	if len(l) == 0 {
		return ""
	}
	v, _ := l[0].(string)
	return v
}

func TestAccSSOLDAPFederation_lifecycle(t *testing.T) {
	t.Parallel()
	s := startKeycloakSim(t)
	const addr = "tenantops_sso_ldap_federation.ad"
	third := testAccSSOLDAPConfig(s, "third-secret", "WRITABLE", 86400)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             nothingLeft("Keycloak", s.Inventory),
		Steps: []resource.TestStep{
			{
				Config: testAccSSOLDAPConfig(s, "first-secret", "READ_ONLY", -1),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("vendor"), knownvalue.StringExact("ad")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("uuid_ldap_attribute"), knownvalue.StringExact("objectGUID")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("bind_credential"), knownvalue.StringExact("first-secret")),
					statecheck.ExpectSensitiveValue(addr, tfjsonpath.New("bind_credential")),
				},
				ConfigPlanChecks: emptyAfterApply(),
				Check: simCheck(func() error {
					c := s.Component("acme", "acme-ad")
					return errors.Join(
						kcExpectEq("providerType", c["providerType"], any("org.keycloak.storage.UserStorageProvider")),
						kcExpectEq("parentId", c["parentId"], s.Realm("acme")["id"]),
						kcExpectEq("bindCredential", ldapConfigValue(s, "bindCredential"), "first-secret"),
						kcExpectEq("periodicChangedUsersSync", ldapConfigValue(s, "periodicChangedUsersSync"), "true"),
						kcExpectEq("startTls", ldapConfigValue(s, "startTls"), "false"),
					)
				}),
			},
			{
				// A changed bind credential shows in the plan and is written
				// in full; the mask Keycloak answers is never written back.
				PreConfig: func() { s.PatchComponentConfig("acme", "acme-ad", "cachePolicy", "NO_CACHE") },
				Config:    testAccSSOLDAPConfig(s, "rotated-secret", "WRITABLE", 86400),
				ConfigPlanChecks: planIsThenEmpty(updates(addr),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("bind_credential"), knownvalue.StringExact("rotated-secret"))),
				Check: simCheck(func() error {
					return errors.Join(
						kcExpectEq("bindCredential", ldapConfigValue(s, "bindCredential"), "rotated-secret"),
						kcExpectEq("editMode", ldapConfigValue(s, "editMode"), "WRITABLE"),
						kcExpectEq("fullSyncPeriod", ldapConfigValue(s, "fullSyncPeriod"), "86400"),
						kcExpectEq("cachePolicy (unmanaged)", ldapConfigValue(s, "cachePolicy"), "NO_CACHE"),
					)
				}),
			},
			{
				// Only the credential changes: still an update, never hidden
				// behind Keycloak's mask.
				Config:           third,
				ConfigPlanChecks: planIs(updates(addr)),
				Check: simCheck(func() error {
					return kcExpectEq("bindCredential", ldapConfigValue(s, "bindCredential"), "third-secret")
				}),
			},
			importStep(addr, "acme/acme-ad", "bind_credential"),
			{
				PreConfig:        outOfBand(t, "delete of the federation", func() bool { return s.DeleteComponent("acme", "acme-ad") }),
				Config:           third,
				ConfigPlanChecks: planIs(creates(addr)),
			},
		},
	})
}

// TestAccSSOLDAPFederation_writeOnly: bind_credential_wo reaches Keycloak
// on create and when its version changes, never plan or state; other
// updates leave it alone.
func TestAccSSOLDAPFederation_writeOnly(t *testing.T) {
	t.Parallel()
	s := startKeycloakSim(t)
	const addr = "tenantops_sso_ldap_federation.ad"
	secrets := []string{"wo-bind-one", "wo-bind-two"}
	config := func(secret string, version int, editMode string) string {
		return testAccSSOLDAPConfigWith(s, writeOnlyHCL("bind_credential", secret, version), editMode, -1)
	}
	credentialIs := func(want string) resource.TestCheckFunc {
		return simCheck(func() error { return kcExpectEq("bindCredential", ldapConfigValue(s, "bindCredential"), want) })
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             nothingLeft("Keycloak", s.Inventory),
		Steps: writeOnlySteps(t, "bind_credential",
			resource.TestStep{
				Config:            config("wo-bind-one", 1, "READ_ONLY"),
				ConfigPlanChecks:  writeOnlyPlanned(addr, "bind_credential", secrets, creates(addr)),
				ConfigStateChecks: writeOnlyStateIs(addr, "bind_credential", 1, secrets...),
				Check:             credentialIs("wo-bind-one"),
			},
			resource.TestStep{
				// Another setting changes, the version does not: the new
				// secret is not sent and Keycloak keeps the one it has.
				Config:           config("wo-bind-two", 1, "WRITABLE"),
				ConfigPlanChecks: writeOnlyPlanned(addr, "bind_credential", secrets, updates(addr)),
				Check: resource.ComposeTestCheckFunc(credentialIs("wo-bind-one"),
					simCheck(func() error { return kcExpectEq("editMode", ldapConfigValue(s, "editMode"), "WRITABLE") })),
			},
			resource.TestStep{
				Config:            config("wo-bind-two", 2, "WRITABLE"),
				ConfigPlanChecks:  writeOnlyPlanned(addr, "bind_credential", secrets, updates(addr)),
				ConfigStateChecks: writeOnlyStateIs(addr, "bind_credential", 2, secrets...),
				Check:             credentialIs("wo-bind-two"),
			},
			importStep(addr, "acme/acme-ad", "bind_credential_wo_version"),
		),
	})
}

func TestAccSSOLDAPFederation_backendFault(t *testing.T) {
	t.Parallel()
	s := startKeycloakSim(t)
	s.Faults.Add(kcFault("POST", `/admin/realms/acme/components$`, 503, `{"error":"unknown_error","error_description":"LDAP store unavailable"}`))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             nothingLeft("Keycloak", s.Inventory),
		Steps: []resource.TestStep{
			{
				// A clear-text bind is refused before anything is created.
				Config: strings.Replace(testAccSSOLDAPConfig(s, "first-secret", "READ_ONLY", -1),
					"ldaps://dc1.example.com:636", "ldap://dc1.example.com:389", 1),
				ExpectError: regexp.MustCompile(`Clear-text LDAP connection`),
			},
			{
				Config:      testAccSSOLDAPConfig(s, "first-secret", "READ_ONLY", -1),
				ExpectError: regexp.MustCompile(`Unable to create LDAP federation "acme-ad" in realm "acme"(.|\n)*LDAP store(.|\n)*unavailable`),
			},
		},
	})
}
