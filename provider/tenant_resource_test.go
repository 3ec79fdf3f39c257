package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/tenantops/tenantops/internal/sim/fault"
	simvcd "github.com/tenantops/tenantops/internal/sim/vcd"
)

// startVCDSim starts a Cloud Director simulator for one test.
func startVCDSim(t *testing.T) *simvcd.Server {
	t.Helper()
	s, err := simvcd.Start(simvcd.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// vcdProvider is the provider block pointing at the simulator, trusting
// its certificate through ca_pem.
func vcdProvider(s *simvcd.Server) string {
	return fmt.Sprintf(`
provider "tenantops" {
  vcd {
    url      = %q
    user     = "admin"
    password = "admin-password"
    ca_pem   = <<EOT
%sEOT
  }
}
`, s.URL, s.CAPEM)
}

// vcdInventoryIs checks the simulator holds exactly want (e.g. nothing after
// destroy: no orphans).
func vcdInventoryIs(s *simvcd.Server, want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got := s.Inventory()
		if strings.Join(got, ",") != strings.Join(want, ",") {
			return fmt.Errorf("Cloud Director holds %v, want %v", got, want)
		}
		return nil
	}
}

// diagRE matches a diagnostic containing parts in order, whatever way
// Terraform wraps the lines.
func diagRE(parts ...string) *regexp.Regexp {
	for i, p := range parts {
		parts[i] = strings.Join(strings.Fields(regexp.QuoteMeta(p)), `\s+`)
	}
	return regexp.MustCompile(strings.Join(parts, `[\s\S]*`))
}

// vcdHolds is for a step's PreConfig: it fails the test unless the
// simulator holds exactly want (what the previous, failed step left).
func vcdHolds(t *testing.T, s *simvcd.Server, want ...string) func() {
	return func() {
		t.Helper()
		if err := vcdInventoryIs(s, want...)(nil); err != nil {
			t.Error(err)
		}
	}
}

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
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: resource.ComposeTestCheckFunc(
					vcdInventoryIs(s, "org/acme"),
					func(st *terraform.State) error { orgID = st.RootModule().Resources[addr].Primary.ID; return nil },
				),
			},
			{
				// In-place update: no replacement, same organization.
				Config: testAccTenantConfig(s, "acme", "Acme Corporation", "second", false, 20),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("full_name"), knownvalue.StringExact("Acme Corporation")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("enabled"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("deployed_vm_quota"), knownvalue.Int64Exact(20)),
				},
				Check: func(st *terraform.State) error {
					if got := st.RootModule().Resources[addr].Primary.ID; got != orgID {
						return fmt.Errorf("organization was replaced: %s -> %s", orgID, got)
					}
					return nil
				},
			},
			{ResourceName: addr, ImportState: true, ImportStateId: "acme", ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"timeouts"}},
			{ResourceName: addr, ImportState: true, ImportStateIdFunc: func(*terraform.State) (string, error) { return orgID, nil },
				ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts"}},
			{
				// Drift made in Cloud Director is planned back.
				PreConfig: func() { s.SetOrgDescription("acme", "changed by hand") },
				Config:    testAccTenantConfig(s, "acme", "Acme Corporation", "second", false, 20),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
			},
			{
				// Deleted out of band: the plan re-creates it, without error.
				PreConfig: func() { s.DeleteOrg("acme") },
				Config:    testAccTenantConfig(s, "acme", "Acme Corporation", "second", false, 20),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: vcdInventoryIs(s, "org/acme"),
			},
		},
	})
}

func TestAccTenant_backendFailures(t *testing.T) {
	t.Parallel()
	s := startVCDSim(t)
	const addr = "tenantops_tenant.t"
	var removeFault func()
	cfg := testAccTenantConfig(s, "flaky", "Flaky Ltd", "", true, 0)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             vcdInventoryIs(s),
		Steps: []resource.TestStep{
			{
				// The API refuses the request: Cloud Director's own message.
				PreConfig: func() {
					removeFault = s.Faults.Add(fault.Rule{Method: "POST", Path: `^/api/admin/orgs$`, Kind: fault.Status, Status: 500,
						ContentType: "application/vnd.vmware.vcloud.error+xml",
						Body: `<Error xmlns="http://www.vmware.com/vcloud/v1.5" majorErrorCode="500" minorErrorCode="INTERNAL_SERVER_ERROR" ` +
							`message="[ 5f1c ] Database connection pool exhausted"/>`})
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
				PreConfig: vcdHolds(t, s, "org/flaky"),
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: vcdInventoryIs(s, "org/flaky"),
			},
		},
	})
}

func TestAccTenant_missingBlock(t *testing.T) {
	t.Parallel()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: `
provider "tenantops" {}
resource "tenantops_tenant" "t" {
  name      = "acme"
  full_name = "Acme"
}
`,
			ExpectError: diagRE(`no "vcd" block`),
		}},
	})
}

func TestAccTenant_apiTokenAndBadCredentials(t *testing.T) {
	t.Parallel()
	s, err := simvcd.Start(simvcd.Options{APIToken: "tok-refresh-1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	providerWith := func(auth string) string {
		return fmt.Sprintf(`
provider "tenantops" {
  vcd {
    url    = %q
    %s
    ca_pem = <<EOT
%sEOT
  }
}
`, s.URL, auth, s.CAPEM)
	}
	tenant := `
resource "tenantops_tenant" "t" {
  name      = "tok"
  full_name = "Token Tenant"
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             vcdInventoryIs(s),
		Steps: []resource.TestStep{
			{
				Config:      providerWith(`user = "admin"`+"\n"+`password = "wrong-password-x9"`) + tenant,
				ExpectError: diagRE("Cloud Director login failed", "login to", "Unauthorized"),
			},
			{
				Config: providerWith(`api_token = "tok-refresh-1"`) + tenant,
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
					removeFault = s.Faults.Add(fault.Rule{Method: "GET", Path: `^/api/admin/org/[0-9a-f-]+$`, Kind: fault.Status, Status: 403,
						ContentType: "application/vnd.vmware.vcloud.error+xml",
						Body: `<Error xmlns="http://www.vmware.com/vcloud/v1.5" majorErrorCode="403" minorErrorCode="ACCESS_TO_RESOURCE_IS_FORBIDDEN" ` +
							`message="[ 0b7e ] Either you need some or all of the following rights [ORG_VIEW] to perform operations [ORG_VIEW] for $OP_ID or the target entity is invalid."/>`})
				},
				Config:      cfg,
				ExpectError: diagRE(`Unable to read tenant "locked"`, "Cloud Director:", "following rights [ORG_VIEW]"),
			},
			{
				// Still tracked: once the rights are back, nothing to do.
				PreConfig: func() { removeFault() },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: vcdInventoryIs(s, "org/locked"),
			},
		},
	})
}
