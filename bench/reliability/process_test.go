package reliability

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantops/tenantops/internal/pgcluster"
	"github.com/tenantops/tenantops/internal/sim/fault"
	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/server"
	"github.com/tenantops/tenantops/trigger/store"
	"github.com/tenantops/tenantops/trigger/triggertest"
)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

var (
	triggerOnce sync.Once
	triggerBin  string
	triggerErr  error
)

// buildTrigger builds tenantops-trigger once per test binary.
func buildTrigger(t testing.TB) string {
	triggerOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tenantops-reliability-bin-")
		if err != nil {
			triggerErr = err
			return
		}
		triggerBin = filepath.Join(dir, "tenantops-trigger")
		cmd := exec.Command("go", "build", "-o", triggerBin, "./trigger")
		cmd.Dir = testenv.RepoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			triggerErr = fmt.Errorf("go build ./trigger: %v\n%s", err, out)
		}
	})
	if triggerErr != nil {
		t.Fatal(triggerErr)
	}
	return triggerBin
}

// proc is a trigger running as its own process, the way it is deployed.
type proc struct {
	cmd *exec.Cmd
	url string
	log string
}

func startProc(t testing.TB, cfg server.Config, name string) *proc {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	args := []string{"serve", "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--migrate",
		"--templates", cfg.TemplatesDir, "--work-dir", cfg.WorkDir, "--provider-mirror", cfg.ProviderMirror,
		"--terraform-bin", cfg.TerraformBin, "--callback-url", cfg.CallbackURL, "--callback-backoff", "200ms",
		"--directory=false", "--workers", strconv.Itoa(cfg.Workers), "--parallelism", "4", "--lock-timeout", "60s",
		"--retries", "3", "--retry-backoff", "300ms", "--poll-interval", "100ms", "--resume-after", "2s",
		"--shutdown-timeout", "10s", "--offboard-retention", cfg.OffboardRetention.String(),
		"--usage-interval", cfg.UsageInterval.String()}
	cmd := exec.Command(buildTrigger(t), args...)
	cmd.Env = append(os.Environ(),
		"TENANTOPS_TRIGGER_ENCRYPTION_KEYS="+triggertest.EncryptionKeys,
		"TENANTOPS_TRIGGER_DATABASE_URL="+cfg.DatabaseURL,
		"TENANTOPS_TRIGGER_API_TOKEN="+secretAPIToken,
		"TENANTOPS_TRIGGER_WEBHOOK_SECRET="+secretWebhook,
		"TENANTOPS_TRIGGER_CALLBACK_SECRET="+secretCallback)
	for k, v := range cfg.ProviderEnv {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &proc{cmd: cmd, url: fmt.Sprintf("http://127.0.0.1:%d", port), log: filepath.Join(cfg.WorkDir, name+".log")}
	f, err := os.Create(p.log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.stop() })
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(p.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(p.log)
			t.Fatalf("%s did not become ready:\n%s", name, tail(string(b), 3000))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (p *proc) kill() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		_ = p.cmd.Wait()
	}
}

func (p *proc) stop() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = p.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			p.kill()
		}
	}
}

// newProcEnv starts simulators, a CRM and a database, but no trigger.
func newProcEnv(t *testing.T, dbURL string) *env {
	s := startSims(t)
	crm := startCRM(t)
	e := &env{t: t, sims: s, crm: crm, logs: &syncBuffer{}}
	e.cfg = config(t, dbURL, t.TempDir(), s, crm)
	var err error
	if e.pool, err = pgxpool.New(context.Background(), dbURL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.pool.Close)
	return e
}

