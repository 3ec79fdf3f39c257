package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/tenantops/tenantops/internal/sim/fault"
)

func TestAccProviderVDCDataSource(t *testing.T) {
	t.Parallel()
	s := startVCDSim(t)
	const addr = "data.tenantops_provider_vdc.p"
	withVDC := vcdProvider(s) + testAccTenantHCL + `
data "tenantops_provider_vdc" "p" {
  name = "pvdc-1"
}

resource "tenantops_tenant_vdc" "v" {
  org              = tenantops_tenant.t.name
  name             = "vdc-main"
  provider_vdc     = data.tenantops_provider_vdc.p.name
  allocation_model = "Flex"
  network_pool     = data.tenantops_provider_vdc.p.network_pools[0]
  storage_profiles = [{ name = data.tenantops_provider_vdc.p.storage_profiles[1], default = true }]
}
`
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
					s.Faults.Add(fault.Rule{Method: "GET", Path: `^/api/query$`, Kind: fault.Status, Status: 503, Times: 1,
						ContentType: "application/vnd.vmware.vcloud.error+xml",
						Body: `<Error xmlns="http://www.vmware.com/vcloud/v1.5" majorErrorCode="503" minorErrorCode="SERVICE_UNAVAILABLE" ` +
							`message="[ 9c1e ] The query service is not available on this cell"/>`})
				},
				Config:      vcdProvider(s) + `data "tenantops_provider_vdc" "p" { name = "pvdc-1" }`,
				ExpectError: diagRE(`Unable to read provider VDC "pvdc-1"`, "Cloud Director:", "The query service is not available on this cell"),
			},
		},
	})
}
