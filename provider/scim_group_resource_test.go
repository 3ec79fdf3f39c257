package provider

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	scimsim "github.com/tenantops/tenantops/internal/sim/scim"
)

const scimThreeUsers = `
resource "tenantops_scim_user" "a" { user_name = "alice@acme.example" }
resource "tenantops_scim_user" "b" { user_name = "bob@acme.example" }
resource "tenantops_scim_user" "c" { user_name = "carol@acme.example" }
`

func testAccSCIMGroupConfig(s *scimsim.Server, name string, members ...string) string {
	refs := make([]string, 0, len(members))
	for _, m := range members {
		refs = append(refs, "tenantops_scim_user."+m+".id")
	}
	return scimProvider(s) + scimThreeUsers + fmt.Sprintf(`
resource "tenantops_scim_group" "g" {
  display_name = %q
  external_id  = "crm-group-1"
  members      = [%s]
}
`, name, strings.Join(refs, ", "))
}

// scimExpectMembers checks the provider's member list of a group against
// the users with the given userNames.
func scimExpectMembers(s *scimsim.Server, groupName string, userNames ...string) func(*terraform.State) error {
	return func(*terraform.State) error {
		gid, ok := s.GroupID(groupName)
		if !ok {
			return fmt.Errorf("group %q not on the provider", groupName)
		}
		var want []string
		for _, n := range userNames {
			id, ok := s.UserID(n)
			if !ok {
				return fmt.Errorf("user %q not on the provider", n)
			}
			want = append(want, id)
		}
		sort.Strings(want)
		if got := s.GroupMembers(gid); strings.Join(got, ",") != strings.Join(want, ",") {
			return fmt.Errorf("members of %q = %v, want %v (%v)", groupName, got, want, userNames)
		}
		return nil
	}
}

func TestAccSCIMGroup(t *testing.T) {
	const addr = "tenantops_scim_group.g"
	testAccEachSCIMMode(t, func(t *testing.T, s *scimsim.Server, mode scimMode) []resource.TestStep {
		renamed := testAccSCIMGroupConfig(s, "acme-admins-2", "b", "c")
		bobAndCarol := scimExpectMembers(s, "acme-admins-2", "bob@acme.example", "carol@acme.example")
		return []resource.TestStep{
			{
				Config: testAccSCIMGroupConfig(s, "acme-admins", "a", "b"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("members"), knownvalue.SetSizeExact(2)),
				},
				Check: resource.ComposeTestCheckFunc(
					scimExpectMembers(s, "acme-admins", "alice@acme.example", "bob@acme.example"),
					simCheck(func() error { s.ResetCalls(); return nil }),
				),
			},
			{
				// Rename and swap a member in place.
				Config:           renamed,
				ConfigPlanChecks: planIs(updates(addr)),
				Check:            resource.ComposeTestCheckFunc(bobAndCarol, simCheck(func() error { return mode.wroteOnce(s, "Groups") })),
			},
			{Config: renamed, ConfigPlanChecks: planIs(noChanges())},
			importStep(addr, ""),
			importStep(addr, "displayName:acme-admins-2"),
			{
				// A member removed behind Terraform's back is put back.
				PreConfig: func() {
					gid, _ := s.GroupID("acme-admins-2")
					s.ModifyGroup(gid, func(a map[string]any) {
						ms := a["members"].([]any)
						a["members"] = ms[:1]
					})
				},
				Config:           renamed,
				ConfigPlanChecks: planIs(updates(addr)),
				Check:            bobAndCarol,
			},
			{
				// The group deleted behind Terraform's back is re-created.
				PreConfig: outOfBand(t, "delete of the group", func() bool {
					gid, _ := s.GroupID("acme-admins-2")
					return s.DeleteGroup(gid)
				}),
				Config:           renamed,
				ConfigPlanChecks: planIs(creates(addr)),
				Check:            bobAndCarol,
			},
		}
	})
}