// TestKilledTriggerEndsClean SIGKILLs the trigger process at seeded random
// points while waves of onboarding runs are in flight, starts it again
// after each kill, and checks every run still ends COMPLETED or
// ROLLED_BACK, the CRM learns that outcome (redeliveries of the same
// outcome are allowed: the callback is at least once), no webhook is lost
// or doubled, no advisory or state lock survives and no object is
// orphaned; then it offboards the wave's completed tenants together.
//
// A wave mixes standard and premium-dr tenants; some are doomed (a
// permanent Keycloak refusal) so compensation is in flight too. The short
// campaign is one wave of 3 with one kill; the full one 50 runs in waves
// of 10. TENANTOPS_RELIABILITY_KILLS is the number of kills (spread evenly
// over the waves), TENANTOPS_RELIABILITY_SEED draws tiers, doomed tenants,
// send gaps and kill delays: each kill logs which runs were in which state.
func TestKilledTriggerEndsClean(t *testing.T) {
	runs, size, workers := 3, 3, 2
	if full() {
		runs, size, workers = 50, 10, 3
	}
	kills := envInt("TENANTOPS_RELIABILITY_KILLS", map[bool]int{false: 1, true: 20}[full()])
	seed := int64(envInt("TENANTOPS_RELIABILITY_SEED", 1))
	rng := rand.New(rand.NewSource(seed))
	e := newProcEnv(t, testenv.NewDatabase(t))
	e.cfg.Workers = workers // this test only: more runs in flight per kill
	k := &killTarget{t: t, e: e, hit: map[string]int{}}
	k.restart()
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(k.p.log)
			t.Logf("seed %d; last trigger log (tail):\n%s", seed, tail(string(b), 4000))
		}
	})
	waves := (runs + size - 1) / size
	for w := 0; w < waves; w++ {
		n := min(size, runs-w*size)
		// Everything random is drawn here, before the wave starts, so the
		// seed alone fixes the plan whatever the timing.
		wave := make([]*killRun, n)
		for i := range wave {
			id := fmt.Sprintf("k%02d", w*size+i+1)
			dr := rng.Intn(3) == 0
			wave[i] = &killRun{id: id, dr: dr, doomed: rng.Intn(5) == 0,
				gap:  time.Duration(rng.Intn(300)) * time.Millisecond,
				body: tenantSpec("evt-"+id, "customer.created", id, dr, nil)}
		}
		delays := make([]time.Duration, kills*(w+1)/waves-kills*w/waves)
		for i := range delays {
			// The first kill may land in intake; later ones, counted from
			// the restart, in planning, apply, compensation or callback.
			delays[i] = time.Duration(100+rng.Intn(2400)) * time.Millisecond
		}
		k.wave(w+1, wave, delays)
	}
	tally.note("SIGKILL campaign: %d kills over %d onboarding runs in waves of %d, seed %d; runs hit: %s",
		k.kills, runs, size, seed, k.hits())
}

// killRun is one onboarding of the SIGKILL campaign.
type killRun struct {
	id     string
	dr     bool // premium-dr tier
	doomed bool // a permanent Keycloak refusal makes it roll back
	gap    time.Duration
	body   []byte
	runID  int64 // once the webhook is acknowledged
	tries  int   // deliveries until then: more than one met a killed trigger
}

// killTarget is the trigger process the campaign kills and restarts.
type killTarget struct {
	t      *testing.T
	e      *env
	mu     sync.Mutex // guards p: the webhook sender reads its URL
	p      *proc
	starts int
	kills  int
	hit    map[string]int // runs per kill point (see killPoints) at a kill
	// sending counts the wave's webhooks whose delivery began.
	sending atomic.Int32
}

func (k *killTarget) url() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.p.url
}

// restart SIGKILLs the running trigger, if any, and starts a new one.
func (k *killTarget) restart() {
	if k.p != nil {
		k.p.kill()
		k.kills++
		tally.add(func(c *counts) { c.kills++ })
	}
	p := startProc(k.t, k.e.cfg, fmt.Sprintf("trigger-%d", k.starts))
	k.starts++
	k.mu.Lock()
	k.p = p
	k.mu.Unlock()
}

// deliver sends a webhook the way the CRM does: again, same body, until it
// is acknowledged (a killed trigger refuses or drops it).
func (k *killTarget) deliver(body []byte) (runID int64, tries int) {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		tries++
		r := postWebhook(k.url(), body)
		if r.Status == http.StatusAccepted || r.Status == http.StatusOK {
			return r.RunID, tries
		}
		time.Sleep(200 * time.Millisecond)
	}
	return 0, tries
}

