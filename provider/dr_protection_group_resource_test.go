package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/tenantops/tenantops/internal/sim/fault"
	zertosim "github.com/tenantops/tenantops/internal/sim/zerto"
)

func init() {
	// Simulated tasks take a fraction of a second: poll them often.
	zertoPollInterval = 50 * time.Millisecond
}

const drAddr = "tenantops_dr_protection_group.pg"

// startZertoSim starts a private ZVM simulator for one test.
func startZertoSim(t *testing.T, opts zertosim.Options) *zertosim.Server {
	t.Helper()
	s, err := zertosim.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// testAccZertoProvider is the provider block for s; session selects the
// legacy x-zerto-session login instead of the appliance's token flow.
func testAccZertoProvider(s *zertosim.Server, session bool) string {
	o := s.Options()
	creds := fmt.Sprintf("client_id = %q\n    client_secret = %q", o.ClientID, o.ClientSecret)
	if session {
		creds = fmt.Sprintf("auth_mode = \"session\"\n    username = %q\n    password = %q", o.Username, o.Password)
	}
	return fmt.Sprintf(`
provider "tenantops" {
  zerto {
    url = %q
    %s
    ca_pem = <<EOT
%sEOT
  }
}
`, s.URL, creds, s.CAPEM)
}

type drPG struct {
	name, source, vdc, priority, extra string
	journal, rpo                       int
}

func (p drPG) hcl() string {
	if p.source == "" {
		p.source = "urn:vcloud:vdc:6f1c2b9e-0d3a-4c41-9d2e-acme00000001"
	}
	if p.vdc == "" {
		p.vdc = zertosim.RecoveryVdc
	}
	if p.priority == "" {
		p.priority = "Medium"
	}
	if p.journal == 0 {
		p.journal = 24
	}
	if p.rpo == 0 {
		p.rpo = 300
	}
	return fmt.Sprintf(`
resource "tenantops_dr_protection_group" "pg" {
  name                  = %q
  source_vdc_id         = %q
  recovery_site         = %q
  recovery_org_vdc      = %q
  failover_network      = %q
  test_network          = %q
  rpo_alert_seconds     = %d
  journal_history_hours = %d
  priority              = %q
%s
}
`, p.name, p.source, zertosim.RecoverySiteName, p.vdc, zertosim.FailoverNetwork, zertosim.TestNetwork,
		p.rpo, p.journal, p.priority, p.extra)
}

// checkZertoEmpty fails unless the simulator holds no VPG and no open
// settings object.
func checkZertoEmpty(s *zertosim.Server) func(*terraform.State) error {
	return func(*terraform.State) error {
		if inv := s.Inventory(); len(inv) != 0 {
			return fmt.Errorf("objects left in Zerto: %v", inv)
		}
		return nil
	}
}

// checkNoOpenSettings fails when a settings object outlived its workflow.
func checkNoOpenSettings(s *zertosim.Server) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, o := range s.Inventory() {
			if strings.HasPrefix(o, "vpgSettings/") {
				return fmt.Errorf("stale settings object left in Zerto: %s", o)
			}
		}
		return nil
	}
}

func checkSimVpg(s *zertosim.Server, name string, f func(zertosim.VpgInfo) error) resource.TestCheckFunc {
	return func(*terraform.State) error {
		v, ok := s.Vpg(name)
		if !ok {
			return fmt.Errorf("VPG %q not found in Zerto (inventory %v)", name, s.Inventory())
		}
		return f(v)
	}
}

