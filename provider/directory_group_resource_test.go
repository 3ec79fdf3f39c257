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

// testAccDirectoryGroupConfig: an OU with two member groups m1, m2 and the
// group under test, g. members is HCL for g's members attribute.
func testAccDirectoryGroupConfig(e *dirEnv, name, extra, members string) string {
	return e.providerConfig() + fmt.Sprintf(`
resource "tenantops_directory_ou" "o" {
  name = "groups"
  path = %[1]q
}

resource "tenantops_directory_group" "m1" {
  name             = "member-one"
  sam_account_name = "m1-%[2]s"
  path             = tenantops_directory_ou.o.dn
}

resource "tenantops_directory_group" "m2" {
  name             = "member-two"
  sam_account_name = "m2-%[2]s"
  path             = tenantops_directory_ou.o.dn
}

resource "tenantops_directory_group" "g" {
  name             = %[3]q
  sam_account_name = "g-%[2]s"
  path             = tenantops_directory_ou.o.dn
  members          = %[4]s
  %[5]s
  depends_on       = [tenantops_directory_group.m1, tenantops_directory_group.m2]
}
`, e.Base, e.Tag, name, members, extra)
}

// memberDN spells the DN of a member group the way a person might.
func (e *dirEnv) memberDN(cn string, upper bool) string {
	dn := "cn=" + cn + ", ou=groups, " + lowerSpaced(e.Base)
	if upper {
		dn = strings.ToUpper("CN=" + cn + ",OU=groups," + e.Base)
	}
	return fmt.Sprintf("%q", dn)
}

