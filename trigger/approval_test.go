package main

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/store"
)

// With approval required, runs stop at AWAITING_APPROVAL until approved;
// updates queued behind them coalesce to the newest revision; callbacks
// survive a CRM outage; the API needs its token; metrics report runs.
func TestE2EApprovalCoalescingCallbacksAPI(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	crm := startCRM(t)
	crm.FailFirst = 2
	cfg := testConfig(t, testenv.NewDatabase(t), t.TempDir(), s, crm)
	cfg.RequireApproval = true
	tr := startTrigger(t, cfg)

	r1 := postWebhook(t, tr.url, event("evt-ap-1", "customer.created", "echo", nil))
	waitState(t, tr.url, r1.RunID, store.StateAwaitingApproval)
	if inv := s.Inventory(); len(inv) != 0 {
		t.Fatalf("nothing may be created before approval: %v", inv)
	}
	var planned store.Run
	apiGet(t, tr.url, "/v1/runs/"+itoa(r1.RunID), &planned)
	if !strings.Contains(string(planned.PlanSummary), `"create":7`) {
		t.Fatalf("plan summary %s", planned.PlanSummary)
	}
	// Two updates arrive while the onboarding waits.
	r2 := postWebhook(t, tr.url, event("evt-ap-2", "customer.updated", "echo", func(tn map[string]any) { tn["display_name"] = "Echo Two" }))
	r3 := postWebhook(t, tr.url, event("evt-ap-3", "customer.updated", "echo", func(tn map[string]any) { tn["display_name"] = "Echo Three" }))

	// Approval needs the token.
	req, _ := http.NewRequest(http.MethodPost, tr.url+"/v1/runs/"+itoa(r1.RunID)+"/approve", nil)
	req.Header.Set("Authorization", "Bearer wrong-token")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("approve with a wrong token: %v %v", resp.StatusCode, err)
	}
	var approved store.Run
	apiPost(t, tr.url, "/v1/runs/"+itoa(r1.RunID)+"/approve", &approved)
	if run := waitRun(t, tr.url, r1.RunID, 2*time.Minute); run.State != store.StateCompleted {
		t.Fatalf("onboarding ended %s: %s", run.State, run.Error)
	}
	if run := waitRun(t, tr.url, r2.RunID, time.Minute); run.State != store.StateSuperseded {
		t.Fatalf("the older queued update ended %s, want SUPERSEDED", run.State)
	}
	waitState(t, tr.url, r3.RunID, store.StateAwaitingApproval)
	apiPost(t, tr.url, "/v1/runs/"+itoa(r3.RunID)+"/approve", &approved)
	if run := waitRun(t, tr.url, r3.RunID, 2*time.Minute); run.State != store.StateCompleted {
		t.Fatalf("newest update ended %s: %s", run.State, run.Error)
	}
	var tenant store.Tenant
	apiGet(t, tr.url, "/v1/tenants/echo", &tenant)
	if tenant.LastGoodRevision == nil || *tenant.LastGoodRevision != 3 {
		t.Fatalf("tenant %+v: want last good revision 3", tenant)
	}
	// The CRM refused the first two callbacks; all three arrive anyway.
	for _, id := range []int64{r1.RunID, r2.RunID, r3.RunID} {
		crm.WaitFor(t, id, 30*time.Second)
	}
	if crm.Bad() != 0 {
		t.Fatalf("%d callbacks had a bad signature or body", crm.Bad())
	}

	// API without a token, health without one, metrics with one.
	resp, err := http.Get(tr.url + "/v1/tenants")
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET /v1/tenants without token: %v %v", resp.StatusCode, err)
	}
	if resp, err := http.Get(tr.url + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v", err)
	}
	req, _ = http.NewRequest(http.MethodGet, tr.url+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+testAPIToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`tenantops_trigger_runs{state="COMPLETED"} 2`, `tenantops_trigger_runs{state="SUPERSEDED"} 1`,
		`tenantops_trigger_run_duration_seconds_count{kind="onboard",state="COMPLETED"} 1`,
		`tenantops_trigger_callback_backlog 0`, `tenantops_trigger_queue_depth`,
		`tenantops_trigger_callback_attempts_total{result="failed"} 2`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	var runs struct {
		Runs []store.Run `json:"runs"`
	}
	apiGet(t, tr.url, "/v1/runs?tenant=echo", &runs)
	if len(runs.Runs) != 3 {
		t.Fatalf("runs of echo: %d, want 3", len(runs.Runs))
	}
}

func waitState(t *testing.T, base string, id int64, state store.RunState) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	var r store.Run
	for time.Now().Before(deadline) {
		apiGet(t, base, "/v1/runs/"+itoa(id), &r)
		if r.State == state {
			return
		}
		if finalStates[r.State] {
			t.Fatalf("run %d ended %s (%s) before reaching %s", id, r.State, r.Error, state)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("run %d is %s, never reached %s", id, r.State, state)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