// wave sends the wave's webhooks (with seeded gaps) while killing the
// trigger after each delay, then checks every run's end conditions and
// offboards the completed tenants together.
func (k *killTarget) wave(n int, wave []*killRun, delays []time.Duration) {
	t, e := k.t, k.e
	began := time.Now()
	known := e.orphans()
	var ids []string
	for _, r := range wave {
		ids = append(ids, r.id)
		if r.doomed {
			// Refuse the portal client of the tenant's realm: the realm
			// and the org exist by then, compensation has work to do.
			remove := e.sims.Keycloak.Faults.Add(fault.Rule{Method: http.MethodPost, Path: "^/admin/realms/" + r.id + "/clients$",
				Kind: fault.Status, Status: http.StatusBadRequest, ContentType: "application/json",
				Body: `{"error":"invalid_request","errorMessage":"reliability: client limit reached"}`})
			defer remove()
			tally.add(func(c *counts) { c.faults++ })
		}
	}
	// A slow CRM keeps callbacks in flight long enough for kills to meet.
	slowCRM := e.crm.Faults.Add(fault.Rule{Path: ".*", Kind: fault.Latency, Delay: time.Second})
	tally.add(func(c *counts) { c.faults++ })
	sent := make(chan struct{})
	k.sending.Store(0)
	go func() {
		defer close(sent)
		for _, r := range wave {
			time.Sleep(r.gap)
			k.sending.Add(1)
			r.runID, r.tries = k.deliver(r.body)
		}
	}()
	for i, d := range delays {
		time.Sleep(d)
		t.Logf("wave %d kill %d after %s: %s", n, i+1, d, k.snapshot(ids))
		k.restart()
	}
	<-sent

	// End conditions of every run of the wave.
	deadline := time.Now().Add(4 * time.Minute)
	var done []*killRun
	var ended []store.Run
	for _, r := range wave {
		if r.tries > 1 {
			k.hit["redelivered"]++
		}
		if r.runID == 0 {
			tally.add(func(c *counts) { c.lostWebhooks++ })
			t.Errorf("%s: webhook never acknowledged", r.id)
			continue
		}
		run, stuck := waitRun(e.pool, r.runID, time.Until(deadline))
		tally.run(string(run.State), stuck)
		switch {
		case stuck:
			t.Errorf("%s stuck after the kills: %s", r.id, describe(run))
			continue
		case r.doomed && run.State != store.StateRolledBack:
			t.Errorf("%s (refused by Keycloak): %s, want ROLLED_BACK", r.id, describe(run))
		case run.State == store.StateRolledBack && !r.doomed:
			tally.note("kill %s: rolled back without an injected fault: %s", r.id, tail(run.Error, 200))
		case run.State != store.StateCompleted && run.State != store.StateRolledBack:
			t.Errorf("%s: %s", r.id, describe(run))
		}
		ended = append(ended, run)
		if run.State == store.StateCompleted {
			done = append(done, r)
		}
	}
	k.checkOutcomes(ended)
	slowCRM()
	// A delivery attempt lasts at most 15 s (callback.Worker.Timeout).
	k.checkOutbox(ended, time.Now().Add(30*time.Second))
	k.checkOneRunEach(ids)
	if o := e.newOrphans(known); len(o) > 0 {
		tally.add(func(c *counts) { c.orphans += len(o) })
		t.Errorf("wave %d: orphaned objects after the kills: %v", n, o)
	}
	e.checkNoLocks(t)

	// Offboard the completed tenants together, without kills.
	var offs []int64
	for _, r := range done {
		if id, _ := k.deliver(tenantSpec("evt-"+r.id+"-off", "customer.deleted", r.id, r.dr, nil)); id != 0 {
			offs = append(offs, id)
		} else {
			t.Errorf("%s: offboarding webhook never acknowledged", r.id)
		}
	}
	for _, id := range offs {
		off, stuck := waitRun(e.pool, id, time.Until(deadline.Add(2*time.Minute)))
		tally.run(string(off.State), stuck)
		if stuck || off.State != store.StateCompleted {
			t.Errorf("offboarding after the kills: %s", describe(off))
		}
	}
	if o := e.newOrphans(known); len(o) > 0 {
		tally.add(func(c *counts) { c.orphans += len(o) })
		t.Errorf("wave %d: objects left after offboarding: %v", n, o)
	}
	e.checkNoLocks(t)
	t.Logf("wave %d: %d onboardings (%d rolled back), %d kills, %d offboardings, %s",
		n, len(ended), len(ended)-len(done), len(delays), len(offs), time.Since(began).Round(100*time.Millisecond))
}