func TestAccDRProtectionGroup_lifecycle(t *testing.T) {
	t.Parallel()
	sim := startZertoSim(t, zertosim.Options{InitialSync: 1500 * time.Millisecond})
	prov := testAccZertoProvider(sim, false)
	base := drPG{name: "acme-dr", extra: fmt.Sprintf("  service_profile = %q\n  zorg = %q", zertosim.ServiceProfileName, zertosim.ZorgName)}
	updated := base
	updated.journal, updated.priority, updated.rpo = 72, "High", 600
	var firstID string

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkZertoEmpty(sim),
		Steps: []resource.TestStep{
			{
				Config: prov + base.hcl(),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(drAddr, tfjsonpath.New("status"), knownvalue.StringExact("MeetingSLA")),
					statecheck.ExpectKnownValue(drAddr, tfjsonpath.New("journal_history_hours"), knownvalue.Int64Exact(24)),
					statecheck.ExpectKnownValue(drAddr, tfjsonpath.New("service_profile"), knownvalue.StringExact("Gold")),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPair(drAddr, "id", drAddr, "vpg_id"),
					func(st *terraform.State) error {
						firstID = st.RootModule().Resources[drAddr].Primary.ID
						return nil
					},
					// Create returned only once Zerto reported the VPG protecting.
					checkSimVpg(sim, "acme-dr", func(v zertosim.VpgInfo) error {
						if v.Status != "MeetingSLA" || v.JournalHistoryInHours != 24 || v.Priority != "Medium" {
							return fmt.Errorf("unexpected VPG in Zerto: %+v", v)
						}
						return nil
					}),
					checkNoOpenSettings(sim),
				),
			},
			{
				// Journal, priority and RPO change in place through a settings copy.
				Config: prov + updated.hcl(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(drAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(drAddr, "journal_history_hours", "72"),
					resource.TestCheckResourceAttr(drAddr, "priority", "High"),
					func(st *terraform.State) error {
						if id := st.RootModule().Resources[drAddr].Primary.ID; id != firstID {
							return fmt.Errorf("VPG was replaced: %s -> %s", firstID, id)
						}
						return nil
					},
					checkSimVpg(sim, "acme-dr", func(v zertosim.VpgInfo) error {
						if v.JournalHistoryInHours != 72 || v.Priority != "High" || v.RpoInSeconds != 600 {
							return fmt.Errorf("edit not applied in Zerto: %+v", v)
						}
						return nil
					}),
					checkNoOpenSettings(sim),
				),
			},
			{
				ResourceName:      drAddr,
				ImportState:       true,
				ImportStateId:     "acme-dr",
				ImportStateVerify: true,
			},
			{
				ResourceName:      drAddr,
				ImportState:       true,
				ImportStateIdFunc: func(st *terraform.State) (string, error) { return firstID, nil },
				ImportStateVerify: true,
			},
			{
				ResourceName:  drAddr,
				ImportState:   true,
				ImportStateId: "no-such-vpg",
				ExpectError:   regexp.MustCompile(`Zerto has no VPG with that name or identifier`),
			},
			{
				// Reads discard their settings copies too.
				Config:   prov + updated.hcl(),
				PlanOnly: true,
				Check:    checkNoOpenSettings(sim),
			},
		},
	})
}

func TestAccDRProtectionGroup_driftAndReplaceWithLegacySession(t *testing.T) {
	t.Parallel()
	sim := startZertoSim(t, zertosim.Options{})
	prov := testAccZertoProvider(sim, true)
	pg := drPG{name: "globex-dr"}
	moved := pg
	moved.source = "urn:vcloud:vdc:0a6d7c3e-5b1f-4e2a-8c9d-globex000002"

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkZertoEmpty(sim),
		Steps: []resource.TestStep{
			{
				Config: prov + pg.hcl(),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(drAddr, "status", "MeetingSLA"),
					func(*terraform.State) error {
						if sim.SessionLogins() == 0 || sim.SessionLogins() != sim.Logins() {
							return fmt.Errorf("expected legacy session logins only: %d session of %d", sim.SessionLogins(), sim.Logins())
						}
						return nil
					},
				),
			},
			{
				// Deleted in the Zerto UI: the plan re-creates it, without error.
				PreConfig: func() {
					if !sim.DeleteVpg("globex-dr") {
						t.Fatal("VPG globex-dr missing before the out-of-band delete")
					}
				},
				Config: prov + pg.hcl(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(drAddr, plancheck.ResourceActionCreate)},
				},
				Check: checkSimVpg(sim, "globex-dr", func(v zertosim.VpgInfo) error {
					if v.Status != "MeetingSLA" {
						return fmt.Errorf("re-created VPG is %s", v.Status)
					}
					return nil
				}),
			},
			{
				// A different source VDC is a different VPG.
				Config: prov + moved.hcl(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(drAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: checkSimVpg(sim, "globex-dr", func(v zertosim.VpgInfo) error {
					if v.SourceVdc != moved.source {
						return fmt.Errorf("VPG protects %q, want %q", v.SourceVdc, moved.source)
					}
					return nil
				}),
			},
		},
	})
}

func TestAccDRProtectionGroup_failedCommitLeavesNothing(t *testing.T) {
	t.Parallel()
	sim := startZertoSim(t, zertosim.Options{})
	prov := testAccZertoProvider(sim, false)
	full := drPG{name: "initech-dr", vdc: zertosim.FullVdc}
	ok := drPG{name: "initech-dr"}
	var removeFault func()

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkZertoEmpty(sim),
		Steps: []resource.TestStep{
			{
				// The commit task fails at Zerto: its reason reaches the user.
				Config:      prov + full.hcl(),
				ExpectError: regexp.MustCompile(`(?s)Unable to create DR protection group "initech-dr".*Insufficient storage in\s+recovery org vDC 'dr-vdc-full'`),
			},
			{
				// The ZVM refuses the commit itself: the settings object is discarded.
				PreConfig: func() {
					if inv := sim.Inventory(); len(inv) != 0 {
						t.Fatalf("failed commit task left objects in Zerto: %v", inv)
					}
					removeFault = sim.Faults.Add(fault.Rule{Method: "POST", Path: `^/v1/vpgSettings/[^/]+/commit$`,
						Kind: fault.Status, Status: 503, ContentType: "application/json",
						Body: `{"Message":"The ZVM service is starting, try again later."}`})
				},
				Config:      prov + ok.hcl(),
				ExpectError: regexp.MustCompile(`(?s)The ZVM service is starting, try again later\..*HTTP 503`),
			},
			{
				PreConfig: func() {
					removeFault()
					if inv := sim.Inventory(); len(inv) != 0 {
						t.Fatalf("refused commit left objects in Zerto: %v", inv)
					}
				},
				Config: prov + ok.hcl(),
				Check:  resource.TestCheckResourceAttr(drAddr, "status", "MeetingSLA"),
			},
			{
				// A second resource with the same VPG name is refused, not adopted.
				Config:      prov + ok.hcl() + strings.Replace(ok.hcl(), `"pg"`, `"twin"`, 1),
				ExpectError: regexp.MustCompile(`(?s)Zerto already has a VPG named "initech-dr"`),
			},
			{
				// An edit whose commit task fails leaves the VPG as it was.
				Config:      prov + full.hcl(),
				ExpectError: regexp.MustCompile(`(?s)Unable to update DR protection group "initech-dr".*Insufficient storage`),
			},
			{
				Config: prov + ok.hcl(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(drAddr, "recovery_org_vdc", zertosim.RecoveryVdc),
					checkNoOpenSettings(sim),
					checkSimVpg(sim, "initech-dr", func(v zertosim.VpgInfo) error {
						if v.RecoveryOrgVdc != zertosim.RecoveryVdc {
							return fmt.Errorf("failed edit changed the VPG: %+v", v)
						}
						return nil
					}),
				),
			},
		},
	})
}

