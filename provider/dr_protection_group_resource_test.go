package provider

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/tenantops/tenantops/internal/sim/fault"
	zertosim "github.com/tenantops/tenantops/internal/sim/zerto"
)

func TestAccDRProtectionGroup_lifecycle(t *testing.T) {
	t.Parallel()
	w := startDRWorld(t, zertosim.Options{InitialSync: 1500 * time.Millisecond})
	prov := w.provider(false)
	tenant := drTenant("acme", []string{"app_a", "app_b"})
	mapping := fmt.Sprintf("  network_mappings = [{\n    protected_network = %q\n    recovery_network = %q\n    test_network = %q\n  }]",
		zertosim.ProtectedNetwork, zertosim.FailoverNetwork, zertosim.TestNetwork)
	base := drPG{name: "acme-dr", vapps: []string{"app_a"},
		extra: fmt.Sprintf("  service_profile = %q\n  zorg = %q\n%s", zertosim.ServiceProfileName, zertosim.ZorgName, mapping)}
	both := base
	both.vapps, both.journal, both.priority, both.rpo = []string{"app_a", "app_b"}, 72, "High", 600
	onlyB := both
	onlyB.vapps = []string{"app_b"}
	var firstID, appA, appB string

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkWorldEmpty(w),
		Steps: []resource.TestStep{
			{
				Config: prov + tenant + base.hcl(),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(drAddr, tfjsonpath.New("status"), knownvalue.StringExact("MeetingSLA")),
					statecheck.ExpectKnownValue(drAddr, tfjsonpath.New("service_profile"), knownvalue.StringExact("Gold")),
					statecheck.ExpectKnownValue(drAddr, tfjsonpath.New("protected_vm_count"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(drAddr, tfjsonpath.New("network_mappings").AtSliceIndex(0).AtMapKey("protected_network"),
						knownvalue.StringExact(zertosim.ProtectedNetwork)),
				},
				ConfigPlanChecks: emptyAfterApply(),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPair(drAddr, "id", drAddr, "vpg_id"),
					captureID(drAddr, &firstID), captureID("tenantops_vapp.app_a", &appA), captureID("tenantops_vapp.app_b", &appB),
					// Create returned only once Zerto reported the VPG protecting.
					checkSimVpg(w.zerto, "acme-dr", func(v zertosim.VpgInfo) error {
						if v.Status != "MeetingSLA" || v.ProtectedVApp != appA || !slices.Equal(v.VApps, []string{"app_a"}) ||
							len(v.VMs) != 1 || !slices.Equal(v.StoragePolicies, []string{zertosim.StoragePolicy}) ||
							v.NetworkMappings != 1 || v.RecoveryOrgVdc != zertosim.RecoveryVdc {
							return fmt.Errorf("unexpected VPG in Zerto: %+v", v)
						}
						return nil
					}),
					checkNoOpenSettings(w.zerto),
				),
			},
			{
				// A second vApp, journal, priority and RPO change in place
				// through a settings copy.
				Config:           prov + tenant + both.hcl(),
				ConfigPlanChecks: planIsThenEmpty(updates(drAddr)),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(drAddr, "journal_history_hours", "72"),
					resource.TestCheckResourceAttr(drAddr, "vapp_ids.#", "2"),
					keepsID(drAddr, &firstID),
					checkSimVpg(w.zerto, "acme-dr", func(v zertosim.VpgInfo) error {
						if !slices.Equal(v.VApps, []string{"app_a", "app_b"}) || len(v.VMs) != 2 || v.JournalHistoryInHours != 72 ||
							v.Priority != "High" || v.RpoInSeconds != 600 {
							return fmt.Errorf("edit not applied in Zerto: %+v", v)
						}
						return nil
					}),
					checkNoOpenSettings(w.zerto),
				),
			},
			{
				// The tenant places a VM in the VPG's own vApp: Zerto adds it
				// by itself, the plan stays empty.
				PreConfig: func() {
					if _, ok := w.vcd.AddVM(appA, "a-web"); !ok {
						t.Fatal("AddVM")
					}
				},
				Config:           prov + tenant + both.hcl(),
				ConfigPlanChecks: planIs(leaves(drAddr)),
				Check: checkSimVpg(w.zerto, "acme-dr", func(v zertosim.VpgInfo) error {
					if len(v.VMs) != 3 {
						return fmt.Errorf("the VM added to the protected vApp did not join the VPG: %+v", v)
					}
					return nil
				}),
			},
			{
				// A VM placed in the other vApp is protected by the next apply.
				PreConfig: func() {
					if _, ok := w.vcd.AddVM(appB, "b-web"); !ok {
						t.Fatal("AddVM")
					}
				},
				Config:           prov + tenant + both.hcl(),
				ConfigPlanChecks: planIsThenEmpty(updates(drAddr)),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(drAddr, "protected_vm_count", "4"),
					checkSimVpg(w.zerto, "acme-dr", func(v zertosim.VpgInfo) error {
						if len(v.VMs) != 4 {
							return fmt.Errorf("the VM added to app_b is not protected: %+v", v)
						}
						return nil
					}),
				),
			},
			{
				// Removing the VPG's own vApp keeps the VPG for the other one.
				Config:           prov + tenant + onlyB.hcl(),
				ConfigPlanChecks: planIsThenEmpty(updates(drAddr)),
				Check: checkSimVpg(w.zerto, "acme-dr", func(v zertosim.VpgInfo) error {
					if !slices.Equal(v.VApps, []string{"app_b"}) || v.ProtectedVApp != appB || len(v.VMs) != 2 {
						return fmt.Errorf("removing app_a: %+v", v)
					}
					return nil
				}),
			},
			importStep(drAddr, "acme-dr", "timeouts"),
			importStepBy(drAddr, remembered(&firstID), "timeouts"),
			{
				ResourceName:  drAddr,
				ImportState:   true,
				ImportStateId: "no-such-vpg",
				ExpectError:   regexp.MustCompile(`Zerto has no VPG with that name or identifier`),
			},
			{
				// Reads discard their settings copies too.
				Config:   prov + tenant + onlyB.hcl(),
				PlanOnly: true,
				Check:    checkNoOpenSettings(w.zerto),
			},
		},
	})
}