// killPoints orders the places a kill can catch a run of the wave:
// "unsent" and "intake" have no run yet (the webhook is not sent yet, or
// on its way or being retried; "redelivered" counts webhooks a killed
// trigger refused or dropped), then the run states, then runs whose
// callback is queued or in flight (its River job running).
var killPoints = func() []string {
	points := []string{"unsent", "intake", "redelivered"}
	for _, s := range store.AllStates {
		points = append(points, string(s))
	}
	return append(points, "callback queued", "callback in flight")
}()

// snapshot lists the wave's tenants by where their onboarding is just
// before a kill, and counts the runs the kill interrupts.
func (k *killTarget) snapshot(ids []string) string {
	by := map[string][]string{}
	sending := int(k.sending.Load())
	rows, err := k.e.pool.Query(context.Background(), `SELECT t.id, coalesce(r.state, 'intake'),
		coalesce((SELECT j.state::text FROM callbacks c JOIN river_job j ON j.kind = 'tenantops_callback'
			AND (j.args->>'callback_id')::bigint = c.id
			WHERE c.run_id = r.id AND c.delivered_at IS NULL ORDER BY j.id DESC LIMIT 1), '')
		FROM unnest($1::text[]) AS t(id) LEFT JOIN runs r ON r.tenant = t.id AND r.kind = 'onboard'
		ORDER BY t.id`, ids)
	if err != nil {
		k.t.Fatal(err)
	}
	for rows.Next() {
		var id, state, job string
		if err := rows.Scan(&id, &state, &job); err != nil {
			k.t.Fatal(err)
		}
		switch {
		case job == "running":
			state = "callback in flight"
		case job != "":
			state = "callback queued"
		case state == "intake" && slices.Index(ids, id) >= sending:
			state = "unsent"
		}
		by[state] = append(by[state], id)
	}
	rows.Close()
	var parts []string
	for _, s := range killPoints {
		if len(by[s]) == 0 {
			continue
		}
		if s != "unsent" && !store.Terminal(store.RunState(s)) {
			k.hit[s] += len(by[s])
		}
		parts = append(parts, fmt.Sprintf("%s %v", s, by[s]))
	}
	return strings.Join(parts, ", ")
}

// hits sums up where the kills caught runs.
func (k *killTarget) hits() string {
	var parts []string
	for _, s := range killPoints {
		if k.hit[s] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", s, k.hit[s]))
		}
	}
	return strings.Join(parts, ", ")
}

// checkOutcomes waits for every run's callback (a minute in all), then
// half a second more so a duplicate delivery shows too: every delivery
// must carry the run's end state.
func (k *killTarget) checkOutcomes(runs []store.Run) {
	deadline := time.Now().Add(time.Minute)
	for _, run := range runs {
		for len(k.e.crm.ForRun(run.ID)) == 0 && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
	}
	time.Sleep(500 * time.Millisecond)
	for _, run := range runs {
		cbs := k.e.crm.ForRun(run.ID)
		ok := len(cbs) > 0
		for _, cb := range cbs {
			ok = ok && cb.Outcome == string(run.State)
		}
		if !ok {
			tally.add(func(c *counts) { c.callbacksWrong++ })
			k.t.Errorf("%s: callbacks %+v, want the outcome %s", run.Tenant, cbs, run.State)
		}
		if len(cbs) > 1 {
			tally.note("kill %s: callback delivered %d times (same outcome; at-least-once)", run.Tenant, len(cbs))
		}
	}
}

