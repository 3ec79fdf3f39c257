package provider

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	kcsim "github.com/tenantops/tenantops/internal/sim/keycloak"
)

// testAccRealmWithMailHCL is realm acme with a mail server, which an
// invitation needs.
const testAccRealmWithMailHCL = `
resource "tenantops_sso_realm" "r" {
  realm                  = "acme"
  mfa                    = "otp"
  smtp_host              = "smtp.mail.example"
  smtp_port              = "587"
  smtp_from              = "no-reply@cloud.example"
  smtp_from_display_name = "Acme cloud"
  smtp_starttls          = true
  smtp_user              = "mailer"
  smtp_password          = "mail-pass-1"
}
`

func testAccSSOUserConfig(s *kcsim.Server, first string, invite bool, actions string) string {
	return kcProvider(s) + testAccRealmWithMailHCL + fmt.Sprintf(`
resource "tenantops_sso_user" "admin" {
  realm            = tenantops_sso_realm.r.realm
  username         = "alice"
  email            = "alice@acme.example"
  first_name       = %q
  last_name        = "Admin"
  required_actions = [%s]
  invite           = %t

  invitation_client_id    = "account"
  invitation_redirect_uri = "https://portal.acme.example/"
}
`, first, actions, invite)
}

// An invited administrator: the realm account with its required actions,
// the invitation captured by the simulator, an update in place that sends
// nothing, import, and an out-of-band delete planned as a re-create.
func TestAccSSOUser_invitation(t *testing.T) {
	t.Parallel()
	s := startKeycloakSim(t)
	const addr = "tenantops_sso_user.admin"
	var firstID string
	invited := testAccSSOUserConfig(s, "Alice", true, `"UPDATE_PASSWORD", "CONFIGURE_TOTP"`)
	renamed := testAccSSOUserConfig(s, "Alicia", true, `"UPDATE_PASSWORD", "CONFIGURE_TOTP"`)
	mails := func(want int) resource.TestCheckFunc {
		return simCheck(func() error {
			if got := len(s.Mails()); got != want {
				return fmt.Errorf("%d invitations sent, want %d", got, want)
			}
			return nil
		})
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             nothingLeft("Keycloak", s.Inventory),
		Steps: []resource.TestStep{
			{
				Config: invited,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("enabled"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("required_actions"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.StringExact("UPDATE_PASSWORD"), knownvalue.StringExact("CONFIGURE_TOTP")})),
					statecheck.ExpectSensitiveValue("tenantops_sso_realm.r", tfjsonpath.New("smtp_password")),
				},
				ConfigPlanChecks: emptyAfterApply(),
				Check: resource.ComposeTestCheckFunc(
					captureID(addr, &firstID),
					resource.TestCheckResourceAttrSet(addr, "invited_at"),
					mails(1),
					simCheck(func() error {
						m, u, realm := s.Mails()[0], s.User("acme", "alice"), s.Realm("acme")
						smtp, _ := realm["smtpServer"].(map[string]any)
						return errors.Join(
							kcExpectEq("mail to", m.To, "alice@acme.example"),
							kcExpectEq("mail from", m.From, "no-reply@cloud.example"),
							kcExpectEq("mail actions", fmt.Sprint(sorted(m.Actions)), "[CONFIGURE_TOTP UPDATE_PASSWORD]"),
							kcExpectEq("link lifespan", m.Lifespan, 72*time.Hour),
							kcExpectEq("link client", m.ClientID, "account"),
							kcExpectEq("link redirect", m.Redirect, "https://portal.acme.example/"),
							kcExpectEq("user id", m.UserID, str(u["id"])),
							kcExpectEq("user enabled", u["enabled"], any(true)),
							kcExpectEq("realm smtp password stored", smtp["password"], any("mail-pass-1")),
							kcExpectEq("realm smtp auth", smtp["auth"], any("true")),
						)
					}),
				),
			},
			{
				// An update in place sends no second invitation.
				Config:           renamed,
				ConfigPlanChecks: planIsThenEmpty(updates(addr), leaves("tenantops_sso_realm.r")),
				Check: resource.ComposeTestCheckFunc(keepsID(addr, &firstID), mails(1),
					simCheck(func() error { return kcExpectEq("firstName", s.User("acme", "alice")["firstName"], any("Alicia")) })),
			},
			{
				// Turning invite off and on again sends it again.
				Config:           testAccSSOUserConfig(s, "Alicia", false, `"UPDATE_PASSWORD", "CONFIGURE_TOTP"`),
				ConfigPlanChecks: planIsThenEmpty(updates(addr)),
				Check:            mails(1),
			},
			{
				Config:           renamed,
				ConfigPlanChecks: planIsThenEmpty(updates(addr)),
				Check:            mails(2),
			},
			importStep(addr, "acme/alice", "invite", "invited_at", "invitation_client_id", "invitation_redirect_uri"),
			{
				PreConfig:        outOfBand(t, "delete of user alice", func() bool { return s.DeleteUser("acme", "alice") }),
				Config:           renamed,
				ConfigPlanChecks: planIsThenEmpty(creates(addr), leaves("tenantops_sso_realm.r")),
				Check:            mails(3),
			},
		},
	})
}

// Keycloak refusing the invitation (a realm without a mail server) leaves
// no user behind once destroyed, and says why.
func TestAccSSOUser_invitationWithoutMailServer(t *testing.T) {
	t.Parallel()
	s := startKeycloakSim(t)
	config := kcProvider(s) + testAccRealmHCL + `
resource "tenantops_sso_user" "admin" {
  realm            = tenantops_sso_realm.r.realm
  username         = "bob"
  email            = "bob@acme.example"
  required_actions = ["UPDATE_PASSWORD"]
  invite           = true
}
`
	testAccRefused(t, nothingLeft("Keycloak", s.Inventory), config,
		regexp.MustCompile(`Unable to send the invitation to user "bob" in realm "acme"(.|\n)*smtp_host(.|\n)*Failed to send execute(.|\n)*actions email`))
}

// An invitation Keycloak would refuse is refused at plan time, naming the
// attribute.
func TestAccSSOUser_invalidInvitation(t *testing.T) {
	t.Parallel()
	s := startKeycloakSim(t)
	for name, c := range map[string]struct{ attrs, want string }{
		"no e-mail":  {`required_actions = ["UPDATE_PASSWORD"]`, `(?s)Invitation without an e-mail address.*needs email`},
		"no actions": {`email = "c@acme.example"`, `(?s)Invitation with nothing to do.*needs at least one required action`},
		"disabled":   {`email = "c@acme.example"` + "\n" + `required_actions = ["UPDATE_PASSWORD"]` + "\n" + `enabled = false`, `(?s)Invitation to a disabled user.*needs enabled = true`},
		"bad action": {`email = "c@acme.example"` + "\n" + `required_actions = ["SET_PASSWORD"]`, `(?s)required_actions.*value must be one of`},
		"capitals":   {`email = "c@acme.example"` + "\n" + `required_actions = ["UPDATE_PASSWORD"]` + "\n" + `username = "Carol"`, `(?s)username.*lower case`},
	} {
		t.Run(name, func(t *testing.T) {
			username := `username = "carol"`
			if slices.Contains([]string{"capitals"}, name) {
				username = ""
			}
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config: kcProvider(s) + fmt.Sprintf(`
resource "tenantops_sso_user" "u" {
  realm  = "acme"
  invite = true
  %s
  %s
}
`, username, c.attrs),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(c.want),
				}},
			})
		})
	}
}

func sorted(l []string) []string { s := slices.Clone(l); slices.Sort(s); return s }

func str(v any) string { s, _ := v.(string); return s }
