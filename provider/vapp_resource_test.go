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

	simvcd "github.com/tenantops/tenantops/internal/sim/vcd"
)

const vappAddr = "tenantops_vapp.w"

// testAccVAppConfig is an org, a VDC and one vApp named name; extra is HCL
// spliced into the vApp block.
func testAccVAppConfig(s *simvcd.Server, name, extra string) string {
	return vcdProvider(s) + testAccTenantHCL + vdcHCL("vdc-main") + fmt.Sprintf(`
resource "tenantops_vapp" "w" {
  vdc_id = tenantops_tenant_vdc.v.id
  name   = %q
%s
}
`, name, extra)
}

const withFirstVM = `  initial_vm = {
    name      = "mgmt"
    memory_mb = 2048
  }`

func TestAccVApp_lifecycle(t *testing.T) {
	t.Parallel()
	s := startVCDSim(t)
	var id string
	renamed := testAccVAppConfig(s, "apps", withFirstVM+"\n  description = \"tenant workloads\"")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             vcdInventoryIs(s),
		Steps: []resource.TestStep{
			{
				Config: testAccVAppConfig(s, "workloads", withFirstVM),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(vappAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^urn:vcloud:vapp:[0-9a-f-]{36}$`))),
					statecheck.ExpectKnownValue(vappAddr, tfjsonpath.New("vm_count"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(vappAddr, tfjsonpath.New("initial_vm").AtMapKey("cpus"), knownvalue.Int64Exact(1)),
				},
				ConfigPlanChecks: emptyAfterApply(),
				Check: resource.ComposeTestCheckFunc(
					vcdInventoryIs(s, "org/acme", "vapp/acme/vdc-main/workloads", "vdc/acme/vdc-main"),
					captureID(vappAddr, &id),
					func(*terraform.State) error {
						for _, a := range s.VApps() {
							if a.ID == id && a.Running && len(a.VMs) == 1 && a.VMs[0].Name == "mgmt" {
								return nil
							}
						}
						return fmt.Errorf("vApp %s with a running VM mgmt not in %+v", id, s.VApps())
					},
				),
			},
			{
				// Rename and describe in place; the initial VM is left alone.
				Config:           renamed,
				ConfigPlanChecks: planIsThenEmpty(updates(vappAddr)),
				Check: resource.ComposeTestCheckFunc(
					vcdInventoryIs(s, "org/acme", "vapp/acme/vdc-main/apps", "vdc/acme/vdc-main"),
					keepsID(vappAddr, &id),
				),
			},
			importStep(vappAddr, "acme/vdc-main/apps", "timeouts", "initial_vm"),
			importStepBy(vappAddr, remembered(&id), "timeouts", "initial_vm"),
			{ResourceName: vappAddr, ImportState: true, ImportStateId: "acme/vdc-main",
				ExpectError: regexp.MustCompile(`Import by .<org>/<vdc>/<vApp>.`)},
			{
				// Deleted in the portal: the plan re-creates it.
				PreConfig:        outOfBand(t, "delete of the vApp", func() bool { return s.DeleteVApp(id) }),
				Config:           renamed,
				ConfigPlanChecks: planIsThenEmpty(creates(vappAddr)),
				Check:            vcdInventoryIs(s, "org/acme", "vapp/acme/vdc-main/apps", "vdc/acme/vdc-main"),
			},
		},
	})
}

func TestAccVApp_failedTasksLeaveNothing(t *testing.T) {
	t.Parallel()
	s := startVCDSim(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             vcdInventoryIs(s),
		Steps: []resource.TestStep{
			{
				// Cloud Director fails the compose task: no vApp is left.
				PreConfig:   func() { s.FailNextTask(simvcd.OpVAppCompose, "Not enough storage in the storage policy gold.") },
				Config:      testAccVAppConfig(s, "workloads", ""),
				ExpectError: diagRE(`Unable to create vApp "workloads"`, "Not enough storage in the storage policy gold"),
			},
			{
				// The first VM fails: the vApp exists and is in state
				// (tainted), so the next apply replaces it.
				PreConfig: func() {
					vcdHolds(t, s, "org/acme", "vdc/acme/vdc-main")()
					s.FailNextTask(simvcd.OpVAppRecompose, "The VM could not be created: no host has room.")
				},
				Config:      testAccVAppConfig(s, "workloads", withFirstVM),
				ExpectError: diagRE(`Unable to create vApp "workloads"`, `but not its initial VM "mgmt"`, "no host has room"),
			},
			{
				PreConfig:        vcdHolds(t, s, "org/acme", "vapp/acme/vdc-main/workloads", "vdc/acme/vdc-main"),
				Config:           testAccVAppConfig(s, "workloads", withFirstVM),
				ConfigPlanChecks: planIs(replaces(vappAddr)),
				Check:            resource.TestCheckResourceAttr(vappAddr, "vm_count", "1"),
			},
		},
	})
}
