package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/sim/fault"
	zertosim "github.com/tenantops/tenantops/internal/sim/zerto"
	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/store"
)

// Onboarding end to end: the same signed webhook delivered ten times at
// once gives exactly one run, which completes with one step per resource,
// and the CRM receives the signed success callback.
func TestE2EOnboardingCompletesOnce(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	crm := startCRM(t)
	tr := startTrigger(t, testConfig(t, testenv.NewDatabase(t), t.TempDir(), s, crm))

	body := event("evt-onboard-1", "customer.created", "acme", func(tn map[string]any) {
		tn["sso"] = map[string]any{"mfa": "webauthn", "idp": map[string]any{"type": "oidc", "alias": "acme-ad",
			"issuer": "https://login.acme.example", "authorization_url": "https://login.acme.example/authorize",
			"token_url": "https://login.acme.example/token", "client_id": "tenantops", "client_secret": "idp-client-secret-1"}}
	})
	replies := make([]hookReply, 10)
	var wg sync.WaitGroup
	for i := range replies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			replies[i] = postWebhook(t, tr.url, body)
		}()
	}
	wg.Wait()
	accepted := 0
	for _, r := range replies {
		if r.status == http.StatusAccepted {
			accepted++
		}
		if r.RunID != replies[0].RunID || r.RunID == 0 {
			t.Fatalf("deliveries got different runs: %+v", replies)
		}
	}
	if accepted != 1 {
		t.Fatalf("%d deliveries answered 202, want exactly 1: %+v", accepted, replies)
	}
	var runs int
	if err := tr.pool.QueryRow(context.Background(), `SELECT count(*) FROM runs`).Scan(&runs); err != nil || runs != 1 {
		t.Fatalf("runs in the database: %d (%v), want 1", runs, err)
	}

	run := waitRun(t, tr.url, replies[0].RunID, 2*time.Minute)
	if run.State != store.StateCompleted {
		t.Fatalf("run ended %s: %s", run.State, run.Error)
	}
	want := []string{"module.cloud.tenantops_tenant.this", "module.cloud.tenantops_tenant_vdc.main",
		"module.scim.tenantops_scim_group.admins", `module.scim.tenantops_scim_user.admin["alice"]`,
		"module.sso.tenantops_sso_client.portal", "module.sso.tenantops_sso_oidc_identity_provider.customer[0]",
		"module.sso.tenantops_sso_realm.this", "module.sso.tenantops_tenant_sso.this"}
	var got []string
	for _, st := range run.Steps {
		if st.Phase != "apply" || st.Status != "completed" || st.Action != "create" {
			t.Errorf("step %+v: want a completed create", st)
		}
		got = append(got, st.Address)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("steps %v, want one per resource %v", got, want)
	}
	if !strings.Contains(string(run.Outputs), `"portal_client_secret":"(sensitive)"`) {
		t.Errorf("outputs must hide the sensitive client secret: %s", run.Outputs)
	}
	// The onboarding plans inside its apply: its plan summary comes from
	// the -json stream's planned_change and change_summary messages.
	if !strings.Contains(string(run.PlanSummary), `"create":8,`) {
		t.Errorf("plan summary %s, want one create per resource", run.PlanSummary)
	}
	raw, _ := json.Marshal(run)
	if strings.Contains(string(raw), "idp-client-secret-1") {
		t.Errorf("the API shows the IdP client secret: %s", raw)
	}
	cb := crm.WaitFor(t, run.ID, 30*time.Second)
	if cb.Outcome != string(store.StateCompleted) || cb.EventID != "evt-onboard-1" || cb.Tenant != "acme" || cb.Kind != "onboard" {
		t.Fatalf("callback %+v", cb)
	}
	var tenant struct {
		Status           string `json:"status"`
		LastGoodRevision *int   `json:"last_good_revision"`
	}
	apiGet(t, tr.url, "/v1/tenants/acme", &tenant)
	if tenant.Status != "ACTIVE" || tenant.LastGoodRevision == nil || *tenant.LastGoodRevision != 1 {
		t.Fatalf("tenant %+v", tenant)
	}
	inv := s.Inventory()
	for _, w := range []string{"keycloak:realm/acme", "scim:group/acme-admins", "scim:user/acme.alice", "vcd:org/acme", "vcd:vdc/acme/acme-vdc"} {
		if !slices.Contains(inv, w) {
			t.Errorf("inventory %v lacks %s", inv, w)
		}
	}
	// A late redelivery still points at the same run.
	if r := postWebhook(t, tr.url, body); r.status != http.StatusOK || r.RunID != run.ID {
		t.Fatalf("redelivery: %+v", r)
	}

	// Offboarding destroys everything and tells the CRM.
	del := event("evt-offboard-1", "customer.deleted", "acme", nil)
	rd := postWebhook(t, tr.url, del)
	off := waitRun(t, tr.url, rd.RunID, 2*time.Minute)
	if off.State != store.StateCompleted || off.Kind != "offboard" {
		t.Fatalf("offboarding %s %s: %s", off.Kind, off.State, off.Error)
	}
	deleted := 0
	for _, st := range off.Steps {
		if st.Action == "delete" && st.Status == "completed" {
			deleted++
		}
	}
	if deleted != len(want) {
		t.Errorf("offboarding steps %+v: want %d completed deletes", off.Steps, len(want))
	}
	if inv := s.Inventory(); len(inv) != 0 {
		t.Fatalf("objects left after offboarding: %v", inv)
	}
	apiGet(t, tr.url, "/v1/tenants/acme", &tenant)
	if tenant.Status != "DELETED" {
		t.Fatalf("tenant status %s after offboarding", tenant.Status)
	}
	if cb := crm.WaitFor(t, off.ID, 30*time.Second); cb.Outcome != string(store.StateCompleted) || cb.Kind != "offboard" {
		t.Fatalf("offboarding callback %+v", cb)
	}
}

