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
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/tenantops/tenantops/internal/sim/fault"
	simvcd "github.com/tenantops/tenantops/internal/sim/vcd"
	zertosim "github.com/tenantops/tenantops/internal/sim/zerto"
	"github.com/tenantops/tenantops/internal/testenv"
)

func init() {
	// Simulated tasks take a fraction of a second: poll them often.
	zertoPollInterval = 50 * time.Millisecond
}

const drAddr = "tenantops_dr_protection_group.pg"

// drWorld is a Cloud Director simulator and the Zerto simulator that
// protects it, linked as one process runs them in the dev sandbox.
type drWorld struct {
	vcd   *simvcd.Server
	zerto *zertosim.Server
}

func startDRWorld(t *testing.T, opts zertosim.Options) *drWorld {
	t.Helper()
	w := &drWorld{vcd: startVCDSim(t)}
	opts.VApps = testenv.ZertoVApps(w.vcd)
	w.zerto = startZertoSim(t, opts)
	return w
}

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
	return "provider \"tenantops\" {\n" + zertoBlock(s, session) + "}\n"
}

func zertoBlock(s *zertosim.Server, session bool) string {
	o := s.Options()
	creds := fmt.Sprintf("client_id = %q\n    client_secret = %q", o.ClientID, o.ClientSecret)
	if session {
		creds = fmt.Sprintf("auth_mode = \"session\"\n    username = %q\n    password = %q", o.Username, o.Password)
	}
	return fmt.Sprintf(`  zerto {
    url = %q
    %s
    ca_pem = <<EOT
%sEOT
  }
`, s.URL, creds, s.CAPEM)
}

// provider is the provider block with both backends a protection group needs.
func (w *drWorld) provider(session bool) string {
	return fmt.Sprintf(`
provider "tenantops" {
  vcd {
    url      = %q
    user     = "admin"
    password = "admin-password"
    ca_pem   = <<EOT
%sEOT
  }
%s}
`, w.vcd.URL, w.vcd.CAPEM, zertoBlock(w.zerto, session))
}

// drTenant is the tenant's org, VDC and vApps; each vApp is created with
// a first VM unless listed in empty.
func drTenant(org string, vapps []string, empty ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `
resource "tenantops_tenant" "t" {
  name      = %q
  full_name = %q
}

resource "tenantops_tenant_vdc" "v" {
  org              = tenantops_tenant.t.name
  name             = "%s-vdc"
  provider_vdc     = "pvdc-1"
  allocation_model = "AllocationVApp"
  network_pool     = "np-1"
  storage_profiles = [{ name = "gold", default = true }]
}
`, org, org, org)
	for _, a := range vapps {
		vm := fmt.Sprintf("\n  initial_vm = {\n    name = \"%s-vm1\"\n  }", a)
		if slices.Contains(empty, a) {
			vm = ""
		}
		fmt.Fprintf(&b, `
resource "tenantops_vapp" %q {
  vdc_id = tenantops_tenant_vdc.v.id
  name   = %q%s
}
`, a, a, vm)
	}
	return b.String()
}

type drPG struct {
	name, vdc, priority, extra string
	vapps                      []string
	journal, rpo               int
}

func (p drPG) hcl() string {
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
	ids := make([]string, len(p.vapps))
	for i, a := range p.vapps {
		ids[i] = "tenantops_vapp." + a + ".id"
	}
	return fmt.Sprintf(`
resource "tenantops_dr_protection_group" "pg" {
  name                  = %q
  vapp_ids              = [%s]
  recovery_site         = %q
  recovery_org_vdc      = %q
  storage_policy        = %q
  failover_network      = %q
  test_network          = %q
  rpo_alert_seconds     = %d
  journal_history_hours = %d
  priority              = %q
%s
}
`, p.name, strings.Join(ids, ", "), zertosim.RecoverySiteName, p.vdc, zertosim.StoragePolicy, zertosim.FailoverNetwork,
		zertosim.TestNetwork, p.rpo, p.journal, p.priority, p.extra)
}

