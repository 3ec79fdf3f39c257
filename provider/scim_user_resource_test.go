package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	scimsim "github.com/tenantops/tenantops/internal/sim/scim"
)

// A userName with quotes and a backslash must survive filter lookups.
const scimTrickyName = `o"brien\ops@acme.example`

func testAccSCIMUserConfig(s *scimsim.Server, display, dept string, emails string) string {
	return scimProvider(s) + fmt.Sprintf(`
resource "tenantops_scim_user" "boss" {
  user_name = "boss@acme.example"
}

resource "tenantops_scim_user" "u" {
  user_name       = %s
  given_name      = "Pat"
  family_name     = "O'Brien"
  display_name    = %q
  external_id     = "crm-4711"
  employee_number = "1001"
  department      = %q
  organization    = "Acme"
  manager_id      = tenantops_scim_user.boss.id
  emails = [%s]
}
`, hclStr(scimTrickyName), display, dept, emails)
}

const scimOneEmail = `{ value = "pat@acme.example", type = "work", primary = true }`

// scimEnterpriseUser is the URN of the enterprise extension (RFC 7643
// section 4.3) where department, employee number and manager live.
const scimEnterpriseUser = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

const scimTwoEmails = `{ value = "pat@acme.example", type = "work", primary = true }, { value = "pat@home.example", type = "home" }`

func TestAccSCIMUser(t *testing.T) {
	const addr = "tenantops_scim_user.u"
	testAccEachSCIMMode(t, func(t *testing.T, s *scimsim.Server, mode scimMode) []resource.TestStep {
		var id string
		updated := testAccSCIMUserConfig(s, "Patricia O'Brien", "Security", scimTwoEmails)
		return []resource.TestStep{
			{
				Config: testAccSCIMUserConfig(s, "Pat O'Brien", "Ops", scimOneEmail),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("user_name"), knownvalue.StringExact(scimTrickyName)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("active"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("version"), knownvalue.StringExact(`W/"1"`)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("emails").AtSliceIndex(0).AtMapKey("primary"), knownvalue.Bool(true)),
				},
				Check: func(st *terraform.State) error {
					var err error
					if id, err = scimStateID(st, addr); err != nil {
						return err
					}
					u := s.User(id)
					if u == nil {
						return fmt.Errorf("user %s not on the provider", id)
					}
					ent, _ := u[scimEnterpriseUser].(map[string]any)
					mgr, _ := ent["manager"].(map[string]any)
					bossID, _ := s.UserID("boss@acme.example")
					if u["userName"] != scimTrickyName || ent["department"] != "Ops" || mgr["value"] != bossID || u["externalId"] != "crm-4711" {
						return fmt.Errorf("stored user = %v", u)
					}
					s.ResetCalls()
					return nil
				},
			},
			{
				// In-place update: PATCH when offered, PUT when not.
				Config:           updated,
				ConfigPlanChecks: planIs(updates(addr), leaves("tenantops_scim_user.boss")),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("department"), knownvalue.StringExact("Security")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("emails"), knownvalue.ListSizeExact(2)),
				},
				Check: simCheck(func() error {
					if err := mode.wroteOnce(s, "Users"); err != nil {
						return err
					}
					u := s.User(id)
					ent, _ := u[scimEnterpriseUser].(map[string]any)
					emails, _ := u["emails"].([]any)
					if u["displayName"] != "Patricia O'Brien" || ent["department"] != "Security" || ent["employeeNumber"] != "1001" || len(emails) != 2 {
						return fmt.Errorf("stored user after update = %v", u)
					}
					return nil
				}),
			},
			// Nothing left to do after apply.
			{Config: updated, ConfigPlanChecks: planIs(noChanges())},
			importStep(addr, ""),
			importStep(addr, "userName:"+scimTrickyName),
			{
				// Deleted behind Terraform's back: plan re-creates it.
				PreConfig:        outOfBand(t, "delete of the user", func() bool { return s.DeleteUser(id) }),
				Config:           updated,
				ConfigPlanChecks: planIs(creates(addr)),
				Check: simCheck(func() error {
					if _, ok := s.UserID(scimTrickyName); !ok {
						return fmt.Errorf("user not re-created")
					}
					return nil
				}),
			},
		}
	})
}