func TestAccDirectoryGroup_lifecycle(t *testing.T) {
	e := newDirEnv(t)
	var firstID string
	one := "[" + e.memberDN("member-one", false) + "]"
	two := "[" + e.memberDN("member-one", false) + ", " + e.memberDN("member-two", true) + "]"
	twoOther := "[" + e.memberDN("MEMBER-ONE", true) + ", tenantops_directory_group.m2.dn]"
	withM3 := "[" + e.memberDN("member-one", false) + ", " + e.memberDN("member-two", true) + ", tenantops_directory_group.m3.dn]"
	m3 := `
resource "tenantops_directory_group" "m3" {
  name = "member-three"
  path = tenantops_directory_ou.o.dn
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             e.checkEmpty,
		Steps: []resource.TestStep{
			{
				Config: testAccDirectoryGroupConfig(e, "admins", `description = "tenant admins"`, one),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("tenantops_directory_group.g", "scope", "global"),
					resource.TestCheckResourceAttr("tenantops_directory_group.g", "category", "security"),
					resource.TestCheckResourceAttr("tenantops_directory_group.g", "members.#", "1"),
					resource.TestCheckResourceAttr("tenantops_directory_group.m1", "members.#", "0"),
					func(s *terraform.State) error {
						firstID = s.RootModule().Resources["tenantops_directory_group.g"].Primary.ID
						return e.expectMembers("CN=admins,OU=groups,"+e.Base, "CN=member-one,OU=groups,"+e.Base)
					},
				),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			// rename, new scope/category/description, a second member written in upper case
			{
				Config: testAccDirectoryGroupConfig(e, "admins-renamed",
					`description = "renamed"
  scope = "universal"
  category = "distribution"`, two),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("tenantops_directory_group.g", plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(
					resource.TestMatchResourceAttr("tenantops_directory_group.g", "dn", regexp.MustCompile(`^CN=admins-renamed,OU=groups,`)),
					resource.TestCheckResourceAttr("tenantops_directory_group.g", "scope", "universal"),
					resource.TestCheckResourceAttr("tenantops_directory_group.g", "category", "distribution"),
					resource.TestCheckResourceAttr("tenantops_directory_group.g", "members.#", "2"),
					func(s *terraform.State) error {
						if id := s.RootModule().Resources["tenantops_directory_group.g"].Primary.ID; id != firstID {
							return fmt.Errorf("objectGUID changed on rename: %s -> %s", firstID, id)
						}
						return e.expectMembers("CN=admins-renamed,OU=groups,"+e.Base,
							"CN=member-one,OU=groups,"+e.Base, "CN=member-two,OU=groups,"+e.Base)
					},
				),
			},
			// the same members written differently: no diff at all
			{
				Config: testAccDirectoryGroupConfig(e, "admins-renamed",
					`description = "renamed"
  scope = "universal"
  category = "distribution"`, twoOther),
				PlanOnly: true,
			},
			// import by DN, by sAMAccountName (plain and DOMAIN\name) and by GUID
			{ResourceName: "tenantops_directory_group.g", ImportState: true, ImportStateVerify: true,
				ImportStateIdFunc: attrOf("tenantops_directory_group.g", "dn"), ImportStateVerifyIgnore: []string{"path", "members"}},
			{ResourceName: "tenantops_directory_group.g", ImportState: true, ImportStateVerify: true,
				ImportStateId: "g-" + e.Tag, ImportStateVerifyIgnore: []string{"path", "members"}},
			{ResourceName: "tenantops_directory_group.g", ImportState: true, ImportStateVerify: true,
				ImportStateId: `TEST\g-` + e.Tag, ImportStateVerifyIgnore: []string{"path", "members"}},
			{ResourceName: "tenantops_directory_group.g", ImportState: true, ImportStateVerify: true,
				ImportStateIdFunc: attrOf("tenantops_directory_group.g", "id"), ImportStateVerifyIgnore: []string{"path", "members"}},
			// a member created in the same apply (unknown at plan time)
			{
				Config: testAccDirectoryGroupConfig(e, "admins-renamed",
					`description = "renamed"
  scope = "universal"
  category = "distribution"`, withM3) + m3,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("tenantops_directory_group.g", plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(*terraform.State) error {
					return e.expectMembers("CN=admins-renamed,OU=groups,"+e.Base, "CN=member-one,OU=groups,"+e.Base,
						"CN=member-two,OU=groups,"+e.Base, "CN=member-three,OU=groups,"+e.Base)
				},
			},
			// removed a member out of band: the plan puts it back
			{
				PreConfig: func() {
					if err := e.Client.RemoveMember(t.Context(), "CN=admins-renamed,OU=groups,"+e.Base, "CN=member-two,OU=groups,"+e.Base); err != nil {
						t.Fatal(err)
					}
				},
				Config: testAccDirectoryGroupConfig(e, "admins-renamed",
					`description = "renamed"
  scope = "universal"
  category = "distribution"`, two),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("tenantops_directory_group.g", plancheck.ResourceActionUpdate)},
				},
				Check: func(*terraform.State) error {
					return e.expectMembers("CN=admins-renamed,OU=groups,"+e.Base,
						"CN=member-one,OU=groups,"+e.Base, "CN=member-two,OU=groups,"+e.Base)
				},
			},
			// deleted out of band: re-created
			{
				PreConfig: e.deleteOutOfBand(t, "CN=admins-renamed,OU=groups,"+e.Base),
				Config: testAccDirectoryGroupConfig(e, "admins-renamed",
					`description = "renamed"
  scope = "universal"
  category = "distribution"`, two),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("tenantops_directory_group.g", plancheck.ResourceActionCreate)},
				},
			},
		},
	})
}

func TestAccDirectoryGroup_backendError(t *testing.T) {
	e := newDirEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             e.checkEmpty,
		Steps: []resource.TestStep{
			// a member that does not exist: the group is created, membership fails,
			// the tainted group is in state and destroy removes it (no orphan)
			{
				Config: testAccDirectoryGroupConfig(e, "broken", "",
					fmt.Sprintf("[%q]", "CN=nobody,OU=groups,"+e.Base)),
				ExpectError: regexp.MustCompile(`(?s)Unable to set members of group "broken".*Active Directory:`),
			},
			// a sAMAccountName that is already taken
			{
				Config: testAccDirectoryGroupConfig(e, "broken", "", "[]") + fmt.Sprintf(`
resource "tenantops_directory_group" "dup" {
  name             = "dup"
  sam_account_name = "m1-%s"
  path             = tenantops_directory_ou.o.dn
}
`, e.Tag),
				ExpectError: regexp.MustCompile(`(?s)Unable to create group "dup".*Active Directory: `),
			},
		},
	})
}

// expectMembers fails unless group's member attribute is exactly want.
func (e *dirEnv) expectMembers(groupDN string, want ...string) error {
	guid, err := e.Client.Resolve(context.Background(), directory.KindGroup, groupDN)
	if err != nil {
		return err
	}
	g, err := e.Client.GetGroup(context.Background(), guid)
	if err != nil {
		return err
	}
	if len(g.Members) != len(want) {
		return fmt.Errorf("group %s has members %q, want %q", groupDN, g.Members, want)
	}
	for _, w := range want {
		found := false
		for _, m := range g.Members {
			found = found || strings.EqualFold(m, w)
		}
		if !found {
			return fmt.Errorf("group %s has members %q, want %q", groupDN, g.Members, want)
		}
	}
	return nil
}
