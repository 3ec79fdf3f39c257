package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/store"
)

// Offboarding with a retention hold (15 s here): a deletion suspends the
// tenant at once and tells the CRM when it will be destroyed; a
// reactivation during the hold cancels it, and the old hold's time then
// passes with nothing destroyed; a second deletion is carried out when
// its hold expires, and the CRM hears of both steps. An operator brings
// another tenant's destroy forward, and cancels a third's.
func TestE2EDeletionIsHeldThenCarriedOut(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	crm := startCRM(t)
	cfg := testConfig(t, testenv.NewDatabase(t), t.TempDir(), s, crm)
	const retention = 15 * time.Second
	cfg.OffboardRetention = time.Hour
	cfg.OffboardRetentionTiers = map[string]time.Duration{"standard": retention}
	tr := startTrigger(t, cfg)
	var mu sync.Mutex
	n := 0
	send := func(typ, tenant string) hookReply {
		t.Helper()
		mu.Lock()
		n++
		id := fmt.Sprintf("evt-hold-%d", n)
		mu.Unlock()
		return postWebhook(t, tr.url, event(id, typ, tenant, nil))
	}
	done := func(r hookReply, what string) store.Run {
		t.Helper()
		run := waitRun(t, tr.url, r.RunID, 3*time.Minute)
		if run.State != store.StateCompleted {
			t.Fatalf("%s: run %d %s %s", what, run.ID, run.State, run.Error)
		}
		return run
	}
	tenantHold := func(tenant string) (store.TenantStatus, *store.Hold) {
		t.Helper()
		var v struct {
			Status store.TenantStatus `json:"status"`
			Hold   *store.Hold        `json:"offboard_hold"`
		}
		apiGet(t, tr.url, "/v1/tenants/"+tenant, &v)
		return v.Status, v.Hold
	}
	orgExists := func(tenant string) bool { _, ok := s.VCD.OrgEnabled(tenant); return ok }

	for _, id := range []string{"holda", "holdb", "holdc"} {
		done(send("customer.created", id), "onboarding "+id)
	}

	// A: held, reactivated, held again and carried out at expiry.
	sent := time.Now()
	del := send("customer.deleted", "holda")
	run := done(del, "suspension of a held deletion")
	if run.Kind != store.KindUpdate {
		t.Errorf("a held deletion's first run is %s, want the suspension (update)", run.Kind)
	}
	status, h := tenantHold("holda")
	if status != store.TenantSuspended || h == nil || h.State != store.HoldHeld ||
		h.DestroyAt.Before(sent.Add(retention-time.Second)) || h.DestroyAt.After(time.Now().Add(retention+time.Second)) {
		t.Fatalf("after the deletion: status %s, hold %+v (want SUSPENDED, HELD for %s)", status, h, retention)
	}
	if enabled, _ := s.VCD.OrgEnabled("holda"); enabled {
		t.Errorf("a held tenant's org is still enabled")
	}
	done(send("customer.reactivated", "holda"), "reactivation")
	if status, h := tenantHold("holda"); status != store.TenantActive || h.State != store.HoldCancelled || !strings.Contains(h.Reason, "reactivated") {
		t.Fatalf("after the reactivation: status %s, hold %+v", status, h)
	}
	del2 := send("customer.deleted", "holda")
	done(del2, "second suspension")
	_, h2 := tenantHold("holda")
	// The first hold's time passes: its job finds nothing due.
	time.Sleep(time.Until(sent.Add(retention + 2*time.Second)))
	if !orgExists("holda") || h2.DestroyAt.Before(time.Now()) {
		t.Fatalf("the cancelled hold's time destroyed the tenant, or the second hold expired early (%s)", h2.DestroyAt)
	}

	// B: an operator brings the destroy forward. C: an operator cancels it.
	// Both act as soon as the deletions are acknowledged (the hold is in
	// force from then on), while the suspensions may still run: on a
	// loaded machine a suspension can outlast the retention.
	delB := send("customer.deleted", "holdb")
	delC := send("customer.deleted", "holdc")
	if code, body := apiDo(t, tr.url, http.MethodPatch, "/v1/tenants/holdb/hold",
		`{"destroy_at":"`+time.Now().Add(time.Second).UTC().Format(time.RFC3339)+`"}`); code != http.StatusOK {
		t.Fatalf("bringing holdb forward: %d %s", code, body)
	}
	if code, body := apiDo(t, tr.url, http.MethodDelete, "/v1/tenants/holdc/hold?reason=customer+paid", ""); code != http.StatusOK ||
		!strings.Contains(body, `"CANCELLED"`) {
		t.Fatalf("cancelling holdc: %d %s", code, body)
	}
	if code, _ := apiDo(t, tr.url, http.MethodDelete, "/v1/tenants/holdc/hold", ""); code != http.StatusConflict {
		t.Errorf("cancelling a cancelled hold: %d, want 409", code)
	}
	done(delB, "suspension of holdb")
	done(delC, "suspension of holdc")

	// Both destroys are carried out: holdb's at once, holda's at expiry.
	for _, tenant := range []string{"holdb", "holda"} {
		deadline := time.Now().Add(retention + 2*time.Minute)
		for {
			status, h := tenantHold(tenant)
			if status == store.TenantDeleted {
				if h.State != store.HoldDestroying || h.DestroyRun == nil {
					t.Errorf("%s deleted under hold %+v", tenant, h)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s not destroyed: status %s, hold %+v", tenant, status, h)
			}
			time.Sleep(500 * time.Millisecond)
		}
		if orgExists(tenant) {
			t.Errorf("%s's org survived its destroy", tenant)
		}
	}
	if !orgExists("holdc") {
		t.Errorf("holdc was destroyed although its hold was cancelled")
	}
	if status, _ := tenantHold("holdc"); status != store.TenantSuspended {
		t.Errorf("holdc after the cancelled hold: %s, want SUSPENDED", status)
	}

	// The CRM heard of both steps of holda's second deletion.
	cbs := crm.WaitSettled(del2.RunID, 30*time.Second)
	if len(cbs) != 1 || cbs[0].Outcome != "COMPLETED" || cbs[0].DestroyAt == nil {
		t.Errorf("suspension callback: %+v, want COMPLETED with destroy_at", cbs)
	}
	_, h2 = tenantHold("holda")
	if cbs := crm.WaitSettled(*h2.DestroyRun, 30*time.Second); len(cbs) != 1 || cbs[0].Kind != "offboard" || cbs[0].Outcome != "COMPLETED" || cbs[0].EventID != h2.EventID {
		t.Errorf("destroy callback: %+v, want offboard COMPLETED of event %s", cbs, h2.EventID)
	}
}

// apiDo sends an authenticated API request and returns its status and body.
func apiDo(t *testing.T, base, method, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), method, base+path, bytes.NewReader([]byte(body)))
	req.Header.Set("Authorization", "Bearer "+testAPIToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var v any
	_ = json.Unmarshal(raw, &v)
	return resp.StatusCode, string(raw)
}