func TestAccDRProtectionGroup_driftWithLegacySession(t *testing.T) {
	t.Parallel()
	w := startDRWorld(t, zertosim.Options{})
	prov := w.provider(true)
	tenant := drTenant("globex", []string{"apps"})
	pg := drPG{name: "globex-dr", vapps: []string{"apps"}, extra: fmt.Sprintf("  service_profile = %q", zertosim.ServiceProfileName)}
	renamed := pg
	renamed.vdc = "dr-vdc-renamed"
	var vdcID string

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkWorldEmpty(w),
		Steps: []resource.TestStep{
			{
				Config: prov + tenant + pg.hcl(),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(drAddr, "status", "MeetingSLA"),
					func(*terraform.State) error {
						if n := w.zerto.SessionLogins(); n == 0 || n != w.zerto.Logins() {
							return fmt.Errorf("expected legacy session logins only: %d session of %d", n, w.zerto.Logins())
						}
						return nil
					},
				),
			},
			{
				// Deleted in the Zerto UI: the plan re-creates it, without error.
				PreConfig:        outOfBand(t, "delete of VPG globex-dr", func() bool { return w.zerto.DeleteVpg("globex-dr") }),
				Config:           prov + tenant + pg.hcl(),
				ConfigPlanChecks: planIs(creates(drAddr)),
				Check: checkSimVpg(w.zerto, "globex-dr", func(v zertosim.VpgInfo) error {
					if v.Status != "MeetingSLA" || !slices.Equal(v.VApps, []string{"apps"}) {
						return fmt.Errorf("re-created VPG: %+v", v)
					}
					return nil
				}),
			},
			{
				// The recovery org VDC is renamed at the recovery site: the
				// state reports Zerto's name for it, the plan the difference.
				PreConfig: outOfBand(t, "rename of the recovery VDC", func() bool {
					vdcID = w.zerto.RecoveryVdcID(zertosim.RecoveryVdc)
					return w.zerto.RenameRecoveryVdc(zertosim.RecoveryVdc, "dr-vdc-renamed")
				}),
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check:              resource.TestCheckResourceAttr(drAddr, "recovery_org_vdc", "dr-vdc-renamed"),
			},
			{Config: prov + tenant + renamed.hcl(), ConfigPlanChecks: planIs(noChanges())},
			{
				// A service profile deleted in Zerto is reported by its
				// identifier (neither dropped nor kept by name)...
				PreConfig: outOfBand(t, "removal of the service profile", func() bool {
					return w.zerto.RemoveServiceProfile(zertosim.ServiceProfileName)
				}),
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check:              resource.TestMatchResourceAttr(drAddr, "service_profile", regexp.MustCompile(`^[0-9a-f]{32}$`)),
			},
			{
				// ...and the plan to set it back fails with Zerto's list.
				Config:      prov + tenant + renamed.hcl(),
				ExpectError: regexp.MustCompile(`(?s)Unable to update DR protection group "globex-dr".*service profile "Gold": not\s+found`),
			},
			{
				// A recovery org VDC Zerto no longer lists: it and its networks
				// and storage policy are reported by identifier.
				PreConfig:          outOfBand(t, "removal of the recovery VDC", func() bool { return w.zerto.RemoveRecoveryVdc("dr-vdc-renamed") }),
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					func(st *terraform.State) error {
						if got := st.RootModule().Resources[drAddr].Primary.Attributes["recovery_org_vdc"]; got != vdcID {
							return fmt.Errorf("recovery_org_vdc = %q, want the identifier %q", got, vdcID)
						}
						return nil
					},
					resource.TestMatchResourceAttr(drAddr, "failover_network", regexp.MustCompile(`^[0-9a-f]{32}$`)),
					resource.TestMatchResourceAttr(drAddr, "storage_policy", regexp.MustCompile(`^[0-9a-f-]{36}$`)),
				),
			},
		},
	})
}