// checkWorldEmpty fails unless neither simulator holds anything: no VPG,
// no open settings object, no org, VDC or vApp.
func checkWorldEmpty(w *drWorld) func(*terraform.State) error {
	return func(*terraform.State) error {
		if inv := w.zerto.Inventory(); len(inv) != 0 {
			return fmt.Errorf("objects left in Zerto: %v", inv)
		}
		if inv := w.vcd.Inventory(); len(inv) != 0 {
			return fmt.Errorf("objects left in Cloud Director: %v", inv)
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

// vappID returns the id of vApp resource addr from the state.
func vappID(st *terraform.State, name string) string {
	return st.RootModule().Resources["tenantops_vapp."+name].Primary.ID
}

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
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPair(drAddr, "id", drAddr, "vpg_id"),
					func(st *terraform.State) error {
						firstID, appA, appB = st.RootModule().Resources[drAddr].Primary.ID, vappID(st, "app_a"), vappID(st, "app_b")
						return nil
					},
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
				Config: prov + tenant + both.hcl(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(drAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(drAddr, "journal_history_hours", "72"),
					resource.TestCheckResourceAttr(drAddr, "vapp_ids.#", "2"),
					func(st *terraform.State) error {
						if id := st.RootModule().Resources[drAddr].Primary.ID; id != firstID {
							return fmt.Errorf("VPG was replaced: %s -> %s", firstID, id)
						}
						return nil
					},
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
				Config: prov + tenant + both.hcl(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(drAddr, plancheck.ResourceActionNoop)},
				},
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
				Config: prov + tenant + both.hcl(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(drAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
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
				Config: prov + tenant + onlyB.hcl(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(drAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkSimVpg(w.zerto, "acme-dr", func(v zertosim.VpgInfo) error {
					if !slices.Equal(v.VApps, []string{"app_b"}) || v.ProtectedVApp != appB || len(v.VMs) != 2 {
						return fmt.Errorf("removing app_a: %+v", v)
					}
					return nil
				}),
			},
			{
				ResourceName:            drAddr,
				ImportState:             true,
				ImportStateId:           "acme-dr",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				ResourceName:            drAddr,
				ImportState:             true,
				ImportStateIdFunc:       func(*terraform.State) (string, error) { return firstID, nil },
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
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
				PreConfig: func() {
					if !w.zerto.DeleteVpg("globex-dr") {
						t.Fatal("VPG globex-dr missing before the out-of-band delete")
					}
				},
				Config: prov + tenant + pg.hcl(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(drAddr, plancheck.ResourceActionCreate)},
				},
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
				PreConfig: func() {
					vdcID = w.zerto.RecoveryVdcID(zertosim.RecoveryVdc)
					if !w.zerto.RenameRecoveryVdc(zertosim.RecoveryVdc, "dr-vdc-renamed") {
						t.Fatal("rename")
					}
				},
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check:              resource.TestCheckResourceAttr(drAddr, "recovery_org_vdc", "dr-vdc-renamed"),
			},
			{
				Config: prov + tenant + renamed.hcl(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// A service profile deleted in Zerto is reported by its
				// identifier (neither dropped nor kept by name)...
				PreConfig: func() {
					if !w.zerto.RemoveServiceProfile(zertosim.ServiceProfileName) {
						t.Fatal("remove service profile")
					}
				},
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
				PreConfig: func() {
					if !w.zerto.RemoveRecoveryVdc("dr-vdc-renamed") {
						t.Fatal("remove recovery VDC")
					}
				},
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
				Config: prov + tenant + ok.hcl(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
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
				Config: prov + tenant + slow.hcl(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(drAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
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
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkWorldEmpty(w),
		Steps: []resource.TestStep{{
			Config:      w.provider(false) + drTenant("hooli", []string{"apps"}) + slow.hcl(),
			ExpectError: regexp.MustCompile(`(?s)Timed out trying to create DR protection group "hooli-dr"`),
		}},
	})
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
				PreConfig: func() { removeFault() },
				Config:    prov + tenant + pg.hcl(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
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
				Config:      `provider "tenantops" {}` + pg,
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
