package provider

import (
	"errors"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/tenantops/tenantops/internal/sim/fault"
	kcsim "github.com/tenantops/tenantops/internal/sim/keycloak"
)

func testAccSSORealmConfig(s *kcsim.Server, name, mfa string, digits int) string {
	return kcProvider(s) + fmt.Sprintf(`
resource "tenantops_sso_realm" "r" {
  realm            = %q
  display_name     = "Acme Corp"
  mfa              = %q
  otp_digits       = %d
  password_policy  = "length(12) and notUsername"
  webauthn_rp_name = "Acme"
  sso_session_idle_timeout = 900
}
`, name, mfa, digits)
}

// testAccSSORealmMailConfig is realm acme with a mail server, its password
// set by the given lines.
func testAccSSORealmMailConfig(s *kcsim.Server, display, password string) string {
	return kcProvider(s) + fmt.Sprintf(`
resource "tenantops_sso_realm" "r" {
  realm        = "acme"
  display_name = %q
  smtp_host    = "smtp.mail.example"
  smtp_from    = "no-reply@cloud.example"
  smtp_user    = "mailer"
%s}
`, display, password)
}

// smtpPasswordIs checks the SMTP password Keycloak stored for realm acme.
func smtpPasswordIs(s *kcsim.Server, want string) resource.TestCheckFunc {
	return simCheck(func() error {
		smtp, _ := s.Realm("acme")["smtpServer"].(map[string]any)
		return kcExpectEq("smtp password", smtp["password"], any(want))
	})
}

// TestAccSSORealm_writeOnly: smtp_password_wo reaches Keycloak on create
// and when its version changes, never plan or state; other updates leave
// it alone.
func TestAccSSORealm_writeOnly(t *testing.T) {
	t.Parallel()
	s := startKeycloakSim(t)
	const addr = "tenantops_sso_realm.r"
	secrets := []string{"wo-mail-one", "wo-mail-two"}
	config := func(display, secret string, version int) string {
		return testAccSSORealmMailConfig(s, display, writeOnlyHCL("smtp_password", secret, version))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             nothingLeft("Keycloak", s.Inventory),
		Steps: writeOnlySteps(t, "smtp_password",
			resource.TestStep{
				Config:            config("Acme", "wo-mail-one", 1),
				ConfigPlanChecks:  writeOnlyPlanned(addr, "smtp_password", secrets, creates(addr)),
				ConfigStateChecks: writeOnlyStateIs(addr, "smtp_password", 1, secrets...),
				Check:             smtpPasswordIs(s, "wo-mail-one"),
			},
			resource.TestStep{
				// Another setting changes, the version does not: Keycloak
				// keeps the password it has.
				Config:           config("Acme Corp", "wo-mail-two", 1),
				ConfigPlanChecks: writeOnlyPlanned(addr, "smtp_password", secrets, updates(addr)),
				Check:            smtpPasswordIs(s, "wo-mail-one"),
			},
			resource.TestStep{
				Config:            config("Acme Corp", "wo-mail-two", 2),
				ConfigPlanChecks:  writeOnlyPlanned(addr, "smtp_password", secrets, updates(addr)),
				ConfigStateChecks: writeOnlyStateIs(addr, "smtp_password", 2, secrets...),
				Check:             smtpPasswordIs(s, "wo-mail-two"),
			},
			importStep(addr, "acme", "smtp_password_wo_version"),
		),
	})
}

// mfaState asserts the browser flow and default required actions that an
// MFA mode must produce in Keycloak.
func mfaState(s *kcsim.Server, realm, subflow, otp, webauthn string, totpDefault, webauthnDefault bool) func() error {
	return func() error {
		return errors.Join(
			kcExpectEq("Browser - Conditional OTP requirement", s.Requirement(realm, "Browser - Conditional OTP"), subflow),
			kcExpectEq("OTP Form requirement", s.Requirement(realm, "auth-otp-form"), otp),
			kcExpectEq("WebAuthn Authenticator requirement", s.Requirement(realm, "webauthn-authenticator"), webauthn),
			kcExpectEq("CONFIGURE_TOTP default action", s.DefaultAction(realm, "CONFIGURE_TOTP"), totpDefault),
			kcExpectEq("webauthn-register default action", s.DefaultAction(realm, "webauthn-register"), webauthnDefault),
		)
	}
}

