package provider

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	simvcd "github.com/tenantops/tenantops/internal/sim/vcd"
)

// testAccVDCConfig is a tenant plus one VDC; profiles and extra are HCL
// spliced into the VDC block.
func testAccVDCConfig(s *simvcd.Server, cpuLimit int, profiles, extra string) string {
	return vcdProvider(s) + testAccTenantHCL + fmt.Sprintf(`
resource "tenantops_tenant_vdc" "v" {
  org               = tenantops_tenant.t.name
  name              = "vdc-main"
  provider_vdc      = "pvdc-1"
  allocation_model  = "AllocationVApp"
  cpu_limit_mhz     = %d
  memory_limit_mb   = 8192
  network_pool      = "np-1"
  storage_profiles  = [%s]
%s
}
`, cpuLimit, profiles, extra)
}

const goldOnly = `{ name = "gold", limit_mb = 10240, default = true }`

func TestAccTenantVDC_lifecycle(t *testing.T) {
	t.Parallel()
	s := startVCDSim(t)
	const addr = "tenantops_tenant_vdc.v"
	var vdcID string
	// Listed in another order than Cloud Director returns them (gold first):
	// the state keeps the configured order, so the plan stays empty.
	twoProfiles := `{ name = "silver", limit_mb = 4096, default = true }, { name = "gold", limit_mb = 20480 }`
	described := testAccVDCConfig(s, 8000, goldOnly, `  description = "main"`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             vcdInventoryIs(s),
		Steps: []resource.TestStep{
			{
				Config: testAccVDCConfig(s, 4000, goldOnly, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^urn:vcloud:vdc:[0-9a-f-]{36}$`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("cpu_limit_mhz"), knownvalue.Int64Exact(4000)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("network_pool"), knownvalue.StringExact("np-1")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("storage_profiles"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{"name": knownvalue.StringExact("gold"),
							"limit_mb": knownvalue.Int64Exact(10240), "default": knownvalue.Bool(true), "enabled": knownvalue.Bool(true)}),
					})),
				},
				ConfigPlanChecks: emptyAfterApply(),
				Check:            resource.ComposeTestCheckFunc(vcdInventoryIs(s, "org/acme", "vdc/acme/vdc-main"), captureID(addr, &vdcID)),
			},
			{
				// In place: a bigger CPU limit, a second profile that becomes the default.
				Config:           testAccVDCConfig(s, 8000, twoProfiles, ""),
				ConfigPlanChecks: planIsThenEmpty(updates(addr)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("cpu_limit_mhz"), knownvalue.Int64Exact(8000)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("storage_profiles").AtSliceIndex(0).AtMapKey("default"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("storage_profiles").AtSliceIndex(1).AtMapKey("limit_mb"), knownvalue.Int64Exact(20480)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("storage_profiles").AtSliceIndex(1).AtMapKey("default"), knownvalue.Bool(false)),
				},
				Check: keepsID(addr, &vdcID),
			},
			{
				// Back to one profile: silver is removed, gold is the default again.
				Config:           described,
				ConfigPlanChecks: planIsThenEmpty(updates(addr)),
			},
			importStep(addr, "acme/vdc-main", "timeouts"),
			importStepBy(addr, remembered(&vdcID), "timeouts"),
			{
				PreConfig:        outOfBand(t, "delete of VDC acme/vdc-main", func() bool { return s.DeleteVDC("acme", "vdc-main") }),
				Config:           described,
				ConfigPlanChecks: planIsThenEmpty(creates(addr)),
				Check:            vcdInventoryIs(s, "org/acme", "vdc/acme/vdc-main"),
			},
		},
	})
}

func TestAccTenantVDC_failedTask(t *testing.T) {
	t.Parallel()
	s := startVCDSim(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             vcdInventoryIs(s),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					s.FailNextTask(simvcd.OpVDCCreate, "No datastore in storage profile gold has enough free space")
				},
				Config:      testAccVDCConfig(s, 4000, goldOnly, ""),
				ExpectError: diagRE(`Unable to create tenant VDC "acme/vdc-main"`, "task vdcCreateVdc failed: No datastore in storage profile gold has enough free space"),
			},
			{
				// The half-created VDC is in state (tainted): the next plan
				// replaces it, and the final destroy would remove it.
				PreConfig:        vcdHolds(t, s, "org/acme", "vdc/acme/vdc-main"),
				Config:           testAccVDCConfig(s, 4000, `{ name = "bronze", default = true }`, ""),
				ConfigPlanChecks: planIs(replaces("tenantops_tenant_vdc.v")),
				ExpectError:      diagRE(`storage profile "bronze" is not offered by provider VDC "pvdc-1"`),
			},
		},
	})
}

func TestAccTenantVDC_slowTaskTimeout(t *testing.T) {
	t.Parallel()
	s := startVCDSim(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		// Destroy waits for the still-running creation task, then deletes.
		CheckDestroy: vcdInventoryIs(s),
		Steps: []resource.TestStep{
			{
				PreConfig:   func() { s.SetTaskDuration(simvcd.OpVDCCreate, 5*time.Second) },
				Config:      testAccVDCConfig(s, 4000, goldOnly, `  timeouts { create = "2s" }`),
				ExpectError: diagRE(`Unable to create tenant VDC "acme/vdc-main"`, "timed out waiting for task vdcCreateVdc", "context deadline exceeded", "raise it in the resource's timeouts block"),
			},
			{
				// The VDC still being created is tracked (tainted): it is
				// replaced once Cloud Director lets go of it.
				PreConfig: func() {
					vcdHolds(t, s, "org/acme", "vdc/acme/vdc-main")()
					s.SetTaskDuration(simvcd.OpVDCCreate, 0)
				},
				Config:           testAccVDCConfig(s, 4000, goldOnly, ""),
				ConfigPlanChecks: planIsThenEmpty(replaces("tenantops_tenant_vdc.v")),
				Check:            vcdInventoryIs(s, "org/acme", "vdc/acme/vdc-main"),
			},
		},
	})
}

func TestAccTenant_deleteWithVDCNeedsRecursive(t *testing.T) {
	t.Parallel()
	s := startVCDSim(t)
	// The VDC names the org literally, so the tenant can be destroyed while
	// the VDC stays in the configuration.
	vdc := func(extra string) string {
		return `
resource "tenantops_tenant_vdc" "v" {
  org              = "acme"
  name             = "vdc-main"
  provider_vdc     = "pvdc-1"
  allocation_model = "AllocationVApp"
  storage_profiles = [{ name = "gold", default = true }]
` + extra + `}
`
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             vcdInventoryIs(s),
		Steps: []resource.TestStep{
			{
				Config: vcdProvider(s) + testAccTenantHCL + vdc("  depends_on = [tenantops_tenant.t]\n"),
				Check:  vcdInventoryIs(s, "org/acme", "vdc/acme/vdc-main"),
			},
			{
				// Destroying the tenant while its VDC exists is refused.
				Config:      vcdProvider(s) + vdc(""),
				ExpectError: diagRE(`Unable to delete tenant "acme"`, "organization still contains VDCs: vdc-main", "delete_recursive = true"),
			},
			{
				PreConfig: vcdHolds(t, s, "org/acme", "vdc/acme/vdc-main"),
				Config:    vcdProvider(s) + tenantHCL("acme", "Acme Corp", "  delete_recursive = true\n") + vdc(""),
				Check:     vcdInventoryIs(s, "org/acme", "vdc/acme/vdc-main"),
			},
			{
				// With delete_recursive the tenant goes and takes the VDC with
				// it; the VDC left in the configuration is planned again.
				Config:             vcdProvider(s) + vdc(""),
				Check:              vcdInventoryIs(s),
				ExpectNonEmptyPlan: true,
			},
		},
	})
}

// Cloud Director answers 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN, not 404, for
// an organization deleted out of band and for everything in it. The tenant,
// its VDC and its SSO settings are all read as gone: the plan re-creates
// them, without an error.
func TestAccTenantVDC_orgDeletedOutOfBand(t *testing.T) {
	t.Parallel()
	s := startVCDSim(t)
	cfg := testAccVDCConfig(s, 4000, goldOnly, "") + tenantSSOHCL("portal-secret", wellKnown(testAccIssuer))
	all := []string{"oidc/acme", "org/acme", "vdc/acme/vdc-main"}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             vcdInventoryIs(s),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check:  vcdInventoryIs(s, all...),
			},
			{
				PreConfig: outOfBand(t, "delete of org acme", func() bool { return s.DeleteOrg("acme") }),
				Config:    cfg,
				ConfigPlanChecks: planIsThenEmpty(creates("tenantops_tenant.t"), creates("tenantops_tenant_vdc.v"),
					creates("tenantops_tenant_sso.s")),
				Check: vcdInventoryIs(s, all...),
			},
		},
	})
}
