package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantops/tenantops/internal/signature"
	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/sandbox"
	"github.com/tenantops/tenantops/trigger/server"
	"github.com/tenantops/tenantops/trigger/triggertest"
)

// driftBenchTenants is how many standard tenants the sweep checks; each is
// checked driftBenchRounds times.
const (
	driftBenchTenants  = 5
	driftBenchRounds   = 2
	driftBenchInterval = 20 * time.Second
)

// BenchmarkDriftSweep measures what the scheduled drift sweep costs per
// tenant against a bare `terraform plan` of the same tenant (target: at
// most 1.2 times). The sweep's cost of a tenant is the time its drift run
// holds a drift worker: from the run leaving PENDING (the tenant lock
// taken) through rendering the workspace, `terraform plan` (which
// refreshes every resource) and the drift record. How long a check waited
// for its run to be picked up (River's fetch, other tenants' checks ahead
// of it at --drift-concurrency 1) is printed beside it: latency, not cost.
// The bare plan runs in the same working directory against the same
// state, with the same environment, once the sweep is idle.
func BenchmarkDriftSweep(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	for i := 0; i < b.N; i++ {
		sweep, waited, bare, err := runDriftBench(ctx, b)
		if err != nil {
			b.Fatal(err)
		}
		ps, pb := Percentile(sweep, 50), Percentile(bare, 50)
		fmt.Printf("drift sweep, per tenant check p50   %.3f s  mean %.3f s  (%d checks of %d standard tenants, every %s, concurrency 1)\n",
			ps, mean(sweep), len(sweep), driftBenchTenants, driftBenchInterval)
		fmt.Printf("  waited to be picked up p50        %.3f s  max %.3f s  (latency, not cost)\n", Percentile(waited, 50), Percentile(waited, 100))
		fmt.Printf("bare terraform plan of a tenant p50 %.3f s  mean %.3f s  (%d plans)\n", pb, mean(bare), len(bare))
		fmt.Printf("ratio of the p50s                   %.2f  (target <= 1.20)\n", ps/pb)
		b.ReportMetric(ps, "s/check-p50")
		b.ReportMetric(pb, "s/bare-plan-p50")
		b.ReportMetric(ps/pb, "ratio")
	}
}

func runDriftBench(ctx context.Context, b *testing.B) (sweep, waited, bare []float64, err error) {
	back, err := sandbox.StartBackends(ctx, sandbox.BackendOptions{Directory: sandbox.DirectoryOff})
	if err != nil {
		return nil, nil, nil, err
	}
	defer back.Close()
	ZeroProfile().Apply(back)
	mirror, _ := testenv.ProviderMirror(b)
	tfBin := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tfBin == "" {
		tfBin = filepath.Join(testenv.RepoRoot(), "bin", "terraform")
	}
	cfg := server.Defaults()
	cfg.DatabaseURL, cfg.MigrateOnStart = back.DatabaseURL, true
	cfg.EncryptionKeys = triggertest.EncryptionKeys
	cfg.APIToken, cfg.WebhookSecrets = randomHex(20), []string{back.Secret()}
	cfg.TerraformBin, cfg.ProviderMirror = tfBin, mirror
	cfg.TemplatesDir = filepath.Join(testenv.RepoRoot(), "templates", "tenants")
	cfg.WorkDir = filepath.Join(back.Dir, "work")
	cfg.ProviderEnv, cfg.Platform, cfg.DirectoryEnabled = back.ProviderEnv(), back.Platform(), false
	cfg.PollInterval = 200 * time.Millisecond
	cfg.DriftInterval, cfg.DriftConcurrency = driftBenchInterval, 1
	cfg.Logger = slog.New(slog.DiscardHandler)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, nil, err
	}
	cfg.Listener = ln
	url := "http://" + ln.Addr().String()
	runCtx, stopRun := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- server.Run(runCtx, cfg) }()
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		stopRun()
		return <-done
	}
	defer stop() //nolint:errcheck
	pool, err := pgxpool.New(ctx, back.DatabaseURL)
	if err != nil {
		return nil, nil, nil, err
	}
	defer pool.Close()
	tenants, err := onboardForDrift(ctx, url, back.Secret(), pool)
	if err != nil {
		return nil, nil, nil, err
	}
	if sweep, waited, err = waitDriftChecks(ctx, pool); err != nil {
		return nil, nil, nil, err
	}
	// The trigger stops first, so that no check holds a tenant's state lock.
	if err := stop(); err != nil {
		return nil, nil, nil, err
	}
	// As many bare plans as checks, tenant by tenant, round by round.
	for round := 0; round < driftBenchRounds; round++ {
		for _, t := range tenants {
			d, err := barePlan(ctx, cfg, t)
			if err != nil {
				return nil, nil, nil, err
			}
			bare = append(bare, d)
		}
	}
	return sweep, waited, bare, nil
}