// checkOutbox waits until the trigger has recorded every callback of the
// runs as delivered. A row left undelivered after a kill is one whose
// delivery job the dead process held ("running"): only River's rescuer
// hands that back, JobTimeout + 10 minutes later.
func (k *killTarget) checkOutbox(runs []store.Run, deadline time.Time) {
	var ids []int64
	for _, r := range runs {
		ids = append(ids, r.ID)
	}
	for {
		rows, err := k.e.pool.Query(context.Background(), `SELECT r.tenant, c.run_id, coalesce(j.state::text, 'no job')
			FROM callbacks c JOIN runs r ON r.id = c.run_id
			LEFT JOIN river_job j ON j.kind = 'tenantops_callback' AND (j.args->>'callback_id')::bigint = c.id
			WHERE c.run_id = ANY($1) AND c.delivered_at IS NULL ORDER BY r.tenant`, ids)
		if err != nil {
			k.t.Fatal(err)
		}
		var left []string
		for rows.Next() {
			var tenant, job string
			var run int64
			_ = rows.Scan(&tenant, &run, &job)
			left = append(left, fmt.Sprintf("%s (run %d, delivery job %s)", tenant, run, job))
		}
		rows.Close()
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			tally.add(func(c *counts) { c.callbacksWrong += len(left) })
			k.t.Errorf("callbacks not recorded as delivered (the trigger would send them again only after River's rescue delay): %v", left)
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// checkOneRunEach: redelivered webhooks found their first run, none got a
// second onboarding.
func (k *killTarget) checkOneRunEach(ids []string) {
	rows, err := k.e.pool.Query(context.Background(), `SELECT tenant, count(*) FROM runs
		WHERE kind = 'onboard' AND tenant = ANY($1) GROUP BY tenant HAVING count(*) > 1`, ids)
	if err != nil {
		k.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var tenant string
		var n int
		_ = rows.Scan(&tenant, &n)
		tally.add(func(c *counts) { c.duplicateRuns += n - 1 })
		k.t.Errorf("%s: %d onboarding runs", tenant, n)
	}
}

// checkNoLocks waits until no advisory lock (tenant locks, Terraform's pg
// state locks) is held in the database while the trigger is idle.
func (e *env) checkNoLocks(t *testing.T) {
	locks, err := triggertest.AdvisoryLocksAfter(e.pool, 15*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if locks > 0 {
		t.Errorf("%d advisory locks still held", locks)
	}
}

// TestTwoReplicasOneDatabase runs two triggers against one database and
// spreads webhooks over both: onboardings of several tenants plus updates
// racing for one tenant. Every acknowledged webhook gets exactly one run,
// no run is executed by both replicas, and no tenant is ever applied by
// two runs at once.
func TestTwoReplicasOneDatabase(t *testing.T) {
	e := newProcEnv(t, testenv.NewDatabase(t))
	var reps [2]string
	for i := range reps {
		cfg := e.cfg
		cfg.WorkDir = t.TempDir()
		cfg.Logger = slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelInfo})).With("replica", i)
		reps[i] = startInProcess(t, cfg)
	}
	tenants := map[bool]int{false: 2, true: 6}[full()]
	var ids []int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < tenants; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tenant := fmt.Sprintf("r%02d", i+1)
			body := tenantSpec("evt-"+tenant, "customer.created", tenant, false, nil)
			r := postWebhook(reps[i%2], body)
			// The same delivery again, to the other replica.
			dup := postWebhook(reps[(i+1)%2], body)
			mu.Lock()
			defer mu.Unlock()
			if r.Status != http.StatusAccepted {
				tally.add(func(c *counts) { c.lostWebhooks++ })
				t.Errorf("%s: %d %s", tenant, r.Status, r.Raw)
				return
			}
			ids = append(ids, r.RunID)
			_ = dup // redelivered at the same instant: 200 with the same run, or 202 if it won the race
			if dup.RunID != r.RunID {
				tally.add(func(c *counts) { c.duplicateRuns++ })
				t.Errorf("%s: the redelivery got run %d, the first %d", tenant, dup.RunID, r.RunID)
			}
		}()
	}
	wg.Wait()
	// Updates of one tenant, alternating replicas, while it onboards.
	for j := 0; j < 3; j++ {
		r := postWebhook(reps[j%2], tenantSpec(fmt.Sprintf("evt-r01-up%d", j), "customer.updated", "r01", false, func(tn map[string]any) {
			tn["display_name"] = fmt.Sprintf("Replica tenant v%d", j+2)
		}))
		if r.Status != http.StatusAccepted {
			tally.add(func(c *counts) { c.lostWebhooks++ })
			t.Errorf("update %d: %d %s", j, r.Status, r.Raw)
			continue
		}
		ids = append(ids, r.RunID)
	}
	for _, id := range ids {
		run, stuck := waitRun(e.pool, id, 4*time.Minute)
		tally.run(string(run.State), stuck)
		if stuck || (run.State != store.StateCompleted && run.State != store.StateSuperseded) {
			t.Errorf("%s", describe(run))
		}
	}
	var events, runs int
	_ = e.pool.QueryRow(context.Background(), `SELECT count(*) FROM events`).Scan(&events)
	_ = e.pool.QueryRow(context.Background(), `SELECT count(*) FROM runs`).Scan(&runs)
	if runs != len(ids) || events != len(ids) {
		tally.add(func(c *counts) { c.lostWebhooks += max(0, len(ids)-runs) })
		t.Errorf("%d acknowledged webhooks, %d events, %d runs", len(ids), events, runs)
	}
	// No two runs of a tenant overlap in time.
	rows, err := e.pool.Query(context.Background(), `SELECT a.id, b.id, a.tenant FROM runs a JOIN runs b
		ON a.tenant = b.tenant AND a.id < b.id
		WHERE a.started_at IS NOT NULL AND b.started_at IS NOT NULL
		AND a.started_at < coalesce(b.finished_at, now()) AND b.started_at < coalesce(a.finished_at, now())`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a, b int64
		var tenant string
		_ = rows.Scan(&a, &b, &tenant)
		tally.add(func(c *counts) { c.concurrent++ })
		t.Errorf("runs %d and %d of %s overlapped", a, b, tenant)
	}
	rows.Close()
	// The log shows which replica started which run: each River attempt
	// at a run exactly once. A second attempt is River retrying after
	// the first failed (a transient error on a loaded machine), which the
	// design allows; the same attempt started twice is a duplicate.
	started := map[string]map[string]int{}
	for _, line := range strings.Split(e.logs.String(), "\n") {
		if strings.Contains(line, `"msg":"run started"`) {
			id, attempt := jsonNumber(line, "run"), jsonNumber(line, "attempt")
			if started[id] == nil {
				started[id] = map[string]int{}
			}
			started[id][attempt]++
		}
	}
	retried := 0
	for id, attempts := range started {
		for attempt, n := range attempts {
			if n > 1 {
				tally.add(func(c *counts) { c.duplicateRuns++ })
				t.Errorf("run %s: attempt %s started %d times across the replicas; its log:\n%s", id, attempt, n, runLog(e.logs.String(), id))
			}
		}
		if len(attempts) > 1 {
			retried++
			t.Logf("run %s was retried (%d attempts); its log:\n%s", id, len(attempts), runLog(e.logs.String(), id))
		}
	}
	if retried > 0 {
		tally.note("two replicas: %d runs retried by River after a failed attempt", retried)
	}
	tally.note("two replicas: %d webhooks, %d runs started once each", len(ids), len(started))
}