func TestAccSCIMGroupBackendFault(t *testing.T) {
	t.Parallel()
	s := startSCIMSim(t, scimsim.Options{})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             scimNothingLeft(s),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					s.Faults.Add(scimFault("POST", "/Groups$", 0, 500, "group store is read-only"))
				},
				Config:      testAccSCIMGroupConfig(s, "acme-admins", "a", "b"),
				ExpectError: regexp.MustCompile(`(?s)Unable to create SCIM group "acme-admins".*HTTP 500 Internal Server Error: group\s+store is read-only`),
			},
			{
				// A member id the provider does not know: its scimType is shown.
				Config: scimProvider(s) + scimThreeUsers + `
resource "tenantops_scim_group" "g" {
  display_name = "acme-admins"
  members      = [tenantops_scim_user.a.id, "no-such-user"]
}
`,
				ExpectError: regexp.MustCompile(`(?s)Unable to create SCIM group "acme-admins".*HTTP 400 Bad Request \(scimType\s+invalidValue\): member "no-such-user"`),
			},
		},
	})
}

func testAccSCIMGroupMemberConfig(s *scimsim.Server, members ...string) string {
	var b strings.Builder
	b.WriteString(scimProvider(s) + scimThreeUsers + `
resource "tenantops_scim_group" "ops" {
  display_name = "acme-ops"
}
`)
	for _, m := range members {
		fmt.Fprintf(&b, `
resource "tenantops_scim_group_member" %q {
  group_id = tenantops_scim_group.ops.id
  user_id  = tenantops_scim_user.%s.id
}
`, m, m)
	}
	return b.String()
}

func TestAccSCIMGroupMember(t *testing.T) {
	testAccEachSCIMMode(t, func(t *testing.T, s *scimsim.Server, _ scimMode) []resource.TestStep {
		aliceAndCarol := scimExpectMembers(s, "acme-ops", "alice@acme.example", "carol@acme.example")
		return []resource.TestStep{
			{
				Config: testAccSCIMGroupMemberConfig(s, "a", "b"),
				Check: resource.ComposeTestCheckFunc(
					scimExpectMembers(s, "acme-ops", "alice@acme.example", "bob@acme.example"),
					resource.TestCheckResourceAttrPair("tenantops_scim_group_member.a", "group_id", "tenantops_scim_group.ops", "id"),
				),
			},
			{
				// Someone else adds carol: additive memberships leave her alone.
				PreConfig: func() {
					gid, _ := s.GroupID("acme-ops")
					cid, _ := s.UserID("carol@acme.example")
					s.ModifyGroup(gid, func(a map[string]any) {
						a["members"] = append(a["members"].([]any), map[string]any{"value": cid})
					})
				},
				Config:           testAccSCIMGroupMemberConfig(s, "a", "b"),
				ConfigPlanChecks: planIs(noChanges()),
			},
			{
				// Dropping bob's membership removes only bob.
				Config:           testAccSCIMGroupMemberConfig(s, "a"),
				ConfigPlanChecks: planIs(destroys("tenantops_scim_group_member.b"), leaves("tenantops_scim_group.ops")),
				Check:            aliceAndCarol,
			},
			importStep("tenantops_scim_group_member.a", ""),
			{
				// Membership removed out of band: plan adds it again.
				PreConfig: func() {
					gid, _ := s.GroupID("acme-ops")
					aid, _ := s.UserID("alice@acme.example")
					s.ModifyGroup(gid, func(a map[string]any) {
						var keep []any
						for _, m := range a["members"].([]any) {
							if m.(map[string]any)["value"] != aid {
								keep = append(keep, m)
							}
						}
						a["members"] = keep
					})
				},
				Config:           testAccSCIMGroupMemberConfig(s, "a"),
				ConfigPlanChecks: planIs(creates("tenantops_scim_group_member.a")),
				Check:            aliceAndCarol,
			},
		}
	})
}

func TestAccSCIMGroupETagConflict(t *testing.T) {
	testAccEachSCIMMode(t, func(t *testing.T, s *scimsim.Server, _ scimMode) []resource.TestStep {
		return []resource.TestStep{
			{Config: testAccSCIMGroupConfig(s, "acme-admins", "a")},
			{
				PreConfig: func() {
					gid, _ := s.GroupID("acme-admins")
					s.CollideNextWrite(gid)
				},
				Config:      testAccSCIMGroupConfig(s, "acme-admins", "a", "b"),
				ExpectError: regexp.MustCompile(`(?s)Unable to update SCIM group "acme-admins".*HTTP 412 Precondition Failed`),
			},
			{
				Config: testAccSCIMGroupConfig(s, "acme-admins", "a", "b"),
				Check:  scimExpectMembers(s, "acme-admins", "alice@acme.example", "bob@acme.example"),
			},
		}
	})
}
