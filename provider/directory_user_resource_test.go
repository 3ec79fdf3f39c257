package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/tenantops/tenantops/internal/directory"
)

type userCfg struct {
	name, ou, password, groups, extra string
	enabled, neverExpires             bool
}

func testAccDirectoryUserConfig(e *dirEnv, u userCfg) string {
	return e.providerConfig() + e.ouHCL("people", "people") + e.ouHCL("people2", "people2") + fmt.Sprintf(`
resource "tenantops_directory_group" "ga" {
  name = "ga-%[1]s"
  path = tenantops_directory_ou.people.dn
}

resource "tenantops_directory_group" "gb" {
  name = "gb-%[1]s"
  path = tenantops_directory_ou.people.dn
}

resource "tenantops_directory_user" "u" {
  name                   = %[2]q
  path                   = tenantops_directory_ou.%[3]s.dn
  sam_account_name       = "al%[1]s"
  user_principal_name    = "al%[1]s@test.local"
  initial_password       = %[4]q
  enabled                = %[5]t
  password_never_expires = %[6]t
  groups                 = %[7]s
  %[8]s
  depends_on             = [tenantops_directory_group.ga, tenantops_directory_group.gb]
}
`, e.Tag, u.name, u.ou, u.password, u.enabled, u.neverExpires, u.groups, u.extra)
}

// groupDN spells a test group's DN in lower case with spaces, or in upper case.
func (e *dirEnv) groupDN(prefix string, upper bool) string {
	dn := "CN=" + prefix + "-" + e.Tag + ",OU=people," + e.Base
	if upper {
		return fmt.Sprintf("%q", dn)
	}
	return fmt.Sprintf("%q", lowerSpaced(dn))
}

// userDN is the DN of the test user from state.
func userDN(s *terraform.State) string {
	return s.RootModule().Resources["tenantops_directory_user.u"].Primary.Attributes["dn"]
}

// canLogin binds as the user from state with password; want says whether
// that must succeed.
func (e *dirEnv) canLogin(password string, want bool) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		err := e.Client.CheckBind(userDN(s), password)
		if want && err != nil {
			return fmt.Errorf("user %s cannot log in: %v", userDN(s), err)
		}
		if !want && err == nil {
			return fmt.Errorf("user %s logged in with password %q but must not", userDN(s), password)
		}
		return nil
	}
}