// A backend fault on the last resource of a premium-dr onboarding (the
// protection group, which needs the VDC): the run is compensated by
// destroy, ends ROLLED_BACK, the CRM is told and no object is left in any
// simulator.
func TestE2EOnboardingFailureRollsBack(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	crm := startCRM(t)
	tr := startTrigger(t, testConfig(t, testenv.NewDatabase(t), t.TempDir(), s, crm))
	s.Zerto.Faults.Add(fault.Rule{Method: http.MethodPost, Path: `^/v1/vpgSettings$`, Kind: fault.Status,
		Status: http.StatusBadRequest, ContentType: "application/json", Body: `{"Message":"recovery site license exhausted"}`})

	r := postWebhook(t, tr.url, event("evt-fail-1", "customer.created", "bravo", func(tn map[string]any) {
		tn["tier"] = "premium-dr"
		tn["dr"] = map[string]any{"rpo_seconds": 300, "journal_hours": 24, "priority": "High"}
	}))
	run := waitRun(t, tr.url, r.RunID, 2*time.Minute)
	if run.State != store.StateRolledBack {
		t.Fatalf("run ended %s, want ROLLED_BACK: %s", run.State, run.Error)
	}
	if !strings.Contains(run.Error, "recovery site license exhausted") {
		t.Errorf("run error should carry the backend's message: %q", run.Error)
	}
	var failed, compensated, destroyed int
	for _, st := range run.Steps {
		switch {
		case st.Phase == "apply" && st.Status == "failed":
			failed++
			if st.Address != "module.dr.tenantops_dr_protection_group.this" {
				t.Errorf("failed step %s, want the protection group", st.Address)
			}
		case st.Phase == "apply" && st.Status == "compensated":
			compensated++
		case st.Phase == "compensate" && st.Action == "delete" && st.Status == "completed":
			destroyed++
		}
	}
	if failed != 1 || compensated != 8 || destroyed != 8 {
		t.Errorf("steps %+v: want 1 failed, 8 compensated (the workloads vApp included), 8 destroyed", run.Steps)
	}
	cb := crm.WaitFor(t, run.ID, 30*time.Second)
	if cb.Outcome != string(store.StateRolledBack) || cb.EventID != "evt-fail-1" || cb.Error == "" {
		t.Fatalf("callback %+v", cb)
	}
	if inv := s.Inventory(); len(inv) != 0 {
		t.Fatalf("objects left behind after rollback: %v", inv)
	}
}

