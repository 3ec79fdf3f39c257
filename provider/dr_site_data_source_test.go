package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	zertosim "github.com/tenantops/tenantops/internal/sim/zerto"
)

func TestAccDRSiteDataSource(t *testing.T) {
	t.Parallel()
	sim := startZertoSim(t, zertosim.Options{})
	prov := testAccZertoProvider(sim, false)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: prov + `
data "tenantops_dr_site" "dr" {
  name = "site-recovery"
}
data "tenantops_dr_site" "local" {
  name = "site-protected"
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.tenantops_dr_site.dr", tfjsonpath.New("site_type"), knownvalue.StringExact("VCD")),
					statecheck.ExpectKnownValue("data.tenantops_dr_site.dr", tfjsonpath.New("is_local"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue("data.tenantops_dr_site.dr", tfjsonpath.New("recovery_org_vdc_names"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("dr-vdc-1"), knownvalue.StringExact("dr-vdc-full")})),
					statecheck.ExpectKnownValue("data.tenantops_dr_site.local", tfjsonpath.New("is_local"), knownvalue.Bool(true)),
				},
				Check: resource.TestCheckResourceAttrSet("data.tenantops_dr_site.dr", "id"),
			},
			{
				Config: prov + `
data "tenantops_dr_site" "nope" {
  name = "site-atlantis"
}
`,
				ExpectError: regexp.MustCompile(`(?s)Unable to read DR site "site-atlantis".*known sites: site-protected,\s+site-recovery`),
			},
		},
	})
}
