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

// testAccDirectoryGroupConfig: an OU with two member groups m1, m2 and the
// group under test, g. members is HCL for g's members attribute.
func testAccDirectoryGroupConfig(e *dirEnv, name, extra, members string) string {
	return e.providerConfig() + e.ouHCL("o", "groups") + e.groupHCL("m1", "member-one", "m1-") +
		e.groupHCL("m2", "member-two", "m2-") + fmt.Sprintf(`
resource "tenantops_directory_group" "g" {
  name             = %[2]q
  sam_account_name = "g-%[1]s"
  path             = tenantops_directory_ou.o.dn
  members          = %[3]s
  %[4]s
  depends_on       = [tenantops_directory_group.m1, tenantops_directory_group.m2]
}
`, e.Tag, name, members, extra)
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
	const addr = "tenantops_directory_group.g"
	var firstID string
	// in spells the DN of an object in the groups OU as the directory does.
	in := func(cn string) string { return "CN=" + cn + ",OU=groups," + e.Base }
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
	// rename, new scope/category/description
	const renamed = `description = "renamed"
  scope = "universal"
  category = "distribution"`
	// import ignores: path is kept as configured, members as written
	ignore := []string{"path", "members"}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             e.checkEmpty,
		Steps: []resource.TestStep{
			{
				Config: testAccDirectoryGroupConfig(e, "admins", `description = "tenant admins"`, one),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "scope", "global"),
					resource.TestCheckResourceAttr(addr, "category", "security"),
					resource.TestCheckResourceAttr(addr, "members.#", "1"),
					resource.TestCheckResourceAttr("tenantops_directory_group.m1", "members.#", "0"),
					captureID(addr, &firstID),
					e.membersAre(in("admins"), in("member-one")),
				),
				ConfigPlanChecks: emptyAfterApply(),
			},
			// renamed, and a second member written in upper case
			{
				Config:           testAccDirectoryGroupConfig(e, "admins-renamed", renamed, two),
				ConfigPlanChecks: planIsThenEmpty(updates(addr)),
				Check: resource.ComposeTestCheckFunc(
					resource.TestMatchResourceAttr(addr, "dn", regexp.MustCompile(`^CN=admins-renamed,OU=groups,`)),
					resource.TestCheckResourceAttr(addr, "scope", "universal"),
					resource.TestCheckResourceAttr(addr, "category", "distribution"),
					resource.TestCheckResourceAttr(addr, "members.#", "2"),
					keepsID(addr, &firstID),
					e.membersAre(in("admins-renamed"), in("member-one"), in("member-two")),
				),
			},
			// the same members written differently: no diff at all
			{Config: testAccDirectoryGroupConfig(e, "admins-renamed", renamed, twoOther), PlanOnly: true},
			// import by DN, by sAMAccountName (plain and DOMAIN\name) and by GUID
			importStepBy(addr, attrOf(addr, "dn"), ignore...),
			importStep(addr, "g-"+e.Tag, ignore...),
			importStep(addr, `TEST\g-`+e.Tag, ignore...),
			importStepBy(addr, attrOf(addr, "id"), ignore...),
			// a member created in the same apply (unknown at plan time)
			{
				Config:           testAccDirectoryGroupConfig(e, "admins-renamed", renamed, withM3) + m3,
				ConfigPlanChecks: planIsThenEmpty(updates(addr)),
				Check:            e.membersAre(in("admins-renamed"), in("member-one"), in("member-two"), in("member-three")),
			},
			// removed a member out of band: the plan puts it back
			{
				PreConfig: func() {
					if err := e.Client.RemoveMember(t.Context(), in("admins-renamed"), in("member-two")); err != nil {
						t.Fatal(err)
					}
				},
				Config:           testAccDirectoryGroupConfig(e, "admins-renamed", renamed, two),
				ConfigPlanChecks: planIs(updates(addr)),
				Check:            e.membersAre(in("admins-renamed"), in("member-one"), in("member-two")),
			},
			// deleted out of band: re-created
			{
				PreConfig:        e.deleteOutOfBand(t, in("admins-renamed")),
				Config:           testAccDirectoryGroupConfig(e, "admins-renamed", renamed, two),
				ConfigPlanChecks: planIs(creates(addr)),
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
				Config:      testAccDirectoryGroupConfig(e, "broken", "", "[]") + e.groupHCL("dup", "dup", "m1-"),
				ExpectError: regexp.MustCompile(`(?s)Unable to create group "dup".*Active Directory: `),
			},
		},
	})
}

// membersAre is expectMembers as a check function.
func (e *dirEnv) membersAre(groupDN string, want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error { return e.expectMembers(groupDN, want...) }
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