// A premium-dr onboarding protects the tenant's workloads vApp: the VPG
// protects that vApp, with its first VM, into the recovery org VDC, and a VM
// the tenant places in it later is protected too. A second onboarding
// whose commit Zerto refuses (the recovery org VDC has no storage left) is
// compensated: no VPG, no recovery volume, no vApp, nothing in any system.
func TestE2EPremiumDRProtectsTheWorkloadsVApp(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	crm := startCRM(t)
	tr := startTrigger(t, testConfig(t, testenv.NewDatabase(t), t.TempDir(), s, crm))
	premium := func(tn map[string]any) {
		tn["tier"] = "premium-dr"
		tn["dr"] = map[string]any{"rpo_seconds": 300, "journal_hours": 24, "priority": "High"}
	}

	r := postWebhook(t, tr.url, event("evt-dr-1", "customer.created", "kilo", premium))
	run := waitRun(t, tr.url, r.RunID, 2*time.Minute)
	if run.State != store.StateCompleted {
		t.Fatalf("run ended %s: %s", run.State, run.Error)
	}
	if !strings.Contains(string(run.Outputs), `"workloads_vapp_id":"urn:vcloud:vapp:`) {
		t.Errorf("outputs %s lack the workloads vApp", run.Outputs)
	}
	vpg, ok := s.Zerto.Vpg("kilo-vpg")
	if !ok || vpg.Status != "MeetingSLA" || !slices.Equal(vpg.VApps, []string{"kilo-workloads"}) || len(vpg.VMs) != 1 ||
		vpg.RecoveryOrgVdc != zertosim.RecoveryVdc || vpg.Priority != "High" {
		t.Fatalf("VPG %+v (found %v)", vpg, ok)
	}
	var workloads string
	for _, a := range s.VCD.VApps() {
		if a.Name == "kilo-workloads" && a.VDC == "kilo-vdc" && len(a.VMs) == 1 && a.VMs[0].Name == "kilo-vm1" {
			workloads = a.ID
		}
	}
	if workloads == "" {
		t.Fatalf("Cloud Director lacks the workloads vApp with its first VM: %+v", s.VCD.VApps())
	}
	if _, ok := s.VCD.AddVM(workloads, "kilo-db"); !ok {
		t.Fatal("AddVM")
	}
	if vpg, _ := s.Zerto.Vpg("kilo-vpg"); len(vpg.VMs) != 2 {
		t.Fatalf("the tenant's new VM did not join the VPG: %+v", vpg)
	}

	s.Zerto.SetStorageFull(zertosim.RecoveryVdc, true)
	r = postWebhook(t, tr.url, event("evt-dr-2", "customer.created", "lima", premium))
	run = waitRun(t, tr.url, r.RunID, 2*time.Minute)
	s.Zerto.SetStorageFull(zertosim.RecoveryVdc, false)
	if run.State != store.StateRolledBack || !strings.Contains(run.Error, "Insufficient storage in recovery org vDC 'dr-vdc-1'") {
		t.Fatalf("run ended %s (%s), want ROLLED_BACK with Zerto's reason", run.State, run.Error)
	}
	for _, o := range s.Inventory() {
		if strings.Contains(o, "lima") {
			t.Errorf("left behind after the rollback: %s", o)
		}
	}

	del := event("evt-dr-3", "customer.deleted", "kilo", nil)
	off := waitRun(t, tr.url, postWebhook(t, tr.url, del).RunID, 2*time.Minute)
	if off.State != store.StateCompleted {
		t.Fatalf("offboarding %s: %s", off.State, off.Error)
	}
	if inv := s.Inventory(); len(inv) != 0 {
		t.Fatalf("objects left after offboarding: %v", inv)
	}
}

