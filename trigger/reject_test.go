package main

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/store"
)

// An operator rejects a planned onboarding: the run ends REJECTED with the
// reason, nothing is built, the CRM is told, a second rejection conflicts,
// an unknown run is 404, and a later creation onboards the tenant afresh.
func TestE2ERejectPlannedRun(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	crm := startCRM(t)
	cfg := testConfig(t, testenv.NewDatabase(t), t.TempDir(), s, crm)
	cfg.RequireApproval = true
	tr := startTrigger(t, cfg)

	r1 := postWebhook(t, tr.url, event("evt-rj-1", "customer.created", "foxtrot", nil))
	waitState(t, tr.url, r1.RunID, store.StateAwaitingApproval)
	path := "/v1/runs/" + itoa(r1.RunID) + "/reject"

	if code, body := rejectRun(t, tr.url, path, `{"reason": "  "}`); code != http.StatusBadRequest || !strings.Contains(body, "reason") {
		t.Fatalf("blank reason: %d %s", code, body)
	}
	if code, _ := rejectRun(t, tr.url, "/v1/runs/999999/reject", `{"reason": "no"}`); code != http.StatusNotFound {
		t.Fatalf("unknown run: %d, want 404", code)
	}
	if code, body := rejectRun(t, tr.url, path, `{"reason": "quota too large for this contract"}`); code != http.StatusOK {
		t.Fatalf("reject: %d %s", code, body)
	}
	var run store.Run
	apiGet(t, tr.url, "/v1/runs/"+itoa(r1.RunID), &run)
	if run.State != store.StateRejected || !strings.Contains(run.Error, "quota too large") || run.FinishedAt == nil {
		t.Fatalf("run after rejection: %s %q finished %v", run.State, run.Error, run.FinishedAt)
	}
	cb := crm.WaitFor(t, r1.RunID, 30*time.Second)
	if cb.Outcome != string(store.StateRejected) || !strings.Contains(cb.Error, "quota too large") {
		t.Fatalf("callback %+v", cb)
	}
	if code, _ := rejectRun(t, tr.url, path, `{"reason": "again"}`); code != http.StatusConflict {
		t.Fatalf("second rejection: %d, want 409", code)
	}
	req, _ := http.NewRequest(http.MethodPost, tr.url+"/v1/runs/"+itoa(r1.RunID)+"/approve", nil)
	req.Header.Set("Authorization", "Bearer "+testAPIToken)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusConflict {
		t.Fatalf("approving a rejected run: %v %v", resp.StatusCode, err)
	}
	if inv := s.Inventory(); len(inv) != 0 {
		t.Fatalf("a rejected onboarding built %v", inv)
	}
	var tenant store.Tenant
	apiGet(t, tr.url, "/v1/tenants/foxtrot", &tenant)
	if tenant.Status != store.TenantRejected {
		t.Fatalf("tenant status %s, want REJECTED", tenant.Status)
	}
	// The CRM tries again: a fresh onboarding, not an update.
	r2 := postWebhook(t, tr.url, event("evt-rj-2", "customer.created", "foxtrot", nil))
	waitState(t, tr.url, r2.RunID, store.StateAwaitingApproval)
	apiGet(t, tr.url, "/v1/runs/"+itoa(r2.RunID), &run)
	if run.Kind != store.KindOnboard {
		t.Fatalf("creation after a rejection is a %s run, want onboard", run.Kind)
	}
	if crm.Bad() != 0 {
		t.Fatalf("%d callbacks had a bad signature or body", crm.Bad())
	}
}

func rejectRun(t *testing.T, base, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewReader([]byte(body)))
	req.Header.Set("Authorization", "Bearer "+testAPIToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}
