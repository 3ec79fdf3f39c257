package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantops/tenantops/internal/sim/fault"
	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/api"
	"github.com/tenantops/tenantops/trigger/rollout"
	"github.com/tenantops/tenantops/trigger/store"
	"github.com/tenantops/tenantops/trigger/triggertest"
)

// portalName sets the standard tier's portal client name in the test's own
// copy of the templates (dir/standard/sso.tf): the template change the
// rollout tests roll out, an in-place update of one Keycloak client per
// tenant.
func portalName(t *testing.T, dir, name string) {
	t.Helper()
	p := filepath.Join(dir, "..", "modules", "sso", "main.tf")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte(`name          = "`))
	if i < 0 {
		t.Fatal("the sso module has no portal client name")
	}
	j := i + bytes.IndexByte(b[i+len(`name          = "`):], '"') + len(`name          = "`)
	out := append(append(append([]byte{}, b[:i]...), []byte(`name          = "`+name)...), b[j:]...)
	if err := os.WriteFile(p, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// portalOf is the name of tenant's portal client in the Keycloak simulator.
func portalOf(s *triggertest.Sims, tenant string) any {
	return s.Keycloak.Client(tenant, "tenant-portal")["name"]
}

// apiCall sends a request with the API token and returns the status and body.
func apiCall(t *testing.T, base, method, path, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testAPIToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// startRollout posts a rollout and returns it (201 expected).
func startRollout(t *testing.T, base, body string) rollout.View {
	t.Helper()
	code, raw := apiCall(t, base, http.MethodPost, "/v1/rollouts", body)
	var v rollout.View
	if code != http.StatusCreated || json.Unmarshal(raw, &v) != nil {
		t.Fatalf("POST /v1/rollouts %s: %d %s", body, code, raw)
	}
	return v
}

// rolloutAction posts pause, resume or abort and returns the status and rollout.
func rolloutAction(t *testing.T, base string, id int64, action string) (int, store.Rollout) {
	t.Helper()
	code, raw := apiCall(t, base, http.MethodPost, fmt.Sprintf("/v1/rollouts/%d/%s", id, action), "")
	var ro store.Rollout
	_ = json.Unmarshal(raw, &ro)
	return code, ro
}

// waitRollout polls the rollout until done says so.
func waitRollout(t *testing.T, base string, id int64, timeout time.Duration, what string, done func(rollout.View) bool) rollout.View {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var v rollout.View
	for time.Now().Before(deadline) {
		apiGet(t, base, fmt.Sprintf("/v1/rollouts/%d", id), &v)
		if done(v) {
			return v
		}
		time.Sleep(150 * time.Millisecond)
	}
	t.Fatalf("rollout %d never %s: %+v", id, what, v)
	return v
}

// settledIn reports whether the rollout is in state with no run under way.
func settledIn(state store.RolloutState) func(rollout.View) bool {
	return func(v rollout.View) bool {
		if v.State != state {
			return false
		}
		for _, t := range v.Tenants {
			if t.Status == store.RolloutTenantRunning {
				return false
			}
		}
		return true
	}
}

// byTenant indexes a rollout's tenants.
func byTenant(v rollout.View) map[string]store.RolloutTenant {
	out := map[string]store.RolloutTenant{}
	for _, t := range v.Tenants {
		out[t.Tenant] = t
	}
	return out
}

// onboard onboards the tenants at once and returns their completed runs.
func onboard(t *testing.T, base string, tenants ...string) map[string]store.Run {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	runs := map[string]store.Run{}
	for _, tn := range tenants {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := postWebhook(t, base, event("evt-"+tn+"-1", "customer.created", tn, nil))
			mu.Lock()
			defer mu.Unlock()
			runs[tn] = store.Run{ID: r.RunID}
		}()
	}
	wg.Wait()
	for tn, r := range runs {
		run := waitRun(t, base, r.ID, 3*time.Minute)
		if run.State != store.StateCompleted {
			t.Fatalf("onboarding of %s %s: %s", tn, run.State, run.Error)
		}
		runs[tn] = run
	}
	return runs
}

// tenantView loads a tenant through the API.
func tenantView(t *testing.T, base, id string) api.TenantView {
	t.Helper()
	var v api.TenantView
	apiGet(t, base, "/v1/tenants/"+id, &v)
	return v
}

// A rollout whose second wave fails past its threshold halts by itself:
// the canary has the new revision, each failed tenant is compensated to
// its last good spec and template revision with its objects as before,
// and the third wave is never touched.
func TestE2ERolloutHaltsWhenAWaveFailsPastItsThreshold(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	crm := startCRM(t)
	cfg := testConfig(t, testenv.NewDatabase(t), t.TempDir(), s, crm)
	cfg.TemplatesDir = triggertest.CopyTemplates(t, "standard")
	tr := startTrigger(t, cfg)
	tenants := []string{"halt-a", "halt-b", "halt-c", "halt-d", "halt-e"}
	onboards := onboard(t, tr.url, tenants...)
	v1 := onboards["halt-a"].TemplateRevision
	before := s.Inventory()

	portalName(t, cfg.TemplatesDir, "Tenant portal v2")
	// Keycloak refuses the client update of the second wave's tenants, as
	// a client policy does: ClientResource.update answers 400 with the
	// policy's error (keycloak/keycloak services ClientResource.java).
	s.Keycloak.Faults.Add(fault.Rule{Method: http.MethodPut, Path: `^/admin/realms/halt-[bc]/clients/[^/]+$`, Kind: fault.Status,
		Status: http.StatusBadRequest, ContentType: "application/json",
		Body: `{"error":"invalid_client_metadata","error_description":"Client update rejected by the client policy"}`})
	ro := startRollout(t, tr.url, `{"tier": "standard", "canary": 1, "waves": {"factor": 2}, "failure_threshold": {"count": 1}}`)
	if ro.State != store.RolloutRunning || ro.Waves != 3 || ro.TemplateRevision == v1 || ro.Template == nil || ro.Template.Tier != "standard" {
		t.Fatalf("rollout %+v: want RUNNING in 3 waves with a new revision of standard", ro.Rollout)
	}
	waves := map[string]int{"halt-a": 0, "halt-b": 1, "halt-c": 1, "halt-d": 2, "halt-e": 2}
	for _, tn := range ro.Tenants {
		if waves[tn.Tenant] != tn.Wave {
			t.Fatalf("tenant %s in wave %d, want %d", tn.Tenant, tn.Wave, waves[tn.Tenant])
		}
	}

	v := waitRollout(t, tr.url, ro.ID, 4*time.Minute, "halted with its runs settled", settledIn(store.RolloutHalted))
	if v.CurrentWave != 1 || !strings.Contains(v.Error, "wave 1: 2 of 2 tenants failed, more than the 1 allowed") || v.FinishedAt == nil {
		t.Fatalf("halted rollout %+v", v.Rollout)
	}
	got := byTenant(v)
	// The canary has the new revision.
	canary := got["halt-a"]
	if canary.Status != store.RolloutTenantCompleted || canary.RunID == nil {
		t.Fatalf("canary %+v", canary)
	}
	if run := waitRun(t, tr.url, *canary.RunID, time.Minute); run.TemplateRevision != ro.TemplateRevision || run.Revision != 1 ||
		run.Kind != store.KindUpdate || run.RolloutID == nil || *run.RolloutID != ro.ID {
		t.Fatalf("canary run %+v", run)
	}
	if tv := tenantView(t, tr.url, "halt-a"); *tv.LastGoodTemplateRevision != ro.TemplateRevision {
		t.Fatalf("canary's last good template %s", *tv.LastGoodTemplateRevision)
	}
	if name := portalOf(s, "halt-a"); name != "Tenant portal v2" {
		t.Fatalf("canary's portal client %v", name)
	}
	// The second wave failed and was restored: last good spec and
	// template revision, the client as it was.
	for _, tn := range []string{"halt-b", "halt-c"} {
		rt := got[tn]
		if rt.Status != store.RolloutTenantFailed || rt.RunID == nil {
			t.Fatalf("%s: %+v, want FAILED with its run", tn, rt)
		}
		run := waitRun(t, tr.url, *rt.RunID, time.Minute)
		if run.State != store.StateRolledBack || !strings.Contains(run.Error, "rejected by the client policy") ||
			run.CompensationTemplateRevision != v1 || run.CompensationRevision == nil || *run.CompensationRevision != 1 {
			t.Fatalf("%s: run %s compensated with %s@%v: %s", tn, run.State, run.CompensationTemplateRevision, run.CompensationRevision, run.Error)
		}
		tv := tenantView(t, tr.url, tn)
		if tv.Status != store.TenantActive || *tv.LastGoodRevision != 1 || *tv.LastGoodTemplateRevision != v1 {
			t.Fatalf("%s after its compensation: %+v", tn, tv.Tenant)
		}
		if name := portalOf(s, tn); name != "Tenant portal" {
			t.Fatalf("%s's portal client %v after the compensation", tn, name)
		}
	}
	// The third wave is untouched: no run, nothing changed.
	for _, tn := range []string{"halt-d", "halt-e"} {
		if rt := got[tn]; rt.Status != store.RolloutTenantPending || rt.RunID != nil {
			t.Fatalf("%s: %+v, want PENDING without a run", tn, rt)
		}
		tv := tenantView(t, tr.url, tn)
		if len(tv.Runs) != 1 || *tv.LastGoodTemplateRevision != v1 {
			t.Fatalf("%s: %d runs, last good template %s", tn, len(tv.Runs), *tv.LastGoodTemplateRevision)
		}
		if name := portalOf(s, tn); name != "Tenant portal" {
			t.Fatalf("%s's portal client %v", tn, name)
		}
	}
	if after := s.Inventory(); !slices.Equal(after, before) {
		t.Fatalf("objects changed: %v, were %v", after, before)
	}
	// Nothing more happens to a halted rollout, and it cannot be resumed.
	if code, _ := rolloutAction(t, tr.url, ro.ID, "resume"); code != http.StatusConflict {
		t.Fatalf("resume of a halted rollout: %d, want 409", code)
	}
	time.Sleep(time.Second)
	if n := count(t, tr, `SELECT count(*) FROM runs WHERE rollout_id = $1`, ro.ID); n != 3 {
		t.Fatalf("%d runs of the halted rollout, want 3", n)
	}

	// The command line shows the same.
	var out bytes.Buffer
	rolloutOutput = &out
	defer func() { rolloutOutput = os.Stdout }()
	err := cmdFleetRollout(context.Background(), []string{"status", fmt.Sprint(ro.ID), "--url", tr.url, "--token", testAPIToken})
	if err != nil || !strings.Contains(out.String(), "state HALTED") || !strings.Contains(out.String(), "wave 1: 2 of 2 tenants failed") {
		t.Fatalf("fleet rollout status: %v\n%s", err, out.String())
	}
	for _, line := range []string{"0     halt-a  COMPLETED", "1     halt-b  FAILED", "2     halt-e  PENDING"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("status lacks %q:\n%s", line, out.String())
		}
	}
}