// A failed update is compensated by re-applying the last good revision:
// the tenant stays, at revision 1, and is not destroyed.
func TestE2EUpdateFailureRestoresLastGoodRevision(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	crm := startCRM(t)
	tr := startTrigger(t, testConfig(t, testenv.NewDatabase(t), t.TempDir(), s, crm))

	r1 := postWebhook(t, tr.url, event("evt-up-1", "customer.created", "charlie", nil))
	if run := waitRun(t, tr.url, r1.RunID, 2*time.Minute); run.State != store.StateCompleted {
		t.Fatalf("onboarding ended %s: %s", run.State, run.Error)
	}
	before := s.Inventory()
	// Revision 2 renames the realm and adds an admin whose creation fails.
	s.SCIM.Faults.Add(fault.Rule{Method: http.MethodPost, Path: `/Users$`, Kind: fault.Status, Status: http.StatusConflict,
		ContentType: "application/scim+json",
		Body:        `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness","detail":"userName taken"}`})
	r2 := postWebhook(t, tr.url, event("evt-up-2", "customer.updated", "charlie", func(tn map[string]any) {
		tn["display_name"] = "Charlie Renamed"
		tn["admins"] = append(tn["admins"].([]any), map[string]any{"username": "bob", "email": "bob@charlie.example", "given_name": "Bob", "family_name": "Admin"})
	}))
	run := waitRun(t, tr.url, r2.RunID, 2*time.Minute)
	if run.State != store.StateRolledBack {
		t.Fatalf("update ended %s, want ROLLED_BACK: %s", run.State, run.Error)
	}
	if !strings.Contains(run.Error, "userName taken") {
		t.Errorf("run error should carry the backend's message: %q", run.Error)
	}
	var realmRestored bool
	for _, st := range run.Steps {
		if st.Phase == "compensate" && st.Address == "module.sso.tenantops_sso_realm.this" && st.Status == "completed" && st.Action == "update" {
			realmRestored = true
		}
	}
	if !realmRestored {
		t.Errorf("compensation should have updated the realm back: %+v", run.Steps)
	}
	var tenant struct {
		Status           string `json:"status"`
		CurrentRevision  int    `json:"current_revision"`
		LastGoodRevision *int   `json:"last_good_revision"`
	}
	apiGet(t, tr.url, "/v1/tenants/charlie", &tenant)
	if tenant.Status != "ACTIVE" || tenant.LastGoodRevision == nil || *tenant.LastGoodRevision != 1 || tenant.CurrentRevision != 2 {
		t.Fatalf("tenant %+v: want ACTIVE at last good revision 1", tenant)
	}
	if after := s.Inventory(); !slices.Equal(after, before) {
		t.Fatalf("inventory changed by the rolled back update:\nbefore %v\nafter  %v", before, after)
	}
	cb := crm.WaitFor(t, run.ID, 30*time.Second)
	if cb.Outcome != string(store.StateRolledBack) || cb.Kind != "update" {
		t.Fatalf("callback %+v", cb)
	}
	// A drift check afterwards finds the tenant exactly at revision 1.
	var drift struct {
		RunID int64 `json:"run_id"`
	}
	apiPost(t, tr.url, "/v1/tenants/charlie/drift", &drift)
	d := waitRun(t, tr.url, drift.RunID, time.Minute)
	if d.State != store.StateCompleted || !strings.Contains(string(d.Outputs), `"drift":false`) {
		t.Fatalf("drift run %s outputs %s error %s", d.State, d.Outputs, d.Error)
	}
}

func apiPost(t *testing.T, base, path string, v any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+path, nil)
	req.Header.Set("Authorization", "Bearer "+testAPIToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST %s: %s", path, resp.Status)
	}
	if err := jsonDecode(resp, v); err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
}

// When the compensation fails too, the run ends COMPENSATION_FAILED with
// both errors kept, visible in the API, the metrics and the callback.
func TestE2ECompensationFailureIsReported(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	crm := startCRM(t)
	tr := startTrigger(t, testConfig(t, testenv.NewDatabase(t), t.TempDir(), s, crm))
	s.SCIM.Faults.Add(fault.Rule{Method: http.MethodPost, Path: `/Groups$`, Kind: fault.Status, Status: http.StatusBadRequest,
		ContentType: "application/scim+json",
		Body:        `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","detail":"group quota exceeded"}`})
	s.Keycloak.Faults.Add(fault.Rule{Method: http.MethodDelete, Path: `^/admin/realms/foxtrot$`, Kind: fault.Status,
		Status: http.StatusForbidden, ContentType: "application/json",
		Body: `{"error":"forbidden","errorMessage":"realm deletion locked by policy"}`})

	r := postWebhook(t, tr.url, event("evt-cf-1", "customer.created", "foxtrot", nil))
	run := waitRun(t, tr.url, r.RunID, 2*time.Minute)
	if run.State != store.StateCompensationFailed {
		t.Fatalf("run ended %s, want COMPENSATION_FAILED: %s", run.State, run.Error)
	}
	if !strings.Contains(run.Error, "group quota exceeded") || !strings.Contains(run.Error, "compensation failed") {
		t.Errorf("the run error must keep the failure and the compensation's: %q", run.Error)
	}
	cb := crm.WaitFor(t, run.ID, 30*time.Second)
	if cb.Outcome != string(store.StateCompensationFailed) || cb.Error == "" {
		t.Fatalf("callback %+v", cb)
	}
	var tenant store.Tenant
	apiGet(t, tr.url, "/v1/tenants/foxtrot", &tenant)
	if tenant.Status != "COMPENSATION_FAILED" {
		t.Fatalf("tenant status %s", tenant.Status)
	}
	if inv := s.Inventory(); !slices.Contains(inv, "keycloak:realm/foxtrot") {
		t.Fatalf("the realm the compensation could not delete should be reported, not hidden: %v", inv)
	}
	req, _ := http.NewRequest(http.MethodGet, tr.url+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+testAPIToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), `tenantops_trigger_runs{state="COMPENSATION_FAILED"} 1`) {
		t.Fatalf("metrics do not show the failed compensation")
	}
}