func TestAccDirectoryUser_lifecycle(t *testing.T) {
	e := newDirEnv(t)
	const p1, p2 = "First-Pa55word!", "Second-Pa55word!"
	base := userCfg{name: "Alice Admin", ou: "people", password: p1, enabled: true,
		groups: "[" + e.groupDN("ga", false) + "]"}
	moved := base
	moved.name, moved.ou, moved.password, moved.enabled, moved.neverExpires = "Alice Renamed", "people2", p2, false, true
	moved.groups = "[" + e.groupDN("ga", true) + ", " + e.groupDN("gb", false) + "]"
	moved.extra = `description = "moved and disabled"`
	reenabled := moved
	reenabled.enabled = true
	respelt := reenabled
	respelt.groups = "[tenantops_directory_group.ga.dn, " + e.groupDN("gb", true) + "]"
	var firstID string
	const addr = "tenantops_directory_user.u"
	// the password is never read back; path and groups are kept as written
	ignore := []string{"initial_password", "path", "groups"}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             e.checkEmpty,
		Steps: []resource.TestStep{
			// create: the account really logs in with initial_password
			{
				Config: testAccDirectoryUserConfig(e, base),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "enabled", "true"),
					resource.TestCheckResourceAttr(addr, "groups.#", "1"),
					resource.TestMatchResourceAttr(addr, "dn", regexp.MustCompile(`^CN=Alice Admin,OU=people,`)),
					e.canLogin(p1, true),
					e.canLogin("wrong", false),
					captureID(addr, &firstID),
					func(s *terraform.State) error { return e.expectMembers("CN=ga-"+e.Tag+",OU=people,"+e.Base, userDN(s)) },
				),
				ConfigPlanChecks: emptyAfterApply(),
			},
			// rename, move, disable, description, groups: a disabled account cannot log in
			{
				Config:           testAccDirectoryUserConfig(e, moved),
				ConfigPlanChecks: planIsThenEmpty(updates(addr)),
				Check: resource.ComposeTestCheckFunc(
					resource.TestMatchResourceAttr(addr, "dn", regexp.MustCompile(`^CN=Alice Renamed,OU=people2,`)),
					resource.TestCheckResourceAttr(addr, "enabled", "false"),
					resource.TestCheckResourceAttr(addr, "password_never_expires", "true"),
					resource.TestCheckResourceAttr(addr, "description", "moved and disabled"),
					resource.TestCheckResourceAttr(addr, "groups.#", "2"),
					e.canLogin(p1, false),
					keepsID(addr, &firstID),
					func(s *terraform.State) error { return e.expectMembers("CN=gb-"+e.Tag+",OU=people,"+e.Base, userDN(s)) },
				),
			},
			// enabled again: the original password works, the changed initial_password was never applied
			{
				Config: testAccDirectoryUserConfig(e, reenabled),
				Check:  resource.ComposeTestCheckFunc(e.canLogin(p1, true), e.canLogin(p2, false)),
			},
			// group DNs written differently: no diff
			{Config: testAccDirectoryUserConfig(e, respelt), PlanOnly: true},
			// import by DN, sAMAccountName, DOMAIN\sAMAccountName, UPN and GUID
			importStepBy(addr, attrOf(addr, "dn"), ignore...),
			importStep(addr, "al"+e.Tag, ignore...),
			importStep(addr, `TEST\al`+e.Tag, ignore...),
			importStep(addr, "al"+e.Tag+"@test.local", ignore...),
			importStepBy(addr, attrOf(addr, "id"), ignore...),
			// deleted out of band: re-created
			{
				PreConfig:        e.deleteOutOfBand(t, "CN=Alice Renamed,OU=people2,"+e.Base),
				Config:           testAccDirectoryUserConfig(e, reenabled),
				ConfigPlanChecks: planIs(creates(addr)),
				Check:            e.canLogin(p2, true), // a new account gets the current initial_password
			},
		},
	})
}

// TestAccDirectoryUser_importKeepsPassword adopts an existing account whose
// password differs from initial_password: the password is not reset.
func TestAccDirectoryUser_importKeepsPassword(t *testing.T) {
	e := newDirEnv(t)
	cfg := e.providerConfig() + fmt.Sprintf(`
resource "tenantops_directory_user" "u" {
  name             = "Existing"
  path             = %q
  sam_account_name = "ex%s"
  initial_password = "Terraform-Pa55!"
}
`, e.Base, e.Tag)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             e.checkEmpty,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					if _, err := e.Client.CreateUser(context.Background(), e.Base, directory.User{
						Name: "Existing", SAMAccountName: "ex" + e.Tag, Enabled: true}, "Own-Pa55word!"); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg, ResourceName: "tenantops_directory_user.u", ImportState: true,
				ImportStateId: "ex" + e.Tag, ImportStatePersist: true,
			},
			{
				Config: cfg,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("tenantops_directory_user.u", "enabled", "true"),
					e.canLogin("Own-Pa55word!", true),
					e.canLogin("Terraform-Pa55!", false),
				),
				ConfigPlanChecks: emptyAfterApply(),
			},
		},
	})
}

// testAccDirectoryUserWOConfig is an account of the test's OU whose
// password is set by initial_password_wo at version.
func testAccDirectoryUserWOConfig(e *dirEnv, sam, description, password string, version int) string {
	return e.providerConfig() + fmt.Sprintf(`
resource "tenantops_directory_user" "u" {
  name             = "Wanda Writeonly"
  path             = %q
  sam_account_name = "%s%s"
  description      = %q
%s}
`, e.Base, sam, e.Tag, description, writeOnlyHCL("initial_password", password, version))
}

