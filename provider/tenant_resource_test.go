package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	simvcd "github.com/tenantops/tenantops/internal/sim/vcd"
)

func testAccTenantConfig(s *simvcd.Server, name, fullName, desc string, enabled bool, quota int) string {
	return vcdProvider(s) + fmt.Sprintf(`
resource "tenantops_tenant" "t" {
  name                       = %q
  full_name                  = %q
  description                = %q
  enabled                    = %t
  deployed_vm_quota          = %d
  stored_vm_quota            = 50
  vapp_storage_lease_seconds = 7200
}
`, name, fullName, desc, enabled, quota)
}

func TestAccTenant_lifecycle(t *testing.T) {
	t.Parallel()
	s := startVCDSim(t)
	const addr = "tenantops_tenant.t"
	var orgID string
	second := testAccTenantConfig(s, "acme", "Acme Corporation", "second", false, 20)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             vcdInventoryIs(s),
		Steps: []resource.TestStep{
			{
				Config: testAccTenantConfig(s, "acme", "Acme Corp", "first", true, 10),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^urn:vcloud:org:[0-9a-f-]{36}$`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("enabled"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("deployed_vm_quota"), knownvalue.Int64Exact(10)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("vapp_storage_lease_seconds"), knownvalue.Int64Exact(7200)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("delete_recursive"), knownvalue.Bool(false)),
				},
				ConfigPlanChecks: emptyAfterApply(),
				Check:            resource.ComposeTestCheckFunc(vcdInventoryIs(s, "org/acme"), captureID(addr, &orgID)),
			},
			{
				// In-place update: no replacement, same organization.
				Config:           second,
				ConfigPlanChecks: planIsThenEmpty(updates(addr)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("full_name"), knownvalue.StringExact("Acme Corporation")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("enabled"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("deployed_vm_quota"), knownvalue.Int64Exact(20)),
				},
				Check: keepsID(addr, &orgID),
			},
			importStep(addr, "acme", "timeouts"),
			importStepBy(addr, remembered(&orgID), "timeouts"),
			{
				// Drift made in Cloud Director is planned back.
				PreConfig:        func() { s.SetOrgDescription("acme", "changed by hand") },
				Config:           second,
				ConfigPlanChecks: planIs(updates(addr)),
			},
			{
				// Deleted out of band: the plan re-creates it, without error.
				PreConfig:        outOfBand(t, "delete of org acme", func() bool { return s.DeleteOrg("acme") }),
				Config:           second,
				ConfigPlanChecks: planIsThenEmpty(creates(addr)),
				Check:            vcdInventoryIs(s, "org/acme"),
			},
		},
	})
}

func TestAccTenant_backendFailures(t *testing.T) {
	t.Parallel()
	s := startVCDSim(t)
	var removeFault func()
	cfg := testAccTenantConfig(s, "flaky", "Flaky Ltd", "", true, 0)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             vcdInventoryIs(s),
		Steps: []resource.TestStep{
			{
				// The API refuses the request: Cloud Director's own message.
				PreConfig: func() {
					removeFault = s.Faults.Add(vcdFault("POST", `^/api/admin/orgs$`, 500, "INTERNAL_SERVER_ERROR",
						"[ 5f1c ] Database connection pool exhausted"))
				},
				Config:      cfg,
				ExpectError: diagRE(`Unable to create tenant "flaky"`, "Cloud Director: Database connection pool exhausted"),
			},
			{
				// The creation task fails after the organization exists: it is
				// tracked (tainted), so nothing is orphaned.
				PreConfig: func() {
					removeFault()
					s.FailNextTask(simvcd.OpOrgCreate, "LDAP sync of the new organization failed")
				},
				Config:      cfg,
				ExpectError: diagRE(`Unable to create tenant "flaky"`, "Cloud Director: task orgCreateOrg failed: LDAP sync of the new organization failed"),
			},
			{
				// The next apply replaces the tainted organization.
				PreConfig:        vcdHolds(t, s, "org/flaky"),
				Config:           cfg,
				ConfigPlanChecks: planIsThenEmpty(replaces("tenantops_tenant.t")),
				Check:            vcdInventoryIs(s, "org/flaky"),
			},
		},
	})
}

func TestAccTenant_missingBlock(t *testing.T) {
	t.Parallel()
	testAccRefused(t, nil, providerHCL()+tenantHCL("acme", "Acme", ""), diagRE(`no "vcd" block`))
}

func TestAccTenant_apiTokenAndBadCredentials(t *testing.T) {
	t.Parallel()
	s := startSim(t, simvcd.Start, simvcd.Options{APIToken: "tok-refresh-1"})
	tenant := tenantHCL("tok", "Token Tenant", "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             vcdInventoryIs(s),
		Steps: []resource.TestStep{
			{
				Config: providerHCL(backendHCL("vcd", s.CAPEM, "url", s.URL, "user", "admin", "password", "wrong-password-x9")) +
					tenant,
				ExpectError: diagRE("Cloud Director login failed", "login to", "Unauthorized"),
			},
			{
				Config: providerHCL(backendHCL("vcd", s.CAPEM, "url", s.URL, "api_token", "tok-refresh-1")) + tenant,
				Check:  vcdInventoryIs(s, "org/tok"),
			},
		},
	})
}

// A 403 on an organization that still exists (the caller lacks the rights)
// is a failure to report, never a reason to forget the tenant: only an org
// missing from Cloud Director's org list is gone.
func TestAccTenant_forbiddenReadIsAnError(t *testing.T) {
	t.Parallel()
	s := startVCDSim(t)
	var removeFault func()
	cfg := testAccTenantConfig(s, "locked", "Locked Ltd", "", true, 0)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             vcdInventoryIs(s),
		Steps: []resource.TestStep{
			{Config: cfg, Check: vcdInventoryIs(s, "org/locked")},
			{
				PreConfig: func() {
					removeFault = s.Faults.Add(vcdFault("GET", `^/api/admin/org/[0-9a-f-]+$`, 403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN",
						"[ 0b7e ] Either you need some or all of the following rights [ORG_VIEW] to perform operations [ORG_VIEW] for $OP_ID or the target entity is invalid."))
				},
				Config:      cfg,
				ExpectError: diagRE(`Unable to read tenant "locked"`, "Cloud Director:", "following rights [ORG_VIEW]"),
			},
			{
				// Still tracked: once the rights are back, nothing to do.
				PreConfig:        func() { removeFault() },
				Config:           cfg,
				ConfigPlanChecks: planIs(noChanges()),
				Check:            vcdInventoryIs(s, "org/locked"),
			},
		},
	})
}