// startInProcess runs one more trigger in this process and returns its URL.
func startInProcess(t *testing.T, cfg server.Config) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Listener = ln
	started := make(chan struct{})
	cfg.Started = func(string) { close(started) }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, cfg) }()
	select {
	case <-started:
	case err := <-done:
		cancel()
		t.Fatalf("trigger: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			t.Error("trigger did not stop")
		}
	})
	return "http://" + ln.Addr().String()
}

// TestPostgresRestartLosesNoWebhook restarts PostgreSQL (its own
// throwaway cluster) while webhooks keep arriving: every webhook the
// trigger acknowledged (202) must have its run, and every run must finish.
// Refusals during the restart are fine: the CRM retries those.
func TestPostgresRestartLosesNoWebhook(t *testing.T) {
	pg, err := pgcluster.Start(context.Background(), pgcluster.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Stop() })
	e := newProcEnv(t, pg.URL)
	var dataDir string
	if err := e.pool.QueryRow(context.Background(), `SHOW data_directory`).Scan(&dataDir); err != nil {
		t.Fatal(err)
	}
	// A restart can outlast the harness's quick retries on a slow
	// machine: give the state backend's reconnection room (1+2+4 s).
	e.cfg.RetryBackoff = time.Second
	url := startInProcess(t, e.cfg)
	n := map[bool]int{false: 6, true: 20}[full()]
	type sent struct {
		tenant string
		reply  hookReply
	}
	var acked []sent
	refused := 0
	restarted := make(chan error, 1)
	for i := 0; i < n; i++ {
		if i == n/3 {
			go func() { restarted <- restartPostgres(pg, dataDir) }()
		}
		tenant := fmt.Sprintf("p%02d", i+1)
		body := tenantSpec("evt-"+tenant, "customer.created", tenant, false, nil)
		for attempt := 0; ; attempt++ {
			r := postWebhook(url, body)
			if r.Status == http.StatusAccepted || r.Status == http.StatusOK {
				acked = append(acked, sent{tenant, r})
				break
			}
			refused++
			if attempt > 100 {
				t.Fatalf("%s never accepted: %d %s", tenant, r.Status, r.Raw)
			}
			time.Sleep(200 * time.Millisecond) // the CRM's retry
		}
		time.Sleep(150 * time.Millisecond)
	}
	if err := <-restarted; err != nil {
		t.Fatalf("restart: %v", err)
	}
	for _, s := range acked {
		run, stuck := waitRun(e.pool, s.reply.RunID, 5*time.Minute)
		tally.run(string(run.State), stuck)
		if run.ID == 0 {
			tally.add(func(c *counts) { c.lostWebhooks++ })
			t.Errorf("%s: acknowledged run %d does not exist", s.tenant, s.reply.RunID)
			continue
		}
		if stuck || run.State != store.StateCompleted {
			t.Errorf("%s: %s", s.tenant, describe(run))
		}
	}
	// An apply whose state could not be saved while the database was down
	// must not leave objects its state does not record.
	if o := e.orphans(); len(o) > 0 {
		tally.add(func(c *counts) { c.orphans += len(o) })
		t.Errorf("orphaned objects after the restart: %v", o)
	}
	tally.note("PostgreSQL restart: %d webhooks acknowledged, %d refusals retried by the CRM", len(acked), refused)
}

