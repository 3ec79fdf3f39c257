package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/tenantops/tenantops/internal/directory"
)

func testAccDirectoryOUConfig(e *dirEnv, name, parentRes, description string, recursive bool) string {
	desc := ""
	if description != "" {
		desc = fmt.Sprintf("description = %q", description)
	}
	return e.providerConfig() + fmt.Sprintf(`
resource "tenantops_directory_ou" "p1" {
  name = "parent-one"
  path = %[1]q
}

resource "tenantops_directory_ou" "p2" {
  name = "parent-two"
  path = %[1]q
}

resource "tenantops_directory_ou" "t" {
  name      = %[2]q
  path      = tenantops_directory_ou.%[3]s.dn
  recursive = %[5]t
  %[4]s
}
`, lowerSpaced(e.Base), name, parentRes, desc, recursive)
}

// lowerSpaced writes a DN the way a person might: lower case, spaces after commas.
func lowerSpaced(dn string) string { return strings.ReplaceAll(strings.ToLower(dn), ",", ", ") }

func TestAccDirectoryOU_lifecycle(t *testing.T) {
	e := newDirEnv(t)
	var firstID string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             e.checkEmpty,
		Steps: []resource.TestStep{
			// create, with the parent path written in another spelling: no diff after refresh
			{
				Config: testAccDirectoryOUConfig(e, "Acme, Inc. #1", "p1", "tenant acme", false),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("tenantops_directory_ou.t", "name", "Acme, Inc. #1"),
					resource.TestCheckResourceAttr("tenantops_directory_ou.t", "description", "tenant acme"),
					resource.TestMatchResourceAttr("tenantops_directory_ou.t", "id", regexp.MustCompile(`^[0-9a-f]{8}-`)),
					resource.TestMatchResourceAttr("tenantops_directory_ou.t", "dn", regexp.MustCompile(`^OU=Acme\\, Inc\. \\?#1,OU=parent-one,`)),
					func(s *terraform.State) error {
						firstID = s.RootModule().Resources["tenantops_directory_ou.t"].Primary.ID
						return e.expectExists(s.RootModule().Resources["tenantops_directory_ou.t"].Primary.Attributes["dn"])
					},
				),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			// rename + move + new description, in place: same objectGUID
			{
				Config: testAccDirectoryOUConfig(e, "acme-renamed", "p2", "moved", false),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("tenantops_directory_ou.t", plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(
					resource.TestMatchResourceAttr("tenantops_directory_ou.t", "dn", regexp.MustCompile(`^OU=acme-renamed,OU=parent-two,`)),
					resource.TestCheckResourceAttr("tenantops_directory_ou.t", "description", "moved"),
					func(s *terraform.State) error {
						if id := s.RootModule().Resources["tenantops_directory_ou.t"].Primary.ID; id != firstID {
							return fmt.Errorf("objectGUID changed on rename: %s -> %s", firstID, id)
						}
						return e.expectExists(s.RootModule().Resources["tenantops_directory_ou.t"].Primary.Attributes["dn"])
					},
				),
			},
			// import by DN and by GUID
			{
				ResourceName: "tenantops_directory_ou.t", ImportState: true, ImportStateVerify: true,
				ImportStateIdFunc: attrOf("tenantops_directory_ou.t", "dn"),
				// path is kept as written in the configuration; import reads the server's spelling
				ImportStateVerifyIgnore: []string{"path"},
			},
			{
				ResourceName: "tenantops_directory_ou.t", ImportState: true, ImportStateVerify: true,
				ImportStateIdFunc:       attrOf("tenantops_directory_ou.t", "id"),
				ImportStateVerifyIgnore: []string{"path"},
			},
			// deleted behind Terraform's back: the plan re-creates it
			{
				PreConfig: func() { e.deleteOutOfBand(t, "OU=acme-renamed,OU=parent-two,"+e.Base)() },
				Config:    testAccDirectoryOUConfig(e, "acme-renamed", "p2", "moved", false),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("tenantops_directory_ou.t", plancheck.ResourceActionCreate)},
				},
			},
			// something appears in the OU: destroying it without recursive fails clearly
			{
				PreConfig: func() {
					if _, err := e.Client.CreateOU(context.Background(), "OU=acme-renamed,OU=parent-two,"+e.Base,
						directory.OU{Name: "made-elsewhere"}); err != nil {
						t.Fatal(err)
					}
				},
				Config:      e.providerConfig() + `resource "tenantops_directory_ou" "p2" {` + "\n name = \"parent-two\"\n path = \"" + e.Base + "\"\n}\n",
				ExpectError: regexp.MustCompile(`(?s)Unable to delete organizational unit.*not empty.*recursive = true`),
			},
			// with recursive = true it goes, contents and all
			{
				Config: testAccDirectoryOUConfig(e, "acme-renamed", "p2", "moved", true),
			},
		},
	})
}

func TestAccDirectoryOU_backendError(t *testing.T) {
	e := newDirEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             e.checkEmpty,
		Steps: []resource.TestStep{
			{
				Config: e.providerConfig() + fmt.Sprintf(`
resource "tenantops_directory_ou" "t" {
  name = "orphan"
  path = "OU=does-not-exist,%s"
}
`, e.Base),
				ExpectError: regexp.MustCompile(`(?s)Unable to create OU "orphan".*Active Directory: No Such Object`),
			},
		},
	})
}

func TestAccDirectoryOU_missingBlock(t *testing.T) {
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config:      `resource "tenantops_directory_ou" "t" {` + "\n name = \"x\"\n path = \"DC=test,DC=local\"\n}\n",
			ExpectError: regexp.MustCompile(`no "directory" block`),
		}},
	})
}

// expectExists fails unless dn is in the directory.
func (e *dirEnv) expectExists(dn string) error {
	left, err := e.inventory()
	if err != nil {
		return err
	}
	for _, d := range left {
		if directory.EqualDN(d, dn) {
			return nil
		}
	}
	return fmt.Errorf("%s not found in the directory", dn)
}

// TestAccDirectoryOU_connectionErrors: an unreachable DC, an untrusted
// certificate and a wrong bind password each fail with a diagnostic that
// says which, and leave nothing behind.
func TestAccDirectoryOU_connectionErrors(t *testing.T) {
	e := newDirEnv(t)
	ou := fmt.Sprintf(`
resource "tenantops_directory_ou" "t" {
  name = "never"
  path = %q
}
`, e.Base)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             e.checkEmpty,
		Steps: []resource.TestStep{
			{
				Config: `
provider "tenantops" {
  directory {
    url           = "ldaps://127.0.0.1:1"
    bind_dn       = "CN=x,DC=test,DC=local"
    bind_password = "x"
  }
}
` + ou,
				ExpectError: regexp.MustCompile(`(?s)Unable to create OU "never".*Active Directory: Network Error`),
			},
			{
				Config:      e.providerConfigWith(e.DC.BindPassword, "") + ou,
				ExpectError: regexp.MustCompile(`(?s)Unable to create OU "never".*certificate`),
			},
			{
				Config:      e.providerConfigWith("not-the-password", e.DC.CAPEM) + ou,
				ExpectError: regexp.MustCompile(`(?s)Active Directory login failed.*Unable to create OU "never".*Invalid\s+Credentials`),
			},
		},
	})
}
