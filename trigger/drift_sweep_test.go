package main

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/keycloak"
	"github.com/tenantops/tenantops/internal/sim/fault"
	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/api"
	"github.com/tenantops/tenantops/trigger/drift"
	"github.com/tenantops/tenantops/trigger/runner"
	"github.com/tenantops/tenantops/trigger/server"
	"github.com/tenantops/tenantops/trigger/store"
	"github.com/tenantops/tenantops/trigger/triggertest"
)

const testDriftSecret = "drift-notify-secret-0123456789"

// driftConfig is the test configuration with a two-second sweep that
// notifies n.
func driftConfig(t *testing.T, s *triggertest.Sims, n *notifyReceiver) server.Config {
	cfg := testConfig(t, testenv.NewDatabase(t), t.TempDir(), s, startCRM(t))
	cfg.DriftInterval = 2 * time.Second
	cfg.DriftNotifyURL = n.URL
	cfg.DriftNotifySecret = testDriftSecret
	return cfg
}

// A sweep finds a realm setting changed in Keycloak behind Terraform's
// back: the tenant's drift record names the resource, the action and the
// attribute (no value), the gauges count it, a notification signed with
// the drift secret says so, and nothing is changed in report mode. When
// the setting is put back, the next check finds the tenant in line and
// says so too.
func TestDriftSweepReportsOutOfBandChange(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	n := startNotifyReceiver(t)
	tr := startTrigger(t, driftConfig(t, s, n))
	onboard(t, tr.url, "delta")
	first := waitDrift(t, tr.url, "delta", func(d *store.DriftRecord) bool { return d != nil })
	if first.Drifted || first.Error != "" {
		t.Fatalf("first check of a fresh tenant: %+v", first)
	}

	kc := keycloakAdmin(t, s)
	setIdleTimeout(t, kc, "delta", 600)
	rec := waitDrift(t, tr.url, "delta", func(d *store.DriftRecord) bool { return d != nil && d.Drifted })
	var sum runner.Summary
	if err := json.Unmarshal(rec.Changes, &sum); err != nil {
		t.Fatal(err)
	}
	want := []runner.Change{{Address: "module.sso.tenantops_sso_realm.this", Action: "update", Changed: []string{"sso_session_idle_timeout"}}}
	if !slices.EqualFunc(sum.Changes, want, changeEqual) || rec.DriftedSince == nil || rec.Tier != "standard" {
		t.Fatalf("drift record %+v changes %+v, want %+v", rec, sum.Changes, want)
	}
	if strings.Contains(string(rec.Changes), "600") || strings.Contains(string(rec.Changes), "1800") {
		t.Errorf("the record shows values: %s", rec.Changes)
	}
	got := n.waitFor(t, "delta", drift.StatusDrifted)
	if got.Tier != "standard" || got.Remediation != drift.ModeReport || got.RemediationRunID != nil ||
		!slices.EqualFunc(got.Changes, want, changeEqual) || got.RunID > rec.RunID {
		t.Fatalf("notification %+v", got)
	}
	if raw := n.rawFor("delta"); strings.Contains(raw, "600") {
		t.Errorf("the notification shows a value: %s", raw)
	}

	var tenant api.TenantView
	apiGet(t, tr.url, "/v1/tenants/delta", &tenant)
	if tenant.Status != store.TenantDrifted || tenant.Drift == nil || !tenant.Drift.Drifted {
		t.Fatalf("tenant %+v drift %+v", tenant.Tenant, tenant.Drift)
	}
	var fleet api.DriftSummary
	apiGet(t, tr.url, "/v1/drift", &fleet)
	if fleet.Drifted != 1 || fleet.Tenants != 1 || fleet.Checked != 1 || !fleet.Enabled || fleet.Interval != "2s" ||
		len(fleet.Records) != 1 || fleet.Records[0].Tenant != "delta" || fleet.LastCheckAt == nil {
		t.Fatalf("fleet summary %+v", fleet)
	}
	metrics := scrape(t, tr.url)
	for _, m := range []string{`tenantops_trigger_drift_tenants_drifted{tier="standard"} 1`,
		`tenantops_trigger_drift_checks_total{result="drifted",tier="standard"}`,
		`tenantops_trigger_drift_checks_total{result="clean",tier="standard"}`,
		`tenantops_trigger_drift_last_check_timestamp_seconds{tier="standard"} 1.`} {
		if !strings.Contains(metrics, m) {
			t.Errorf("metrics lack %s", m)
		}
	}
	// Report mode changes nothing, however many checks pass.
	time.Sleep(3 * time.Second)
	if r := getRealm(t, kc, "delta"); r.SSOSessionIdleTimeout != 600 {
		t.Fatalf("report mode changed the realm: idle timeout %d", r.SSOSessionIdleTimeout)
	}
	if drifted := n.count("delta", drift.StatusDrifted); drifted != 1 {
		t.Errorf("%d drifted notifications for one change, want 1", drifted)
	}

	setIdleTimeout(t, kc, "delta", 1800)
	back := waitDrift(t, tr.url, "delta", func(d *store.DriftRecord) bool { return d != nil && !d.Drifted })
	if back.DriftedSince != nil {
		t.Errorf("a tenant back in line has drifted_since %s", back.DriftedSince)
	}
	if r := n.waitFor(t, "delta", drift.StatusResolved); len(r.Changes) != 0 {
		t.Errorf("resolved notification %+v", r)
	}
	apiGet(t, tr.url, "/v1/tenants/delta", &tenant)
	if tenant.Status != store.TenantActive {
		t.Errorf("tenant status %s once back in line", tenant.Status)
	}
	if n.bad() != 0 {
		t.Errorf("%d notifications were not signed with the drift secret", n.bad())
	}
}

