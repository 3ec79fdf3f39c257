package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// testAccDirectoryGroupMemberConfig: group g (membership unmanaged), users
// u1 and u2, and membership resources given as HCL in members.
func testAccDirectoryGroupMemberConfig(e *dirEnv, members string) string {
	return e.providerConfig() + e.ouHCL("o", "team") + e.groupHCL("g", "team-group", "tg") + fmt.Sprintf(`
resource "tenantops_directory_user" "u1" {
  name             = "User One"
  sam_account_name = "u1%[1]s"
  path             = tenantops_directory_ou.o.dn
  initial_password = "Pa55word!"
}

resource "tenantops_directory_user" "u2" {
  name             = "User Two"
  sam_account_name = "u2%[1]s"
  path             = tenantops_directory_ou.o.dn
  initial_password = "Pa55word!"
}
%[2]s
`, e.Tag, members)
}

func (e *dirEnv) gm1(groupDN string) string {
	return fmt.Sprintf(`
resource "tenantops_directory_group_member" "m" {
  group_dn  = %q
  member_dn = tenantops_directory_user.u1.dn
  depends_on = [tenantops_directory_group.g]
}
`, groupDN)
}

func TestAccDirectoryGroupMember_lifecycle(t *testing.T) {
	e := newDirEnv(t)
	groupDN := "CN=team-group,OU=team," + e.Base
	u1, u2 := "CN=User One,OU=team,"+e.Base, "CN=User Two,OU=team,"+e.Base
	const addr = "tenantops_directory_group_member.m"
	// the group DN respelt
	upper := testAccDirectoryGroupMemberConfig(e, e.gm1(strings.ToUpper(groupDN)))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             e.checkEmpty,
		Steps: []resource.TestStep{
			{
				Config: testAccDirectoryGroupMemberConfig(e, e.gm1(lowerSpaced(groupDN))),
				Check: resource.ComposeTestCheckFunc(
					resource.TestMatchResourceAttr(addr, "id", regexp.MustCompile(`^[0-9a-f-]{36}/[0-9a-f-]{36}$`)),
					e.membersAre(groupDN, u1),
				),
				ConfigPlanChecks: emptyAfterApply(),
			},
			// someone else adds a member: neither the group nor the membership resource objects
			{
				PreConfig: func() {
					if err := e.Client.AddMember(context.Background(), groupDN, u2); err != nil {
						t.Fatal(err)
					}
				},
				Config:   testAccDirectoryGroupMemberConfig(e, e.gm1(lowerSpaced(groupDN))),
				PlanOnly: true,
			},
			// the group DN respelt: an in-place no-op, never a re-add
			{Config: upper, ConfigPlanChecks: planIsThenEmpty(updates(addr))},
			// import: sAMAccountNames, and DN|GUID
			importStep(addr, "tg"+e.Tag+"|u1"+e.Tag, "group_dn", "member_dn"),
			importStepBy(addr, func(s *terraform.State) (string, error) {
				id, err := attrOf("tenantops_directory_user.u1", "id")(s)
				return groupDN + "|" + id, err
			}, "group_dn", "member_dn"),
			// removed out of band: re-added
			{
				PreConfig: func() {
					if err := e.Client.RemoveMember(context.Background(), groupDN, u1); err != nil {
						t.Fatal(err)
					}
				},
				Config:           upper,
				ConfigPlanChecks: planIs(creates(addr)),
				Check:            e.membersAre(groupDN, u1, u2),
			},
			// destroying the membership removes only that member
			{
				Config: testAccDirectoryGroupMemberConfig(e, ""),
				Check:  e.membersAre(groupDN, u2),
			},
			// adding a member that is already there fails and says how to adopt it
			{
				Config: testAccDirectoryGroupMemberConfig(e, `
resource "tenantops_directory_group_member" "dup" {
  group_dn  = tenantops_directory_group.g.dn
  member_dn = tenantops_directory_user.u2.dn
}
`),
				ExpectError: regexp.MustCompile(`(?s)Unable to add .* to group .*already a member.*terraform\s+import`),
			},
			// a group that does not exist
			{
				Config: testAccDirectoryGroupMemberConfig(e, fmt.Sprintf(`
resource "tenantops_directory_group_member" "bad" {
  group_dn  = "CN=no-such-group,%s"
  member_dn = tenantops_directory_user.u2.dn
}
`, e.Base)),
				ExpectError: regexp.MustCompile(`(?s)Unable to add .* to group .*Active Directory: `),
			},
		},
	})
}