func TestAccDRProtectionGroup_createTimeoutTaintsAndCleansUp(t *testing.T) {
	t.Parallel()
	sim := startZertoSim(t, zertosim.Options{InitialSync: 30 * time.Second})
	prov := testAccZertoProvider(sim, false)
	slow := drPG{name: "umbrella-dr", extra: "  timeouts {\n    create = \"2s\"\n  }"}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkZertoEmpty(sim),
		Steps: []resource.TestStep{
			{
				Config:      prov + slow.hcl(),
				ExpectError: regexp.MustCompile(`(?s)Timed out trying to create DR protection group "umbrella-dr".*create timeout \(2s\).*Initializing`),
			},
			{
				// The VPG is in state, tainted: the next plan replaces it.
				PreConfig: func() {
					v, ok := sim.Vpg("umbrella-dr")
					if !ok || v.Status != "Initializing" {
						t.Fatalf("expected the timed-out VPG still initializing in Zerto, got %+v (found %v)", v, ok)
					}
					sim.SetInitialSync(200 * time.Millisecond)
				},
				Config: prov + slow.hcl(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(drAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(drAddr, "status", "MeetingSLA"),
					func(*terraform.State) error {
						if inv := sim.Inventory(); len(inv) != 1 {
							return fmt.Errorf("want exactly the new VPG in Zerto, got %v", inv)
						}
						return nil
					},
				),
			},
		},
	})
}

func TestAccDRProtectionGroup_createTimeoutThenDestroy(t *testing.T) {
	t.Parallel()
	sim := startZertoSim(t, zertosim.Options{InitialSync: 30 * time.Second})
	slow := drPG{name: "hooli-dr", extra: "  timeouts {\n    create = \"2s\"\n  }"}

	// The only way the still-initializing VPG can leave Zerto is a destroy
	// that found its id in state.
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkZertoEmpty(sim),
		Steps: []resource.TestStep{{
			Config:      testAccZertoProvider(sim, false) + slow.hcl(),
			ExpectError: regexp.MustCompile(`(?s)Timed out trying to create DR protection group "hooli-dr"`),
		}},
	})
}

func TestAccDRProtectionGroup_deleteTimeout(t *testing.T) {
	t.Parallel()
	sim := startZertoSim(t, zertosim.Options{})
	prov := testAccZertoProvider(sim, false)
	pg := drPG{name: "stark-dr", extra: "  timeouts {\n    delete = \"1s\"\n  }"}
	var removeFault func()

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkZertoEmpty(sim),
		Steps: []resource.TestStep{
			{Config: prov + pg.hcl()},
			{
				// The ZVM stops answering deletes: the delete timeout ends the wait.
				PreConfig: func() {
					removeFault = sim.Faults.Add(fault.Rule{Method: "DELETE", Path: `^/v1/vpgs/`, Kind: fault.Hang, Delay: 3 * time.Second})
				},
				Config:      prov + pg.hcl(),
				Destroy:     true,
				ExpectError: regexp.MustCompile(`(?s)Timed out trying to delete DR protection group "stark-dr".*delete\s+timeout \(1s\)`),
			},
			{
				PreConfig: func() { removeFault() },
				Config:    prov + pg.hcl(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkSimVpg(sim, "stark-dr", func(v zertosim.VpgInfo) error {
					if v.Status != "MeetingSLA" {
						return fmt.Errorf("VPG is %s after an unanswered delete", v.Status)
					}
					return nil
				}),
			},
		},
	})
}

func TestAccDRProtectionGroup_missingZertoBlock(t *testing.T) {
	t.Parallel()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config:      `provider "tenantops" {}` + drPG{name: "x"}.hcl(),
			ExpectError: regexp.MustCompile(`no "zerto" block`),
		}},
	})
}