// restartPostgres restarts the cluster in place (same port and data) as
// the account that owns it.
func restartPostgres(pg *pgcluster.Cluster, dataDir string) error {
	bin, err := pgcluster.FindBinDir()
	if err != nil {
		return err
	}
	// The new server must not inherit a pipe of ours (it would hold it
	// open for ever): its output goes to a log file next to the data.
	args := []string{filepath.Join(bin, "pg_ctl"), "-w", "-m", "fast", "-t", "60", "-D", dataDir,
		"-l", filepath.Join(filepath.Dir(dataDir), "restart.log"), "restart"}
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.Command("setpriv", append([]string{"--reuid=postgres", "--regid=postgres", "--init-groups"}, args...)...)
	} else {
		cmd = exec.Command(args[0], args[1:]...)
	}
	cmd.Dir = "/"
	if err := cmd.Run(); err != nil {
		b, _ := os.ReadFile(filepath.Join(filepath.Dir(dataDir), "restart.log"))
		return fmt.Errorf("pg_ctl restart of %s: %v: %s", pg.URL, err, tail(string(b), 1000))
	}
	return nil
}

// jsonNumber is the number field key of a JSON log line ("" if absent).
func jsonNumber(line, key string) string {
	i := strings.Index(line, `"`+key+`":`)
	if i < 0 {
		return ""
	}
	v := line[i+len(key)+3:]
	if j := strings.IndexAny(v, ",}"); j >= 0 {
		v = v[:j]
	}
	return strings.TrimSpace(v)
}

// runLog is the lines of a JSON log that name run id.
func runLog(log, id string) string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, `"run":`+id+`,`) || strings.Contains(line, `"run":`+id+`}`) || strings.Contains(line, `"run_id":`+id) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
