package sandbox

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/store"
	"github.com/tenantops/tenantops/trigger/triggertest"
)

// TestDemoSmoke runs the demo itself (without Samba, to stay short): two
// tenants complete, the premium one with its workloads vApp protected, the
// third is rolled back after Zerto refused its VPG, nothing of it is left
// in any simulator, and the CRM gets a verified callback for each.
func TestDemoSmoke(t *testing.T) {
	t.Parallel()
	text, err := runDemo(t, nil)
	if err != nil {
		t.Fatalf("demo failed: %v\n%s", err, text)
	}
	for _, want := range []string{
		"DEMO OK", "2 tenant(s) created, 1 rolled back",
		"run 3 APPLYING -> FAILED", "FAILED -> COMPENSATING", "COMPENSATING -> ROLLED_BACK",
		"[rollback]", "module.dr.tenantops_dr_protection_group.this", "200 duplicate, same run 1",
		"Zerto fails the VPG's commit task", "Insufficient storage in recovery org vDC 'dr-vdc-1'",
		"disaster recovery: VPG globex-vpg protects vApp globex-workloads (1 VM(s)) into org VDC dr-vdc-1",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(text)
	}
}

// TestDemoFailsWhenExpectationsAreNotMet: expecting a rollback that never
// happens must make the demo fail, naming the tenant and the leftovers.
func TestDemoFailsWhenExpectationsAreNotMet(t *testing.T) {
	t.Parallel()
	text, err := runDemo(t, [][]DemoCase{{{File: "standard.json", Want: store.StateRolledBack}}})
	if err == nil {
		t.Fatalf("demo reported success for an expectation that cannot hold:\n%s", text)
	}
	for _, want := range []string{"acme: run 1 ended COMPLETED, expected ROLLED_BACK", "left behind", "DEMO FAILED"} {
		if !strings.Contains(err.Error()+text, want) {
			t.Errorf("failure report lacks %q: %v", want, err)
		}
	}
}

// runDemo runs the demo without Samba and returns its output.
func runDemo(t *testing.T, cases [][]DemoCase) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := RunDemo(context.Background(), DemoOptions{
		Options:     Options{TerraformBin: triggertest.TerraformBin(t), ProviderMirror: sharedMirror(t), Directory: DirectoryOff},
		WebhooksDir: filepath.Join(testenv.RepoRoot(), "examples", "webhooks"),
		Out:         &out,
		Cases:       cases,
	})
	return out.String(), err
}