// runCLI runs `fleet rollout args...` against base and returns what it printed.
func runCLI(t *testing.T, base string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	rolloutOutput = &out
	defer func() { rolloutOutput = os.Stdout }()
	err := cmdFleetRollout(context.Background(), append(args, "--url", base, "--token", testAPIToken))
	return out.String(), err
}

// A rollout is paused, resumed and aborted; while it runs, an onboarding
// renders its revision (not the files on disk, which changed again) and a
// CRM update renders the tenant's own last good revision, whose new spec
// the tenant's rollout run then keeps. Bad requests name their field.
func TestE2ERolloutPauseResumeAbortAndOnboardingsGetItsRevision(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	crm := startCRM(t)
	cfg := testConfig(t, testenv.NewDatabase(t), t.TempDir(), s, crm)
	cfg.TemplatesDir = triggertest.CopyTemplates(t, "standard")
	tr := startTrigger(t, cfg)
	onboards := onboard(t, tr.url, "pace-a", "pace-b", "pace-c", "pace-d")
	v1 := onboards["pace-a"].TemplateRevision

	for body, fields := range map[string]string{
		`{"tier": "gold"}`: "tier",
		`{"tier": "standard", "template_revision": "` + strings.Repeat("0", 64) + `"}`: "template_revision",
		`{"tier": "standard", "canary": 0, "pause_between_waves": "soon"}`:             "canary,pause_between_waves",
		`{"tier": "standard", "waves": {"factor": 2, "sizes": [3]}}`:                   "waves",
	} {
		code, raw := apiCall(t, tr.url, http.MethodPost, "/v1/rollouts", body)
		var answer struct {
			Errors []rollout.FieldError `json:"errors"`
		}
		_ = json.Unmarshal(raw, &answer)
		var got []string
		for _, e := range answer.Errors {
			got = append(got, e.Field)
		}
		if code != http.StatusBadRequest || strings.Join(got, ",") != fields {
			t.Errorf("%s: %d %s, want 400 naming %s", body, code, raw, fields)
		}
	}
	if code, _ := apiCall(t, tr.url, http.MethodGet, "/v1/rollouts", ""); code != http.StatusOK {
		t.Fatalf("GET /v1/rollouts: %d", code)
	}
	if code, _ := apiCall(t, tr.url, http.MethodPost, "/v1/rollouts/999/pause", ""); code != http.StatusNotFound {
		t.Fatalf("pause of no rollout: %d, want 404", code)
	}

	portalName(t, cfg.TemplatesDir, "Tenant portal v2")
	out, err := runCLI(t, tr.url, "start", "--tier", "standard", "--sizes", "1", "--pause", "4s", "--json")
	var ro rollout.View
	if err != nil || json.Unmarshal([]byte(out), &ro) != nil || ro.Waves != 4 || ro.PauseBetweenWaves != store.Duration(4*time.Second) {
		t.Fatalf("fleet rollout start: %v\n%s", err, out)
	}
	if code, raw := apiCall(t, tr.url, http.MethodPost, "/v1/rollouts", `{"tier": "standard"}`); code != http.StatusConflict {
		t.Fatalf("a second rollout of the tier: %d %s, want 409", code, raw)
	}
	if out, err := runCLI(t, tr.url, "pause", fmt.Sprint(ro.ID)); err != nil || !strings.Contains(out, "is PAUSED") {
		t.Fatalf("fleet rollout pause: %v %s", err, out)
	}
	if _, err := runCLI(t, tr.url, "pause", fmt.Sprint(ro.ID)); err == nil || !strings.Contains(err.Error(), "is PAUSED") {
		t.Fatalf("pausing a paused rollout: %v, want a 409 naming its state", err)
	}

	// While it is paused the files on disk change again. An onboarding
	// renders the rollout's revision; a CRM update of a tenant the
	// rollout has not reached renders that tenant's own.
	portalName(t, cfg.TemplatesDir, "Tenant portal v3")
	e := onboard(t, tr.url, "pace-e")["pace-e"]
	if e.TemplateRevision != ro.TemplateRevision || portalOf(s, "pace-e") != "Tenant portal v2" {
		t.Fatalf("onboarding during the rollout rendered %s (portal %v), want the rollout's %s", e.TemplateRevision, portalOf(s, "pace-e"), ro.TemplateRevision)
	}
	r := postWebhook(t, tr.url, event("evt-pace-b-2", "customer.updated", "pace-b", func(tn map[string]any) { tn["display_name"] = "Pace B Renamed" }))
	if run := waitRun(t, tr.url, r.RunID, 2*time.Minute); run.State != store.StateCompleted || run.TemplateRevision != v1 {
		t.Fatalf("CRM update during the rollout %s with template %s, want its own %s: %s", run.State, run.TemplateRevision, v1, run.Error)
	}
	if portalOf(s, "pace-b") != "Tenant portal" {
		t.Fatalf("a CRM update changed pace-b's portal to %v", portalOf(s, "pace-b"))
	}
	v := waitRollout(t, tr.url, ro.ID, time.Minute, "paused", func(v rollout.View) bool { return v.State == store.RolloutPaused })
	for _, rt := range v.Tenants {
		if rt.Wave > 0 && rt.RunID != nil {
			t.Fatalf("a paused rollout started %s's run", rt.Tenant)
		}
	}

	if code, res := rolloutAction(t, tr.url, ro.ID, "resume"); code != http.StatusOK || res.State != store.RolloutRunning {
		t.Fatalf("resume: %d %+v", code, res)
	}
	// Abort during the pause after the second wave.
	waitRollout(t, tr.url, ro.ID, 3*time.Minute, "through its second wave", func(v rollout.View) bool {
		got := byTenant(v)
		return got["pace-a"].Status == store.RolloutTenantCompleted && got["pace-b"].Status == store.RolloutTenantCompleted
	})
	if code, res := rolloutAction(t, tr.url, ro.ID, "abort"); code != http.StatusOK || res.State != store.RolloutAborted {
		t.Fatalf("abort: %d %+v", code, res)
	}
	time.Sleep(6 * time.Second) // longer than the pause between waves
	v = waitRollout(t, tr.url, ro.ID, time.Minute, "aborted", settledIn(store.RolloutAborted))
	got := byTenant(v)
	for _, tn := range []string{"pace-c", "pace-d"} {
		if got[tn].Status != store.RolloutTenantPending || got[tn].RunID != nil || portalOf(s, tn) != "Tenant portal" {
			t.Fatalf("%s after the abort: %+v, portal %v", tn, got[tn], portalOf(s, tn))
		}
	}
	if _, ok := got["pace-e"]; ok {
		t.Fatal("a tenant onboarded during the rollout is one of its tenants")
	}
	b := waitRun(t, tr.url, *got["pace-b"].RunID, time.Minute)
	if b.Revision != 2 || b.TemplateRevision != ro.TemplateRevision || portalOf(s, "pace-b") != "Tenant portal v2" ||
		s.Keycloak.Realm("pace-b")["displayName"] != "Pace B Renamed" {
		t.Fatalf("pace-b's rollout run applied revision %d with %s; portal %v, realm %v: want the CRM update's spec kept",
			b.Revision, b.TemplateRevision, portalOf(s, "pace-b"), s.Keycloak.Realm("pace-b")["displayName"])
	}
	if code, _ := rolloutAction(t, tr.url, ro.ID, "resume"); code != http.StatusConflict {
		t.Fatalf("resume of an aborted rollout: %d, want 409", code)
	}
	// The aborted rollout released nothing: with no other rollout, an
	// onboarding renders the files on disk again.
	if f := onboard(t, tr.url, "pace-f")["pace-f"]; portalOf(s, "pace-f") != "Tenant portal v3" {
		t.Fatalf("onboarding after the abort rendered %s (portal %v), want the files on disk", f.TemplateRevision, portalOf(s, "pace-f"))
	}
	if out, err := runCLI(t, tr.url, "list", "--tier", "standard"); err != nil || !strings.Contains(out, "ABORTED") {
		t.Fatalf("fleet rollout list: %v\n%s", err, out)
	}
}