// With the tier set to apply, the sweep puts a drifted realm back: an
// ordinary update run of the last good revision, marked as the
// remediation of the drift check, restores the setting, and the next
// check finds the tenant in line.
func TestDriftSweepRemediatesOutOfBandChange(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	n := startNotifyReceiver(t)
	cfg := driftConfig(t, s, n)
	cfg.DriftRemediate = drift.Policy{"standard": drift.ModeApply}
	tr := startTrigger(t, cfg)
	good := onboard(t, tr.url, "golf")["golf"]
	waitDrift(t, tr.url, "golf", func(d *store.DriftRecord) bool { return d != nil })

	kc := keycloakAdmin(t, s)
	setIdleTimeout(t, kc, "golf", 900)
	rec := waitDrift(t, tr.url, "golf", func(d *store.DriftRecord) bool { return d != nil && d.Drifted && d.RemediationRun != nil })
	fix := waitRun(t, tr.url, *rec.RemediationRun, 2*time.Minute)
	if fix.State != store.StateCompleted || fix.Kind != store.KindUpdate || fix.RemediationOf == nil || *fix.RemediationOf != rec.RunID ||
		!fix.ApproveDestructive || fix.ApprovalRequired || fix.Revision != good.Revision || fix.TemplateRevision != good.TemplateRevision {
		t.Fatalf("remediation run %+v (drift run %d, last good run %+v)", fix, rec.RunID, good)
	}
	if !slices.ContainsFunc(fix.Steps, func(st store.Step) bool {
		return st.Address == "module.sso.tenantops_sso_realm.this" && st.Action == "update" && st.Status == store.StepCompleted
	}) {
		t.Errorf("remediation steps %+v: want the realm updated", fix.Steps)
	}
	if r := getRealm(t, kc, "golf"); r.SSOSessionIdleTimeout != 1800 {
		t.Fatalf("realm idle timeout %d after the remediation, want 1800 as the spec says", r.SSOSessionIdleTimeout)
	}
	note := n.waitFor(t, "golf", drift.StatusDrifted)
	if note.Remediation != drift.ModeApply || note.RemediationRunID == nil || *note.RemediationRunID != fix.ID {
		t.Errorf("drifted notification %+v, want the remediation run %d", note, fix.ID)
	}
	waitDrift(t, tr.url, "golf", func(d *store.DriftRecord) bool { return d != nil && !d.Drifted && d.CheckedAt.After(*fix.FinishedAt) })
	n.waitFor(t, "golf", drift.StatusResolved)
	var runs struct {
		Runs []store.Run `json:"runs"`
	}
	apiGet(t, tr.url, "/v1/runs?tenant=golf", &runs)
	if fixes := countRuns(runs.Runs, func(r store.Run) bool { return r.RemediationOf != nil }); fixes != 1 {
		t.Errorf("%d remediation runs for one drift, want 1", fixes)
	}
}

