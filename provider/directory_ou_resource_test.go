package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
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
	const addr = "tenantops_directory_ou.t"
	var firstID string
	moved := testAccDirectoryOUConfig(e, "acme-renamed", "p2", "moved", false)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             e.checkEmpty,
		Steps: []resource.TestStep{
			// create, with the parent path written in another spelling: no diff after refresh
			{
				Config: testAccDirectoryOUConfig(e, "Acme, Inc. #1", "p1", "tenant acme", false),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "name", "Acme, Inc. #1"),
					resource.TestCheckResourceAttr(addr, "description", "tenant acme"),
					resource.TestMatchResourceAttr(addr, "id", regexp.MustCompile(`^[0-9a-f]{8}-`)),
					resource.TestMatchResourceAttr(addr, "dn", regexp.MustCompile(`^OU=Acme\\, Inc\. \\?#1,OU=parent-one,`)),
					captureID(addr, &firstID),
					e.dnExists(addr),
				),
				ConfigPlanChecks: emptyAfterApply(),
			},
			// rename + move + new description, in place: same objectGUID
			{
				Config:           moved,
				ConfigPlanChecks: planIsThenEmpty(updates(addr)),
				Check: resource.ComposeTestCheckFunc(
					resource.TestMatchResourceAttr(addr, "dn", regexp.MustCompile(`^OU=acme-renamed,OU=parent-two,`)),
					resource.TestCheckResourceAttr(addr, "description", "moved"),
					keepsID(addr, &firstID),
					e.dnExists(addr),
				),
			},
			// import by DN and by GUID; path is kept as written in the
			// configuration, import reads the server's spelling
			importStepBy(addr, attrOf(addr, "dn"), "path"),
			importStepBy(addr, attrOf(addr, "id"), "path"),
			// deleted behind Terraform's back: the plan re-creates it
			{
				PreConfig:        e.deleteOutOfBand(t, "OU=acme-renamed,OU=parent-two,"+e.Base),
				Config:           moved,
				ConfigPlanChecks: planIs(creates(addr)),
			},
			// something appears in the OU: destroying it without recursive fails clearly
			{
				PreConfig: func() {
					if _, err := e.Client.CreateOU(context.Background(), "OU=acme-renamed,OU=parent-two,"+e.Base,
						directory.OU{Name: "made-elsewhere"}); err != nil {
						t.Fatal(err)
					}
				},
				Config:      e.providerConfig() + e.ouHCL("p2", "parent-two"),
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
	t.Parallel()
	testAccRefused(t, e.checkEmpty, e.providerConfig()+fmt.Sprintf(`
resource "tenantops_directory_ou" "t" {
  name = "orphan"
  path = "OU=does-not-exist,%s"
}
`, e.Base), regexp.MustCompile(`(?s)Unable to create OU "orphan".*Active Directory: No Such Object`))
}

func TestAccDirectoryOU_missingBlock(t *testing.T) {
	t.Parallel()
	testAccRefused(t, nil, `resource "tenantops_directory_ou" "t" {`+"\n name = \"x\"\n path = \"DC=test,DC=local\"\n}\n",
		regexp.MustCompile(`no "directory" block`))
}

// dnExists fails unless the DN of addr in state is in the directory.
func (e *dirEnv) dnExists(addr string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s not in state", addr)
		}
		return e.expectExists(rs.Primary.Attributes["dn"])
	}
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
				Config: providerHCL(backendHCL("directory", "", "url", "ldaps://127.0.0.1:1", "bind_dn", "CN=x,DC=test,DC=local",
					"bind_password", "x")) + ou,
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