// The trigger process is killed (SIGKILL) in the middle of a rollout's
// second wave and started again: the rollout goes on from where it was and
// completes, every tenant with exactly one run of the rollout and its
// portal client updated exactly once.
func TestE2ERolloutKilledMidWaveResumes(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	crm := startCRM(t)
	cfg := testConfig(t, testenv.NewDatabase(t), t.TempDir(), s, crm)
	cfg.TemplatesDir = triggertest.CopyTemplates(t, "standard")
	bin := buildTrigger(t)
	first, url := startServe(t, bin, cfg, "first")
	tenants := []string{"kill-a", "kill-b", "kill-c", "kill-d"}
	onboard(t, url, tenants...)
	if s.Keycloak.Recorder == nil {
		t.Fatal("the Keycloak simulator records nothing: the test cannot count the client updates")
	}
	s.Keycloak.Recorder.Reset()

	portalName(t, cfg.TemplatesDir, "Tenant portal v2")
	// Slow client updates, so the kill lands while the wave applies.
	s.Keycloak.Faults.Add(fault.Rule{Method: http.MethodPut, Path: `^/admin/realms/kill-[a-d]/clients/[^/]+$`, Kind: fault.Latency, Delay: 3 * time.Second})
	ro := startRollout(t, url, `{"tier": "standard", "canary": 1, "waves": {"factor": 3}}`)
	if ro.Waves != 2 {
		t.Fatalf("%d waves, want the canary and one of three", ro.Waves)
	}
	pool := poolFor(t, cfg.DatabaseURL)
	deadline := time.Now().Add(3 * time.Minute)
	for count(t, &trigger{pool: pool}, `SELECT count(*) FROM run_steps s JOIN runs r ON r.id = s.run_id
		JOIN rollout_tenants rt ON rt.run_id = r.id WHERE r.rollout_id = $1 AND rt.wave = 1
		AND s.address = 'module.sso.tenantops_sso_client.portal' AND s.status = 'started'`, ro.ID) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the second wave never reached the client update")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	if got, err := store.GetRollout(context.Background(), pool, ro.ID); err != nil || got.State != store.RolloutRunning || got.CurrentWave != 1 {
		t.Fatalf("after the kill the rollout is %+v (%v), want RUNNING in wave 1", got, err)
	}

	second, url2 := startServe(t, bin, cfg, "second")
	defer func() {
		_ = second.Process.Signal(syscall.SIGTERM)
		_ = second.Wait()
	}()
	v := waitRollout(t, url2, ro.ID, 4*time.Minute, "completed", settledIn(store.RolloutCompleted))
	got := byTenant(v)
	updates := map[string]int{}
	for _, e := range s.Keycloak.Recorder.Exchanges() {
		if e.Method == http.MethodPut && strings.Contains(e.Path, "/clients/") && e.Status == http.StatusNoContent &&
			bytes.Contains(e.ReqBody, []byte("Tenant portal v2")) {
			updates[strings.Split(e.Path, "/")[3]]++
		}
	}
	for _, tn := range tenants {
		rt := got[tn]
		if rt.Status != store.RolloutTenantCompleted {
			t.Errorf("%s: %+v, want COMPLETED", tn, rt)
		}
		if n := count(t, &trigger{pool: pool}, `SELECT count(*) FROM runs WHERE rollout_id = $1 AND tenant = $2`, ro.ID, tn); n != 1 {
			t.Errorf("%s has %d runs of the rollout, want exactly 1", tn, n)
		}
		if tv := tenantView(t, url2, tn); *tv.LastGoodTemplateRevision != ro.TemplateRevision || portalOf(s, tn) != "Tenant portal v2" {
			t.Errorf("%s: last good template %s, portal %v", tn, *tv.LastGoodTemplateRevision, portalOf(s, tn))
		}
		if updates[tn] != 1 {
			t.Errorf("%s's portal client was updated %d times, want once", tn, updates[tn])
		}
	}
	locks, err := triggertest.AdvisoryLocksAfter(pool, 10*time.Second)
	if err != nil || locks > 0 {
		t.Fatalf("%d advisory locks still held (%v)", locks, err)
	}
}

// poolFor opens a pool on url for the test.
func poolFor(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}