func TestAccSSORealm_lifecycle(t *testing.T) {
	t.Parallel()
	s := startKeycloakSim(t)
	const addr = "tenantops_sso_realm.r"
	webauthn := testAccSSORealmConfig(s, "acme", "webauthn", 8)
	webauthnState := simCheck(mfaState(s, "acme", "REQUIRED", "DISABLED", "REQUIRED", false, true))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             nothingLeft("Keycloak", s.Inventory),
		Steps: []resource.TestStep{
			{
				Config: testAccSSORealmConfig(s, "acme", "otp", 6),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact("acme")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("mfa"), knownvalue.StringExact("otp")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("issuer"), knownvalue.StringExact(s.URL+"/realms/acme")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("otp_algorithm"), knownvalue.StringExact("HmacSHA1")),
				},
				ConfigPlanChecks: emptyAfterApply(),
				Check: resource.ComposeTestCheckFunc(
					simCheck(mfaState(s, "acme", "REQUIRED", "REQUIRED", "", true, false)),
					simCheck(func() error {
						rep := s.Realm("acme")
						return errors.Join(
							kcExpectEq("displayName", rep["displayName"], any("Acme Corp")),
							kcExpectEq("passwordPolicy", rep["passwordPolicy"], any("length(12) and notUsername")),
							kcExpectEq("ssoSessionIdleTimeout", rep["ssoSessionIdleTimeout"], any(float64(900))),
							// A field tenantops does not manage keeps Keycloak's default.
							kcExpectEq("accessTokenLifespan", rep["accessTokenLifespan"], any(float64(300))),
						)
					}),
				),
			},
			{
				// mfa = "optional" puts Keycloak's default back.
				Config:           testAccSSORealmConfig(s, "acme", "optional", 8),
				ConfigPlanChecks: planIsThenEmpty(updates(addr)),
				Check: resource.ComposeTestCheckFunc(
					simCheck(mfaState(s, "acme", "CONDITIONAL", "REQUIRED", "", false, false)),
					simCheck(func() error {
						return kcExpectEq("otpPolicyDigits", s.Realm("acme")["otpPolicyDigits"], any(float64(8)))
					}),
				),
			},
			{
				Config:           webauthn,
				ConfigPlanChecks: planIsThenEmpty(updates(addr)),
				Check:            webauthnState,
			},
			importStep(addr, "acme"),
			{
				// Deleted out of band: the plan re-creates it, no error.
				PreConfig:        outOfBand(t, "delete of realm acme", func() bool { return s.DeleteRealm("acme") }),
				Config:           webauthn,
				ConfigPlanChecks: planIs(creates(addr)),
				Check:            webauthnState,
			},
		},
	})
}

func TestAccSSORealm_backendFault(t *testing.T) {
	t.Parallel()
	s := startKeycloakSim(t)
	// The realm is created, then setting its browser flow fails.
	s.Faults.Add(kcFault("PUT", `/admin/realms/beta/authentication/flows/browser/executions$`, 500,
		`{"errorMessage":"unknown_error: flow store unavailable"}`))
	testAccRefused(t, nothingLeft("Keycloak", s.Inventory), testAccSSORealmConfig(s, "beta", "otp", 6),
		regexp.MustCompile(`Unable to set MFA "otp" on realm "beta"(.|\n)*flow store unavailable`))
}

func TestAccSSORealm_transientFaults(t *testing.T) {
	t.Parallel()
	s := startKeycloakSim(t)
	// A slow, flaky Keycloak: idempotent calls are retried, so the apply
	// succeeds and leaves exactly one realm.
	unavailable := kcFault("GET", `/admin/realms/gamma$`, 503, `{"error":"service unavailable"}`)
	unavailable.Times = 2
	s.Faults.Add(unavailable)
	s.Faults.Add(fault.Rule{Method: "PUT", Path: `/flows/browser/executions$`, Kind: fault.Reset, Times: 1})
	// The first matching rule wins: latency for everything else.
	s.Faults.Add(fault.Rule{Path: `/admin/`, Kind: fault.Latency, Delay: 20 * time.Millisecond})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             nothingLeft("Keycloak", s.Inventory),
		Steps: []resource.TestStep{{
			Config:           testAccSSORealmConfig(s, "gamma", "otp", 6),
			ConfigPlanChecks: emptyAfterApply(),
			Check: resource.ComposeTestCheckFunc(
				simCheck(mfaState(s, "gamma", "REQUIRED", "REQUIRED", "", true, false)),
				simCheck(func() error { return kcExpectEq("inventory", fmt.Sprint(s.Inventory()), "[realm/gamma]") }),
			),
		}},
	})
}
