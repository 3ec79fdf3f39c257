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
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantops/tenantops/internal/pgcluster"
	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/server"
	"github.com/tenantops/tenantops/trigger/store"
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
		"--directory=false", "--workers", "2", "--parallelism", "4", "--lock-timeout", "60s",
		"--retries", "3", "--retry-backoff", "300ms", "--poll-interval", "100ms", "--resume-after", "2s",
		"--shutdown-timeout", "10s"}
	cmd := exec.Command(buildTrigger(t), args...)
	cmd.Env = append(os.Environ(),
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
// points of onboarding runs (TENANTOPS_RELIABILITY_KILLS runs, seed
// TENANTOPS_RELIABILITY_SEED), starts it again, and checks each run still
// ends COMPLETED or ROLLED_BACK, the CRM learns that outcome (redeliveries
// of the same outcome are allowed: the callback is at least once), no
// advisory or state lock survives and no object is orphaned.
func TestKilledTriggerEndsClean(t *testing.T) {
	kills := envInt("TENANTOPS_RELIABILITY_KILLS", map[bool]int{false: 1, true: 10}[full()])
	seed := int64(envInt("TENANTOPS_RELIABILITY_SEED", 1))
	rng := rand.New(rand.NewSource(seed))
	e := newProcEnv(t, testenv.NewDatabase(t))
	p := startProc(t, e.cfg, "trigger-0")
	for i := 0; i < kills; i++ {
		tenant := fmt.Sprintf("k%02d", i+1)
		dr := rng.Intn(3) == 0
		// Kill points spread over the whole run: intake to callback.
		delay := time.Duration(200+rng.Intn(4500)) * time.Millisecond
		known := e.orphans()
		r := postWebhook(p.url, tenantSpec("evt-"+tenant, "customer.created", tenant, dr, nil))
		if r.Status != http.StatusAccepted {
			tally.add(func(c *counts) { c.lostWebhooks++ })
			t.Fatalf("%s: webhook answered %d %s", tenant, r.Status, r.Raw)
		}
		time.Sleep(delay)
		before, _ := store.GetRun(context.Background(), e.pool, r.RunID)
		p.kill()
		tally.add(func(c *counts) { c.kills++ })
		t.Logf("%s: SIGKILL after %s (run %s)", tenant, delay, before.State)
		p = startProc(t, e.cfg, fmt.Sprintf("trigger-%d", i+1))
		run, stuck := waitRun(e.pool, r.RunID, 4*time.Minute)
		tally.run(run.State, stuck)
		if stuck {
			t.Fatalf("%s stuck after the kill: %s", tenant, describe(run))
		}
		if run.State != store.StateCompleted && run.State != store.StateRolledBack {
			t.Errorf("%s: %s", tenant, describe(run))
		}
		cbs := e.crm.waitFor(run.ID, time.Minute)
		okCB := len(cbs) > 0
		for _, cb := range cbs {
			okCB = okCB && cb.Outcome == run.State
		}
		if !okCB {
			tally.add(func(c *counts) { c.callbacksWrong++ })
			t.Errorf("%s: callbacks %+v, want the outcome %s", tenant, cbs, run.State)
		}
		if len(cbs) > 1 {
			tally.note("kill %s: callback delivered %d times (same outcome; at-least-once)", tenant, len(cbs))
		}
		if o := e.newOrphans(known); len(o) > 0 {
			tally.add(func(c *counts) { c.orphans += len(o) })
			t.Errorf("%s: orphaned objects after the kill: %v", tenant, o)
		}
		e.checkNoLocks(t)
		if run.State == store.StateCompleted {
			r := postWebhook(p.url, tenantSpec("evt-"+tenant+"-off", "customer.deleted", tenant, dr, nil))
			off, stuck := waitRun(e.pool, r.RunID, 3*time.Minute)
			tally.run(off.State, stuck)
			if off.State != store.StateCompleted {
				t.Errorf("%s: offboarding after the kill: %s", tenant, describe(off))
			}
		}
	}
	tally.note("SIGKILL campaign: %d kills, seed %d", kills, seed)
}

// checkNoLocks waits until no advisory lock (tenant locks, Terraform's pg
// state locks) is held in the database while the trigger is idle.
func (e *env) checkNoLocks(t *testing.T) {
	deadline := time.Now().Add(15 * time.Second)
	for {
		var locks int
		if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&locks); err != nil {
			t.Fatal(err)
		}
		if locks == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%d advisory locks still held", locks)
			return
		}
		time.Sleep(200 * time.Millisecond)
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
			r := postWebhook(reps[i%2], tenantSpec("evt-"+tenant, "customer.created", tenant, false, nil))
			// The same delivery again, to the other replica.
			dup := postWebhook(reps[(i+1)%2], tenantSpec("evt-"+tenant, "customer.created", tenant, false, nil))
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
		tally.run(run.State, stuck)
		if stuck || (run.State != store.StateCompleted && run.State != store.StateSuperseded) {
			t.Errorf("%s", describe(run))
		}
		if run.State == store.StateCompleted && run.Attempts != 1 {
			tally.add(func(c *counts) { c.duplicateRuns++ })
			t.Errorf("run %d was started %d times", run.ID, run.Attempts)
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
	// The log shows which replica started which run: each exactly once.
	started := map[string]int{}
	for _, line := range strings.Split(e.logs.String(), "\n") {
		if strings.Contains(line, `"msg":"run started"`) {
			if i := strings.Index(line, `"run":`); i >= 0 {
				id := strings.TrimLeft(line[i+6:], " ")
				id = id[:strings.IndexAny(id, ",}")]
				started[id]++
			}
		}
	}
	for id, n := range started {
		if n > 1 {
			t.Errorf("run %s started %d times across the replicas", id, n)
		}
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
		tally.run(run.State, stuck)
		if run.ID == 0 {
			tally.add(func(c *counts) { c.lostWebhooks++ })
			t.Errorf("%s: acknowledged run %d does not exist", s.tenant, s.reply.RunID)
			continue
		}
		if stuck || run.State != store.StateCompleted {
			t.Errorf("%s: %s", s.tenant, describe(run))
		}
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
