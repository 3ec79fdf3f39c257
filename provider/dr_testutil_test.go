package provider

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

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
	return startSim(t, zertosim.Start, opts)
}

// testAccZertoProvider is the provider block for s; session selects the
// legacy x-zerto-session login instead of the appliance's token flow.
func testAccZertoProvider(s *zertosim.Server, session bool) string {
	return providerHCL(zertoBlock(s, session))
}

// zertoBlock is the zerto block pointing at s, trusting its certificate.
func zertoBlock(s *zertosim.Server, session bool) string {
	o := s.Options()
	if session {
		return backendHCL("zerto", s.CAPEM, "url", s.URL, "auth_mode", "session", "username", o.Username, "password", o.Password)
	}
	return backendHCL("zerto", s.CAPEM, "url", s.URL, "client_id", o.ClientID, "client_secret", o.ClientSecret)
}

// provider is the provider block with both backends a protection group needs.
func (w *drWorld) provider(session bool) string {
	return providerHCL(vcdBlock(w.vcd), zertoBlock(w.zerto, session))
}

// drTenant is the tenant's org, VDC and vApps; each vApp is created with
// a first VM unless listed in empty.
func drTenant(org string, vapps []string, empty ...string) string {
	var b strings.Builder
	b.WriteString(tenantHCL(org, org, "") + vdcHCL(org+"-vdc"))
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
func checkWorldEmpty(w *drWorld) resource.TestCheckFunc {
	return resource.ComposeTestCheckFunc(nothingLeft("Zerto", w.zerto.Inventory), nothingLeft("Cloud Director", w.vcd.Inventory))
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