// onboardForDrift onboards the standard tenants and waits for them.
func onboardForDrift(ctx context.Context, url, secret string, pool *pgxpool.Pool) ([]string, error) {
	var tenants []string
	for i := 0; i < driftBenchTenants; i++ {
		id := NewTenantID("sweep")
		body := WebhookBody("evt-"+id, id, "standard")
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/v1/webhooks/crm", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(signature.Header, signature.Sign([]byte(secret), body, time.Now()))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			return nil, fmt.Errorf("webhook: %s %s", resp.Status, msg)
		}
		tenants = append(tenants, id)
	}
	return tenants, poll(ctx, 5*time.Minute, func() (bool, error) {
		var done, failed int
		err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE state = 'COMPLETED'),
			count(*) FILTER (WHERE state IN ('ROLLED_BACK', 'COMPENSATION_FAILED', 'FAILED')) FROM runs WHERE kind = 'onboard'`).Scan(&done, &failed)
		if err == nil && failed > 0 {
			err = fmt.Errorf("%d onboardings failed", failed)
		}
		return done == driftBenchTenants, err
	})
}

// waitDriftChecks waits for driftBenchRounds completed checks of every
// tenant and returns, for each, the time its run held a worker (started to
// finding) and the time it waited to be picked up (created to started).
func waitDriftChecks(ctx context.Context, pool *pgxpool.Pool) (worked, waited []float64, err error) {
	want := driftBenchTenants * driftBenchRounds
	err = poll(ctx, 5*time.Minute, func() (bool, error) {
		rows, err := pool.Query(ctx, `SELECT extract(epoch FROM finished_at - started_at)::float8,
			extract(epoch FROM started_at - created_at)::float8 FROM runs
			WHERE kind = 'drift' AND state = 'COMPLETED' ORDER BY id`)
		if err != nil {
			return false, err
		}
		defer rows.Close()
		worked, waited = worked[:0], waited[:0]
		for rows.Next() {
			var w, q float64
			if err := rows.Scan(&w, &q); err != nil {
				return false, err
			}
			worked, waited = append(worked, w), append(waited, q)
		}
		return len(worked) >= want, rows.Err()
	})
	if err != nil {
		return nil, nil, err
	}
	return worked[:want], waited[:want], nil
}

// barePlan times `terraform plan` in the tenant's working directory, with
// the environment the trigger gives Terraform.
func barePlan(ctx context.Context, cfg server.Config, tenant string) (float64, error) {
	cmd := exec.CommandContext(ctx, cfg.TerraformBin, "plan", "-input=false", "-detailed-exitcode", "-lock-timeout=300s",
		fmt.Sprintf("-parallelism=%d", cfg.Parallelism))
	cmd.Dir = filepath.Join(cfg.WorkDir, "tenants", tenant)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + cfg.WorkDir, "TMPDIR=" + os.TempDir(),
		"TF_CLI_CONFIG_FILE=" + filepath.Join(cfg.WorkDir, "terraformrc"), "CHECKPOINT_DISABLE=1",
		"PG_CONN_STR=" + cfg.DatabaseURL, "PG_SKIP_SCHEMA_CREATION=true", "PG_SKIP_TABLE_CREATION=true", "PG_SKIP_INDEX_CREATION=true"}
	for k, v := range cfg.ProviderEnv {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	t0 := time.Now()
	out, err := cmd.CombinedOutput()
	d := time.Since(t0).Seconds()
	if err != nil {
		// Exit code 2 is a plan with changes: the tenant drifted.
		return 0, fmt.Errorf("bare plan of %s: %v\n%s", tenant, err, tail(string(out), 2000))
	}
	return d, nil
}

func poll(ctx context.Context, limit time.Duration, done func() (bool, error)) error {
	deadline := time.Now().Add(limit)
	for {
		ok, err := done()
		if ok || err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not done within %s", limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}