func TestAccSCIMUserETagConflict(t *testing.T) {
	testAccEachSCIMMode(t, func(t *testing.T, s *scimsim.Server, _ scimMode) []resource.TestStep {
		return []resource.TestStep{
			{Config: testAccSCIMUserConfig(s, "Pat", "Ops", scimOneEmail)},
			{
				// Someone else writes the user between our refresh and our write.
				PreConfig: func() {
					id, ok := s.UserID(scimTrickyName)
					if !ok {
						t.Fatal("user missing")
					}
					s.CollideNextWrite(id)
				},
				Config:      testAccSCIMUserConfig(s, "Pat 2", "Ops", scimOneEmail),
				ExpectError: regexp.MustCompile(`(?s)Unable to update SCIM user.*HTTP 412 Precondition Failed.*was modified.*ETag mismatch`),
			},
			{
				// A fresh plan sees the new version and goes through.
				Config: testAccSCIMUserConfig(s, "Pat 2", "Ops", scimOneEmail),
				Check: simCheck(func() error {
					id, _ := s.UserID(scimTrickyName)
					if got := s.User(id)["displayName"]; got != "Pat 2" {
						return fmt.Errorf("displayName = %v", got)
					}
					return nil
				}),
			},
		}
	})
}

func TestAccSCIMUserBackendFault(t *testing.T) {
	t.Parallel()
	s := startSCIMSim(t, scimsim.Options{})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             scimNothingLeft(s),
		Steps: []resource.TestStep{
			{
				// The boss is created, then the provider fails the second user.
				PreConfig: func() {
					s.Faults.Add(scimFault("POST", "/Users$", 1, 503, "directory backend unavailable"))
				},
				Config:      testAccSCIMUserConfig(s, "Pat", "Ops", scimOneEmail),
				ExpectError: regexp.MustCompile(`(?s)Unable to create SCIM user.*HTTP 503 Service Unavailable: directory backend\s+unavailable`),
			},
			{
				// Throttling (429) is waited out: the apply succeeds.
				PreConfig: func() {
					s.Faults.Clear()
					s.Faults.Add(scimFault("POST", "/Users$", 0, 429, "slow down"))
				},
				Config: testAccSCIMUserConfig(s, "Pat", "Ops", scimOneEmail),
				Check: simCheck(func() error {
					if n := s.Faults.Fired(); n != 1 {
						return fmt.Errorf("429 fault fired %d times, want 1", n)
					}
					if _, ok := s.UserID(scimTrickyName); !ok {
						return fmt.Errorf("user not created after throttling")
					}
					return nil
				}),
			},
			{
				// Duplicate userName: the provider's scimType reaches the user.
				PreConfig: func() {
					s.Faults.Clear()
				},
				Config: testAccSCIMUserConfig(s, "Pat", "Ops", scimOneEmail) + `
resource "tenantops_scim_user" "dup" {
  user_name  = "BOSS@acme.example"
  depends_on = [tenantops_scim_user.u]
}
`,
				ExpectError: regexp.MustCompile(`(?s)Unable to create SCIM user "BOSS@acme.example".*HTTP 409 Conflict \(scimType\s+uniqueness\)`),
			},
		},
	})
}

func TestAccSCIMUserMissingBlock(t *testing.T) {
	t.Setenv("TENANTOPS_SCIM_URL", "")
	testAccRefused(t, nil, providerHCL()+`
resource "tenantops_scim_user" "u" {
  user_name = "alice@acme.example"
}
`, regexp.MustCompile(`(?s)no "scim" block.*tenantops_scim_user`))
}
