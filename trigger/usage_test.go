package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/sim/record"
	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/store"
	"github.com/tenantops/tenantops/trigger/triggertest"
	"github.com/tenantops/tenantops/trigger/usage"
)

// Usage reports: every live tenant's usage goes to the CRM once per period
// (2 s here) as a signed tenant.usage callback: its VDC's compute and
// storage from Cloud Director, the VMs its VPG protects from Zerto, its
// admin count; one report per tenant and period, keyed by both. Every
// request names its sender and version in its User-Agent: the trigger's
// usage reads and callbacks, and the provider its runs install from the
// mirror (built with -X main.version, as a release is).
func TestE2EUsageReports(t *testing.T) {
	t.Parallel()
	s := triggertest.StartRecordingSims(t, secrets)
	crm := startCRM(t)
	cfg := testConfig(t, testenv.NewDatabase(t), t.TempDir(), s, crm)
	cfg.UsageInterval = 2 * time.Second
	cfg.Version = "7.7.7-test"
	tr := startTrigger(t, cfg)
	premium := func(tn map[string]any) {
		tn["tier"] = "premium-dr"
		tn["dr"] = map[string]any{"rpo_seconds": 300, "journal_hours": 24, "priority": "High"}
		tn["quotas"] = map[string]any{"cpu_mhz": 3000, "memory_mb": 8192, "storage_mb": 20480, "vm_quota": 10}
	}
	for id, mutate := range map[string]func(map[string]any){"usedr": premium, "usest": nil} {
		r := postWebhook(t, tr.url, event("evt-"+id, "customer.created", id, mutate))
		if run := waitRun(t, tr.url, r.RunID, 3*time.Minute); run.State != store.StateCompleted {
			t.Fatalf("onboarding %s: %s %s", id, run.State, run.Error)
		}
	}
	reports := func() map[string][]usage.Report {
		out := map[string][]usage.Report{}
		for _, b := range crm.Raw() {
			var rep usage.Report
			if json.Unmarshal(b, &rep) == nil && rep.Type == usage.Type {
				out[rep.Tenant] = append(out[rep.Tenant], rep)
			}
		}
		return out
	}
	deadline := time.Now().Add(time.Minute)
	for {
		got := reports()
		if len(got["usedr"]) >= 2 && len(got["usest"]) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("usage reports after a minute: %+v", got)
		}
		time.Sleep(500 * time.Millisecond)
	}
	seen := map[string]bool{}
	for tenant, list := range reports() {
		for _, rep := range list {
			if seen[rep.ReportID] {
				t.Errorf("report %s sent twice", rep.ReportID)
			}
			seen[rep.ReportID] = true
			if want := fmt.Sprintf("usage:%s:%s", tenant, rep.PeriodStart.Format(time.RFC3339)); rep.ReportID != want ||
				rep.PeriodEnd.Sub(rep.PeriodStart) != 2*time.Second || rep.MeasuredAt.Before(rep.PeriodStart) || !rep.MeasuredAt.Before(rep.PeriodEnd) {
				t.Errorf("%s: report %s for [%s, %s) measured %s", tenant, rep.ReportID, rep.PeriodStart, rep.PeriodEnd, rep.MeasuredAt)
			}
			if rep.Admins != 1 || rep.Status != "ACTIVE" {
				t.Errorf("%s: admins %d, status %s", tenant, rep.Admins, rep.Status)
			}
			switch tenant {
			case "usedr":
				if rep.CPU.Limit != 3000 || rep.Memory.Limit != 8192 || rep.Storage.Limit != 20480 {
					t.Errorf("usedr limits %+v %+v %+v, want the quotas", rep.CPU, rep.Memory, rep.Storage)
				}
				if rep.Storage.Used <= 0 || rep.ProtectedVMs == nil || *rep.ProtectedVMs != 1 {
					t.Errorf("usedr: storage used %d (its VM's disk), protected VMs %v (want 1)", rep.Storage.Used, rep.ProtectedVMs)
				}
			case "usest":
				if rep.CPU.Limit != 2000 || rep.Storage.Used != 0 || rep.ProtectedVMs != nil {
					t.Errorf("usest: %+v (no VMs, no DR)", rep)
				}
			}
		}
	}
	if strings.Contains(crm.Bodies(), "idp-client-secret") {
		t.Errorf("a usage report carries a secret")
	}

	trig, prov := "tenantops-trigger/7.7.7-test", "terraform-provider-tenantops/"+testenv.MirrorVersion
	for _, c := range []struct {
		system string
		rec    *record.Recorder
		want   []string
	}{
		{"Cloud Director", s.VCD.Recorder, []string{prov, trig}},
		{"Zerto", s.Zerto.Recorder, []string{prov, trig}},
		{"Keycloak", s.Keycloak.Recorder, []string{prov}},
		{"SCIM", s.SCIM.Recorder, []string{prov}},
		{"the CRM", crm.Recorder, []string{trig}},
	} {
		got := c.rec.UserAgents()
		if c.system == "Keycloak" {
			// Cloud Director's own reads of the realms' discovery documents.
			delete(got, "Go-http-client/1.1")
		}
		for _, ua := range c.want {
			if got[ua] == 0 {
				t.Errorf("%s saw no request from %s; User-Agents seen: %v", c.system, ua, got)
			}
		}
		if len(got) != len(c.want) {
			t.Errorf("%s saw User-Agents %v, want only %v", c.system, got, c.want)
		}
	}
}
