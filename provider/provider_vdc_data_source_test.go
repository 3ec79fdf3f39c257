package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func TestAccProviderVDCDataSource(t *testing.T) {
	t.Parallel()
	s := startVCDSim(t)
	const addr = "data.tenantops_provider_vdc.p"
	withVDC := vcdProvider(s) + testAccTenantHCL + placedVDCHCL("v", "vdc-main", 1)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             vcdInventoryIs(s),
		Steps: []resource.TestStep{
			{
				Config: withVDC,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("storage_profiles"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("gold"), knownvalue.StringExact("silver")})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("network_pools"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("np-1")})),
					statecheck.ExpectKnownValue("tenantops_tenant_vdc.v", tfjsonpath.New("storage_profiles").AtSliceIndex(0).AtMapKey("name"),
						knownvalue.StringExact("silver")),
				},
				Check: vcdInventoryIs(s, "org/acme", "vdc/acme/vdc-main"),
			},
			{
				Config: vcdProvider(s) + `
data "tenantops_provider_vdc" "p" {
  name = "pvdc-missing"
}
`,
				ExpectError: diagRE(`Provider VDC "pvdc-missing" not found`),
			},
			{
				PreConfig: func() {
					once := vcdFault("GET", `^/api/query$`, 503, "SERVICE_UNAVAILABLE", "[ 9c1e ] The query service is not available on this cell")
					once.Times = 1
					s.Faults.Add(once)
				},
				Config:      vcdProvider(s) + `data "tenantops_provider_vdc" "p" { name = "pvdc-1" }`,
				ExpectError: diagRE(`Unable to read provider VDC "pvdc-1"`, "Cloud Director:", "The query service is not available on this cell"),
			},
		},
	})
}