func TestAccDRProtectionGroup_refusedCommitsLeaveNothing(t *testing.T) {
	t.Parallel()
	w := startDRWorld(t, zertosim.Options{})
	prov := w.provider(false)
	tenant := drTenant("initech", []string{"apps", "empty"}, "empty")
	full := drPG{name: "initech-dr", vapps: []string{"apps"}, vdc: zertosim.FullVdc}
	ok := drPG{name: "initech-dr", vapps: []string{"apps"}}
	emptyApp := drPG{name: "initech-dr", vapps: []string{"empty"}}
	var removeFault func()
	zertoEmpty := func() {
		if inv := w.zerto.Inventory(); len(inv) != 0 {
			t.Fatalf("objects left in Zerto: %v", inv)
		}
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkWorldEmpty(w),
		Steps: []resource.TestStep{
			{
				// The commit task fails at Zerto: its reason reaches the user.
				Config:      prov + tenant + full.hcl(),
				ExpectError: regexp.MustCompile(`(?s)Unable to create DR protection group "initech-dr".*Insufficient storage in\s+recovery org vDC 'dr-vdc-full'`),
			},
			{
				// A vApp without VMs gives a VPG nothing to protect: Zerto refuses it.
				PreConfig:   zertoEmpty,
				Config:      prov + tenant + emptyApp.hcl(),
				ExpectError: regexp.MustCompile(`(?s)vApp 'empty' has no virtual machines`),
			},
			{
				// The ZVM refuses the commit itself: the settings object is discarded.
				PreConfig: func() {
					zertoEmpty()
					removeFault = w.zerto.Faults.Add(fault.Rule{Method: "POST", Path: `^/v1/vpgSettings/[^/]+/commit$`,
						Kind: fault.Status, Status: 503, ContentType: "application/json",
						Body: `{"Message":"The ZVM service is starting, try again later."}`})
				},
				Config:      prov + tenant + ok.hcl(),
				ExpectError: regexp.MustCompile(`(?s)The ZVM service is starting, try again later\..*HTTP 503`),
			},
			{
				PreConfig: func() {
					removeFault()
					zertoEmpty()
				},
				Config: prov + tenant + ok.hcl(),
				Check:  resource.TestCheckResourceAttr(drAddr, "status", "MeetingSLA"),
			},
			{
				// A second resource with the same VPG name is refused, not adopted.
				Config:      prov + tenant + ok.hcl() + strings.Replace(ok.hcl(), `"pg"`, `"twin"`, 1),
				ExpectError: regexp.MustCompile(`(?s)Zerto already has a VPG named "initech-dr"`),
			},
			{
				// An edit whose commit task fails leaves the VPG as it was.
				Config:      prov + tenant + full.hcl(),
				ExpectError: regexp.MustCompile(`(?s)Unable to update DR protection group "initech-dr".*Insufficient storage`),
			},
			{
				Config:           prov + tenant + ok.hcl(),
				ConfigPlanChecks: planIs(noChanges()),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(drAddr, "recovery_org_vdc", zertosim.RecoveryVdc),
					checkNoOpenSettings(w.zerto),
					checkSimVpg(w.zerto, "initech-dr", func(v zertosim.VpgInfo) error {
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
	w := startDRWorld(t, zertosim.Options{InitialSync: 30 * time.Second})
	prov := w.provider(false)
	tenant := drTenant("umbrella", []string{"apps"})
	slow := drPG{name: "umbrella-dr", vapps: []string{"apps"}, extra: "  timeouts {\n    create = \"2s\"\n  }"}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkWorldEmpty(w),
		Steps: []resource.TestStep{
			{
				Config:      prov + tenant + slow.hcl(),
				ExpectError: regexp.MustCompile(`(?s)Timed out trying to create DR protection group "umbrella-dr".*create timeout \(2s\).*Initializing`),
			},
			{
				// The VPG is in state, tainted: the next plan replaces it.
				PreConfig: func() {
					v, ok := w.zerto.Vpg("umbrella-dr")
					if !ok || v.Status != "Initializing" {
						t.Fatalf("expected the timed-out VPG still initializing in Zerto, got %+v (found %v)", v, ok)
					}
					w.zerto.SetInitialSync(200 * time.Millisecond)
				},
				Config:           prov + tenant + slow.hcl(),
				ConfigPlanChecks: planIs(replaces(drAddr)),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(drAddr, "status", "MeetingSLA"),
					func(*terraform.State) error {
						if inv := w.zerto.Inventory(); !slices.Equal(inv, []string{"volume/dr-vdc-1/umbrella-dr/apps-vm1", "vpg/umbrella-dr", "vpg/umbrella-dr/vapp/apps"}) {
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
	w := startDRWorld(t, zertosim.Options{InitialSync: 30 * time.Second})
	slow := drPG{name: "hooli-dr", vapps: []string{"apps"}, extra: "  timeouts {\n    create = \"2s\"\n  }"}

	// The only way the still-initializing VPG can leave Zerto is a destroy
	// that found its id in state.
	testAccRefused(t, checkWorldEmpty(w), w.provider(false)+drTenant("hooli", []string{"apps"})+slow.hcl(),
		regexp.MustCompile(`(?s)Timed out trying to create DR protection group "hooli-dr"`))
}

func TestAccDRProtectionGroup_deleteTimeout(t *testing.T) {
	t.Parallel()
	w := startDRWorld(t, zertosim.Options{})
	prov := w.provider(false)
	tenant := drTenant("stark", []string{"apps"})
	pg := drPG{name: "stark-dr", vapps: []string{"apps"}, extra: "  timeouts {\n    delete = \"1s\"\n  }"}
	var removeFault func()

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkWorldEmpty(w),
		Steps: []resource.TestStep{
			{Config: prov + tenant + pg.hcl()},
			{
				// The ZVM stops answering deletes: the delete timeout ends the wait.
				PreConfig: func() {
					removeFault = w.zerto.Faults.Add(fault.Rule{Method: "DELETE", Path: `^/v1/vpgs/`, Kind: fault.Hang, Delay: 3 * time.Second})
				},
				Config:      prov + tenant + pg.hcl(),
				Destroy:     true,
				ExpectError: regexp.MustCompile(`(?s)Timed out trying to delete DR protection group "stark-dr".*delete\s+timeout \(1s\)`),
			},
			{
				PreConfig:        func() { removeFault() },
				Config:           prov + tenant + pg.hcl(),
				ConfigPlanChecks: planIs(noChanges()),
				Check: checkSimVpg(w.zerto, "stark-dr", func(v zertosim.VpgInfo) error {
					if v.Status != "MeetingSLA" {
						return fmt.Errorf("VPG is %s after an unanswered delete", v.Status)
					}
					return nil
				}),
			},
		},
	})
}

// keep_recovery_volumes leaves the recovery volumes at the recovery site
// when the VPG goes; by default nothing is left.
func TestAccDRProtectionGroup_keepRecoveryVolumes(t *testing.T) {
	t.Parallel()
	w := startDRWorld(t, zertosim.Options{})
	pg := drPG{name: "wayne-dr", vapps: []string{"apps"}, extra: "  keep_recovery_volumes = true"}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy: func(*terraform.State) error {
			if inv := w.zerto.Inventory(); !slices.Equal(inv, []string{"volume/dr-vdc-1/wayne-dr/apps-vm1"}) {
				return fmt.Errorf("want only the kept recovery volume in Zerto, got %v", inv)
			}
			return nil
		},
		Steps: []resource.TestStep{{
			Config: w.provider(false) + drTenant("wayne", []string{"apps"}) + pg.hcl(),
			Check:  resource.TestCheckResourceAttr(drAddr, "keep_recovery_volumes", "true"),
		}},
	})
}

func TestAccDRProtectionGroup_missingBlocks(t *testing.T) {
	t.Parallel()
	sim := startZertoSim(t, zertosim.Options{})
	pg := drPG{name: "x", vapps: []string{"apps"}}.hcl()
	pg = strings.Replace(pg, "[tenantops_vapp.apps.id]", `["urn:vcloud:vapp:00000000-0000-4000-8000-000000000001"]`, 1)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config:      providerHCL() + pg,
				ExpectError: regexp.MustCompile(`no "zerto" block`),
			},
			{
				// The VMs of the vApps come from Cloud Director.
				Config:      testAccZertoProvider(sim, false) + pg,
				ExpectError: regexp.MustCompile(`no "vcd" block`),
			},
		},
	})
}