// A compensation that meets a backend outage longer than its own retries
// is not given up: the run stays COMPENSATING, goes back to the queue, and
// ends ROLLED_BACK with nothing left once the backend returns.
func TestE2ECompensationRidesOutAnOutage(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	crm := startCRM(t)
	tr := startTrigger(t, testConfig(t, testenv.NewDatabase(t), t.TempDir(), s, crm))
	s.SCIM.Faults.Add(fault.Rule{Method: http.MethodPost, Path: `/Groups$`, Kind: fault.Status, Status: http.StatusBadRequest,
		ContentType: "application/scim+json",
		Body:        `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","detail":"group quota exceeded"}`})
	outage := s.Keycloak.Faults.Add(fault.Rule{Method: http.MethodDelete, Path: `^/admin/realms/golf$`, Kind: fault.Status,
		Status: http.StatusServiceUnavailable, ContentType: "text/plain", Body: "503 Service Unavailable"})

	r := postWebhook(t, tr.url, event("evt-co-1", "customer.created", "golf", nil))
	// Wait until the compensation has failed at least once, then end the
	// outage.
	deadline := time.Now().Add(time.Minute)
	for s.Keycloak.Faults.Fired() < 3 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	var mid store.Run
	apiGet(t, tr.url, fmt.Sprintf("/v1/runs/%d", r.RunID), &mid)
	if mid.State != store.StateCompensating {
		t.Fatalf("during the outage the run is %s, want COMPENSATING", mid.State)
	}
	outage()
	run := waitRun(t, tr.url, r.RunID, 2*time.Minute)
	if run.State != store.StateRolledBack || !strings.Contains(run.Error, "group quota exceeded") {
		t.Fatalf("run ended %s (%q), want ROLLED_BACK with the original cause", run.State, run.Error)
	}
	if inv := s.Inventory(); len(inv) != 0 {
		t.Fatalf("objects left after the rollback: %v", inv)
	}
	if cb := crm.WaitFor(t, run.ID, 30*time.Second); cb.Outcome != string(store.StateRolledBack) {
		t.Fatalf("callback %+v", cb)
	}
}

// A transient backend failure (503) is retried within the run, which then
// completes without any compensation.
func TestE2ETransientFailureIsRetried(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	crm := startCRM(t)
	tr := startTrigger(t, testConfig(t, testenv.NewDatabase(t), t.TempDir(), s, crm))
	s.Zerto.Faults.Add(fault.Rule{Method: http.MethodPost, Path: `^/v1/vpgSettings$`, Kind: fault.Status,
		Status: http.StatusServiceUnavailable, ContentType: "application/json", Body: `{"Message":"ZVM is starting"}`, Times: 1})

	r := postWebhook(t, tr.url, event("evt-tr-1", "customer.created", "juliet", func(tn map[string]any) {
		tn["tier"] = "premium-dr"
		tn["dr"] = map[string]any{"rpo_seconds": 300, "journal_hours": 24, "priority": "Low"}
	}))
	run := waitRun(t, tr.url, r.RunID, 2*time.Minute)
	if run.State != store.StateCompleted || run.Error != "" {
		t.Fatalf("run ended %s (%q), want COMPLETED after a retry", run.State, run.Error)
	}
	if s.Zerto.Faults.Fired() != 1 {
		t.Fatalf("the 503 fired %d times, want 1", s.Zerto.Faults.Fired())
	}
	for _, st := range run.Steps {
		if st.Status != "completed" || st.Phase != "apply" {
			t.Errorf("step %+v: a retried run has no failed or compensated step left", st)
		}
	}
	if inv := s.Inventory(); !slices.Contains(inv, "zerto:vpg/juliet-vpg") {
		t.Fatalf("inventory %v lacks the protection group", inv)
	}
}
