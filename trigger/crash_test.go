package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantops/tenantops/internal/sim/fault"
	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/server"
	"github.com/tenantops/tenantops/trigger/store"
	"github.com/tenantops/tenantops/trigger/triggertest"
)

// The trigger process is killed with SIGKILL in the middle of an apply and
// started again: the run resumes and ends COMPLETED (or ROLLED_BACK) with
// no orphaned object and no lock left behind.
func TestE2EKilledMidApplyResumes(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	crm := startCRM(t)
	dbURL := testenv.NewDatabase(t)
	work := t.TempDir()
	cfg := testConfig(t, dbURL, work, s, crm)
	bin := buildTrigger(t)
	// Creating the admin user takes a while, so the kill lands mid-apply.
	s.SCIM.Faults.Add(fault.Rule{Method: http.MethodPost, Path: `/Users$`, Kind: fault.Latency, Delay: 4 * time.Second, Times: 1})
	start := func(name string) (*exec.Cmd, string) { return startServe(t, bin, cfg, name) }

	first, url := start("first")
	r := postWebhook(t, url, event("evt-crash-1", "customer.created", "delta", func(tn map[string]any) {
		tn["tier"] = "premium-dr"
		tn["dr"] = map[string]any{"rpo_seconds": 300, "journal_hours": 24, "priority": "Medium"}
	}))
	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	// Wait until the slow user creation is under way.
	deadline := time.Now().Add(60 * time.Second)
	for {
		var n int
		_ = pool.QueryRow(context.Background(), `SELECT count(*) FROM run_steps WHERE run_id = $1
			AND address LIKE 'module.scim.tenantops_scim_user.%' AND status = 'started'`, r.RunID).Scan(&n)
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("apply never reached the user creation")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	run, err := store.GetRun(context.Background(), pool, r.RunID)
	if err != nil || run.State != store.StateApplying {
		t.Fatalf("after the kill the run is %s (%v), want APPLYING", run.State, err)
	}

	second, url2 := start("second")
	defer func() {
		_ = second.Process.Signal(syscall.SIGTERM)
		_ = second.Wait()
	}()
	run = waitRun(t, url2, r.RunID, 2*time.Minute)
	inv := s.Inventory()
	switch run.State {
	case store.StateCompleted:
		for _, w := range []string{"keycloak:realm/delta", "scim:group/delta-admins", "scim:user/delta.alice", "vcd:org/delta", "zerto:vpg/delta-vpg"} {
			if !slices.Contains(inv, w) {
				t.Errorf("inventory %v lacks %s", inv, w)
			}
		}
		if n := countMatching(inv, "scim:user/"); n != 1 {
			t.Errorf("%d SCIM users, want exactly 1 (no duplicate, no orphan): %v", n, inv)
		}
	case store.StateRolledBack:
		if len(inv) != 0 {
			t.Errorf("objects left after rollback: %v", inv)
		}
	default:
		t.Fatalf("run ended %s: %s", run.State, run.Error)
	}
	if cb := crm.WaitFor(t, run.ID, 30*time.Second); cb.Outcome != string(run.State) {
		t.Errorf("callback outcome %s, run %s", cb.Outcome, run.State)
	}
	// No tenant lock and no Terraform state lock survive.
	locks, err := triggertest.AdvisoryLocksAfter(pool, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if locks > 0 {
		t.Fatalf("%d advisory locks still held", locks)
	}
}

// buildTrigger builds the tenantops-trigger binary for tests that kill it.
func buildTrigger(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tenantops-trigger")
	build := exec.Command("go", "build", "-o", bin, "./trigger")
	build.Dir = testenv.RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build trigger: %v\n%s", err, out)
	}
	return bin
}

// startServe starts `bin serve` as its own process with cfg's settings
// (its work directory, database, simulators and CRM), logging to
// <work>/<name>.log (shown when the test fails), and waits until it is
// ready. It returns the process and the trigger's URL.
func startServe(t *testing.T, bin string, cfg server.Config, name string) (*exec.Cmd, string) {
	t.Helper()
	work := cfg.WorkDir
	port := freePort(t)
	args := []string{"serve", "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--migrate",
		"--templates", cfg.TemplatesDir, "--work-dir", work, "--provider-mirror", cfg.ProviderMirror,
		"--terraform-bin", cfg.TerraformBin, "--callback-url", cfg.CallbackURL, "--callback-backoff", "200ms",
		"--directory=false", "--workers", "2", "--parallelism", "4", "--lock-timeout", "90s",
		"--retries", "1", "--retry-backoff", "200ms", "--poll-interval", "100ms", "--resume-after", "2s",
		"--shutdown-timeout", "10s", "--offboard-retention", cfg.OffboardRetention.String(),
		"--usage-interval", cfg.UsageInterval.String()}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(),
		"TENANTOPS_TRIGGER_ENCRYPTION_KEYS="+triggertest.EncryptionKeys,
		"TENANTOPS_TRIGGER_DATABASE_URL="+cfg.DatabaseURL,
		"TENANTOPS_TRIGGER_API_TOKEN="+testAPIToken,
		"TENANTOPS_TRIGGER_WEBHOOK_SECRET="+testWebhookSecret,
		"TENANTOPS_TRIGGER_CALLBACK_SECRET="+testCallbackSecret)
	for k, v := range cfg.ProviderEnv {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	logf, err := os.Create(filepath.Join(work, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		logf.Close()
		if t.Failed() || os.Getenv("TENANTOPS_TEST_SHOW_LOGS") != "" {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("%s log:\n%s", name, b)
		}
	})
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not become ready", name)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return cmd, url
}

func countMatching(list []string, prefix string) int {
	n := 0
	for _, s := range list {
		if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
			n++
		}
	}
	return n
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// A graceful stop (SIGTERM) refuses new webhooks with 503 at once and lets
// the apply in flight finish before Run returns.
func TestE2EGracefulShutdownFinishesRunningWork(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	crm := startCRM(t)
	tr := startTrigger(t, testConfig(t, testenv.NewDatabase(t), t.TempDir(), s, crm))
	s.SCIM.Faults.Add(fault.Rule{Method: http.MethodPost, Path: `/Users$`, Kind: fault.Latency, Delay: 3 * time.Second, Times: 1})

	r := postWebhook(t, tr.url, event("evt-term-1", "customer.created", "golf", nil))
	waitState(t, tr.url, r.RunID, store.StateApplying)
	tr.cancel()
	tr.cancel = nil
	// Intake now refuses (the CRM will retry); health still answers.
	deadline := time.Now().Add(5 * time.Second)
	refused := ""
	for i := 0; ; i++ {
		// Run stops intake asynchronously: a delivery just before may
		// still be accepted, so each try has its own event id.
		id := fmt.Sprintf("evt-term-2-%d", i)
		body := event(id, "customer.created", fmt.Sprintf("hotel-%d", i), nil)
		req, _ := http.NewRequest(http.MethodPost, tr.url+"/v1/webhooks/crm", bytesReader(body))
		req.Header.Set("X-Tenantops-Signature", signHeader(body))
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusServiceUnavailable {
				refused = id
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("intake still accepts webhooks while stopping (last: %v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	select {
	case err := <-tr.done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("Run did not return")
	}
	run, err := store.GetRun(context.Background(), tr.pool, r.RunID)
	if err != nil || run.State != store.StateCompleted {
		t.Fatalf("run %s (%v): the apply in flight must finish before shutdown", run.State, err)
	}
	var events int
	_ = tr.pool.QueryRow(context.Background(), `SELECT count(*) FROM events WHERE event_id = $1`, refused).Scan(&events)
	if events != 0 {
		t.Fatal("a refused webhook was recorded")
	}
}