// TestAccDirectoryUser_writeOnly: initial_password_wo sets the password of
// a new account and resets it in place when its version changes; plan and
// state never hold it.
func TestAccDirectoryUser_writeOnly(t *testing.T) {
	e := newDirEnv(t)
	const addr = "tenantops_directory_user.u"
	const p1, p2 = "Wo-First-Pa55!", "Wo-Second-Pa55!"
	secrets := []string{p1, p2}
	config := func(description, password string, version int) string {
		return testAccDirectoryUserWOConfig(e, "wo", description, password, version)
	}
	var id string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             e.checkEmpty,
		Steps: writeOnlySteps(t, "initial_password",
			resource.TestStep{
				Config:            config("first", p1, 1),
				ConfigPlanChecks:  writeOnlyPlanned(addr, "initial_password", secrets, creates(addr)),
				ConfigStateChecks: writeOnlyStateIs(addr, "initial_password", 1, secrets...),
				Check:             resource.ComposeTestCheckFunc(captureID(addr, &id), e.canLogin(p1, true)),
			},
			resource.TestStep{
				// Another change, the same version: the password stays.
				Config:           config("second", p2, 1),
				ConfigPlanChecks: writeOnlyPlanned(addr, "initial_password", secrets, updates(addr)),
				Check:            resource.ComposeTestCheckFunc(e.canLogin(p1, true), e.canLogin(p2, false)),
			},
			resource.TestStep{
				// A new version resets the password, in place.
				Config:            config("second", p2, 2),
				ConfigPlanChecks:  writeOnlyPlanned(addr, "initial_password", secrets, updates(addr)),
				ConfigStateChecks: writeOnlyStateIs(addr, "initial_password", 2, secrets...),
				Check:             resource.ComposeTestCheckFunc(keepsID(addr, &id), e.canLogin(p2, true), e.canLogin(p1, false)),
			},
			importStep(addr, "wo"+e.Tag, "initial_password_wo_version", "path", "groups"),
		),
	})
}

// TestAccDirectoryUser_writeOnlyImport adopts an existing account with an
// initial_password_wo configuration: recording the first version keeps the
// account's own password; the next version resets it.
func TestAccDirectoryUser_writeOnlyImport(t *testing.T) {
	e := newDirEnv(t)
	const addr = "tenantops_directory_user.u"
	const own, p1, p2 = "Own-Pa55word!", "Wo-First-Pa55!", "Wo-Second-Pa55!"
	secrets := []string{own, p1, p2}
	config := func(password string, version int) string {
		return testAccDirectoryUserWOConfig(e, "wi", "adopted", password, version)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             e.checkEmpty,
		Steps: writeOnlySteps(t, "initial_password",
			resource.TestStep{
				PreConfig: func() {
					if _, err := e.Client.CreateUser(context.Background(), e.Base, directory.User{
						Name: "Wanda Writeonly", SAMAccountName: "wi" + e.Tag, Enabled: true}, own); err != nil {
						t.Fatal(err)
					}
				},
				Config: config(p1, 1), ResourceName: addr, ImportState: true,
				ImportStateId: "wi" + e.Tag, ImportStatePersist: true,
			},
			resource.TestStep{
				Config:            config(p1, 1),
				ConfigPlanChecks:  writeOnlyPlanned(addr, "initial_password", secrets, updates(addr)),
				ConfigStateChecks: writeOnlyStateIs(addr, "initial_password", 1, secrets...),
				Check:             resource.ComposeTestCheckFunc(e.canLogin(own, true), e.canLogin(p1, false)),
			},
			resource.TestStep{
				Config:            config(p2, 2),
				ConfigPlanChecks:  writeOnlyPlanned(addr, "initial_password", secrets, updates(addr)),
				ConfigStateChecks: writeOnlyStateIs(addr, "initial_password", 2, secrets...),
				Check:             resource.ComposeTestCheckFunc(e.canLogin(p2, true), e.canLogin(own, false)),
			},
		),
	})
}

func TestAccDirectoryUser_backendError(t *testing.T) {
	e := newDirEnv(t)
	cfg := func(groups string) string {
		return e.providerConfig() + fmt.Sprintf(`
resource "tenantops_directory_user" "u" {
  name             = "Broken"
  path             = %q
  sam_account_name = "br%s"
  initial_password = "Pa55word!"
  groups           = [%q]
}
`, e.Base, e.Tag, groups)
	}
	// the account is created, joining a missing group fails: the tainted
	// account is in state and destroy removes it
	t.Parallel()
	testAccRefused(t, e.checkEmpty, cfg("CN=missing-group,"+e.Base),
		regexp.MustCompile(`(?s)Unable to set groups of user "br`+e.Tag+`".*Active Directory: `))
}