// An automatic remediation never destroys or replaces: the portal
// client's id renamed in Keycloak makes the plan replace the client, so
// the remediation waits at AWAITING_APPROVAL with the plan to review,
// the sweep leaves the tenant alone meanwhile, and the approval applies it.
func TestDriftSweepDestructiveRemediationWaitsForApproval(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	n := startNotifyReceiver(t)
	cfg := driftConfig(t, s, n)
	cfg.DriftRemediate = drift.Policy{"standard": drift.ModeApply}
	tr := startTrigger(t, cfg)
	onboard(t, tr.url, "hotel")
	waitDrift(t, tr.url, "hotel", func(d *store.DriftRecord) bool { return d != nil })

	kc := keycloakAdmin(t, s)
	c, err := kc.FindClient(context.Background(), "hotel", "tenant-portal")
	if err != nil {
		t.Fatal(err)
	}
	c.ClientID = "tenant-portal-renamed"
	if err := kc.UpdateClient(context.Background(), "hotel", *c); err != nil {
		t.Fatal(err)
	}
	rec := waitDrift(t, tr.url, "hotel", func(d *store.DriftRecord) bool { return d != nil && d.RemediationRun != nil })
	var sum runner.Summary
	if err := json.Unmarshal(rec.Changes, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Replace != 1 || !slices.ContainsFunc(sum.Changes, func(c runner.Change) bool {
		return c.Address == "module.sso.tenantops_sso_client.portal" && c.Action == "replace" && slices.Contains(c.Changed, "client_id")
	}) {
		t.Fatalf("drift record changes %s: want the portal client replaced", rec.Changes)
	}
	id := *rec.RemediationRun
	waitState(t, tr.url, id, store.StateAwaitingApproval)
	var run store.Run
	apiGet(t, tr.url, "/v1/runs/"+itoa(id), &run)
	if !run.ApprovalRequired || !strings.Contains(string(run.PlanSummary), `"replace":1`) {
		t.Fatalf("waiting remediation %+v plan %s", run, run.PlanSummary)
	}
	// Several sweeps pass: nothing is applied and no second remediation starts.
	time.Sleep(5 * time.Second)
	if _, err := kc.FindClient(context.Background(), "hotel", "tenant-portal-renamed"); err != nil {
		t.Fatalf("the renamed client is gone before the approval: %v", err)
	}
	var runs struct {
		Runs []store.Run `json:"runs"`
	}
	apiGet(t, tr.url, "/v1/runs?tenant=hotel", &runs)
	if fixes := countRuns(runs.Runs, func(r store.Run) bool { return r.RemediationOf != nil }); fixes != 1 {
		t.Fatalf("%d remediation runs, want 1 waiting", fixes)
	}
	var approved store.Run
	apiPost(t, tr.url, "/v1/runs/"+itoa(id)+"/approve", &approved)
	if done := waitRun(t, tr.url, id, 2*time.Minute); done.State != store.StateCompleted {
		t.Fatalf("approved remediation ended %s: %s", done.State, done.Error)
	}
	if _, err := kc.FindClient(context.Background(), "hotel", "tenant-portal"); err != nil {
		t.Errorf("the portal client is not back: %v", err)
	}
	if _, err := kc.FindClient(context.Background(), "hotel", "tenant-portal-renamed"); !keycloak.IsNotFound(err) {
		t.Errorf("the renamed client should have been replaced: %v", err)
	}
	waitDrift(t, tr.url, "hotel", func(d *store.DriftRecord) bool { return d != nil && !d.Drifted })
}

// waitDrift polls the tenant's drift record until ok accepts it.
func waitDrift(t *testing.T, base, tenant string, ok func(*store.DriftRecord) bool) store.DriftRecord {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	var last *store.DriftRecord
	for time.Now().Before(deadline) {
		// A fresh value each time: decoding into the last one would keep
		// the fields the new answer omits.
		var v api.TenantView
		apiGet(t, base, "/v1/tenants/"+tenant, &v)
		last = v.Drift
		if ok(v.Drift) {
			if v.Drift == nil {
				return store.DriftRecord{}
			}
			return *v.Drift
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("drift record of %s: %+v, never as awaited", tenant, last)
	return store.DriftRecord{}
}

func countRuns(runs []store.Run, ok func(store.Run) bool) int {
	n := 0
	for _, r := range runs {
		if ok(r) {
			n++
		}
	}
	return n
}

func changeEqual(a, b runner.Change) bool {
	return a.Address == b.Address && a.Action == b.Action && slices.Equal(a.Changed, b.Changed)
}

// A check that cannot plan (the SCIM service refuses to read a user) is
// recorded with the backend's reason and counted, changes neither the
// verdict nor the tenant's status, sends no notification, and holds no
// later run of the tenant back: the next update completes and the next
// check clears the error.
func TestDriftCheckFailureIsRecordedAndHoldsNothingBack(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	n := startNotifyReceiver(t)
	tr := startTrigger(t, driftConfig(t, s, n))
	onboard(t, tr.url, "india")
	waitDrift(t, tr.url, "india", func(d *store.DriftRecord) bool { return d != nil })
	remove := s.SCIM.Faults.Add(fault.Rule{Method: http.MethodGet, Path: `/Users/[^/]+$`, Kind: fault.Status,
		Status: http.StatusForbidden, ContentType: "application/scim+json",
		Body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"403","detail":"token lacks the users scope"}`})
	rec := waitDrift(t, tr.url, "india", func(d *store.DriftRecord) bool { return d != nil && d.Error != "" })
	if rec.Drifted || !strings.Contains(rec.Error, "token lacks the users scope") {
		t.Fatalf("failed check recorded as %+v", rec)
	}
	var tenant api.TenantView
	apiGet(t, tr.url, "/v1/tenants/india", &tenant)
	if tenant.Status != store.TenantActive {
		t.Errorf("a failed check changed the tenant's status to %s", tenant.Status)
	}
	metrics := scrape(t, tr.url)
	for _, m := range []string{`tenantops_trigger_drift_check_failures_total{tier="standard"}`,
		`tenantops_trigger_drift_checks_total{result="failed",tier="standard"}`,
		`tenantops_trigger_drift_tenants_check_failed{tier="standard"} 1`} {
		if !strings.Contains(metrics, m) {
			t.Errorf("metrics lack %s", m)
		}
	}
	remove()
	r := postWebhook(t, tr.url, event("evt-india-2", "customer.updated", "india", func(tn map[string]any) { tn["display_name"] = "India Two" }))
	if run := waitRun(t, tr.url, r.RunID, 2*time.Minute); run.State != store.StateCompleted {
		t.Fatalf("update after a failed check ended %s: %s", run.State, run.Error)
	}
	waitDrift(t, tr.url, "india", func(d *store.DriftRecord) bool { return d != nil && d.Error == "" && !d.Drifted })
	if got := n.count("india", drift.StatusDrifted) + n.count("india", drift.StatusResolved); got != 0 {
		t.Errorf("%d notifications for a tenant that never drifted", got)
	}
}
