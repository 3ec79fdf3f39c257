package bench

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantops/tenantops/trigger/fleet"
	"github.com/tenantops/tenantops/trigger/triggertest"
)

// BenchmarkFleetPlan gives the database BENCH_FLEET_N tenants (default 200,
// three in four standard, the others premium-dr: BENCH_FLEET_ONBOARD of them,
// default 8, onboarded through the trigger, the others cloned), changes the
// cloud module in a copy of the templates (an in-place change every tenant
// sees), and times `tenantops-trigger fleet plan` over all of them with
// --parallel BENCH_FLEET_PARALLEL (default 4). The target is 120 s for 200
// tenants on a 2-core machine. Before cloning, it plans the onboarded
// tenants with and without refresh, to show what -refresh=false saves.
func BenchmarkFleetPlan(b *testing.B) {
	n := envInt("BENCH_FLEET_N", 200)
	parallel := envInt("BENCH_FLEET_PARALLEL", 4)
	cfg := ConfigFromEnv()
	// Stop before go test's own -timeout panics, so the error says where.
	limit := 40 * time.Minute
	if f := flag.Lookup("test.timeout"); f != nil {
		if d, err := time.ParseDuration(f.Value.String()); err == nil && d > 0 {
			limit = min(limit, d-time.Since(started)-30*time.Second)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	for i := 0; i < b.N; i++ {
		e, err := Start(ctx, cfg, os.Stderr)
		if err != nil {
			b.Fatal(err)
		}
		defer e.Stop()
		start := time.Now()
		onboarded := max(1, min(envInt("BENCH_FLEET_ONBOARD", 8), n))
		if err := onboardReal(ctx, e, onboarded); err != nil {
			b.Fatal(err)
		}
		tree := triggertest.CopyTemplates(b)
		mod := filepath.Join(tree, "..", "modules", "cloud", "main.tf")
		src, _ := os.ReadFile(mod)
		changed := strings.Replace(string(src), `"Managed by tenantops"`, `"Managed by tenantops (fleet)"`, 1)
		if changed == string(src) {
			b.Fatal("the cloud module no longer holds the description the benchmark changes")
		}
		if err := os.WriteFile(mod, []byte(changed), 0o644); err != nil {
			b.Fatal(err)
		}
		// Refresh or not, on the tenants onboarded for real (a clone's
		// objects are its seed's, which a refresh would read).
		realPlan, realNo, err := fleetPlan(ctx, e, tree, parallel, "")
		if err != nil {
			b.Fatal(err)
		}
		_, realRefresh, err := fleetPlan(ctx, e, tree, parallel, "", "--refresh")
		if err != nil {
			b.Fatal(err)
		}
		// Printed now, so a fleet plan of all the tenants that runs out of
		// time still leaves these figures.
		for _, c := range []struct {
			name string
			run  planRun
		}{{"-refresh=false", realNo}, {"--refresh", realRefresh}} {
			fmt.Printf("fleet plan: per tenant, %d onboarded ones, %s: %.3f s wall, %.3f s CPU\n", onboarded, c.name,
				c.run.wall.Seconds()/float64(onboarded), c.run.cpu.Seconds()/float64(onboarded))
		}
		tiers, err := cloneFleet(ctx, e, n, onboarded)
		if err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(os.Stderr, "bench: %d tenants (%s) ready in %.0f s\n", n, tiers, time.Since(start).Seconds())

		report, all, err := fleetPlan(ctx, e, tree, parallel, "")
		if err != nil {
			b.Fatal(err)
		}
		if report.Planned() != n || len(report.Errors) != 0 || len(report.Groups) != 1 || len(report.Groups[0].Tenants) != n {
			b.Fatalf("fleet plan: %d planned, %d errors, %d change sets; want %d tenants in one change set:\n%s",
				report.Planned(), len(report.Errors), len(report.Groups), n, report.Markdown())
		}
		if realPlan.Planned() != onboarded || len(realPlan.Errors) != 0 {
			b.Fatalf("fleet plan of the onboarded tenants: %d planned, %d errors", realPlan.Planned(), len(realPlan.Errors))
		}
		var load string
		if raw, err := os.ReadFile("/proc/loadavg"); err == nil {
			load = strings.Join(strings.Fields(string(raw))[:3], " ")
		}
		fmt.Printf("\nfleet plan (tenantops-trigger fleet plan --parallel %d, %d CPUs, load average %s)\n", parallel, runtime.NumCPU(), load)
		fmt.Printf("  %-56s %8.1f s  (target <= %.0f s; %s)\n", fmt.Sprintf("%d tenants (%s)", n, tiers),
			all.wall.Seconds(), 120*float64(n)/200, verdict(all.wall.Seconds(), 120*float64(n)/200))
		fmt.Printf("  %-56s %8.3f s\n", "  per tenant, wall", all.wall.Seconds()/float64(n))
		fmt.Printf("  %-56s %8.3f s\n", "  per tenant, CPU (fleet plan + Terraform + provider)", all.cpu.Seconds()/float64(n))
		fmt.Printf("  %-56s %8.1f s\n", fmt.Sprintf("  CPU total / %d CPUs (wall time with the CPUs to itself)", runtime.NumCPU()),
			all.cpu.Seconds()/float64(runtime.NumCPU()))
		b.ReportMetric(all.wall.Seconds(), "s/fleet-plan")
	}
}

// tierOf and idOf name the benchmark's tenants: three in four standard.
func tierOf(i int) string {
	if i%4 == 3 {
		return "premium-dr"
	}
	return "standard"
}

func idOf(i int) string { return fmt.Sprintf("fleet-%03d", i) }

// onboardReal and cloneFleet give the database n tenants, each with its
// spec revision, its tenant row and its Terraform state. The first `onboarded`
// of them are onboarded through the trigger (at most 16 webhooks in
// flight). The others are cloned from the first onboarded tenant of their tier,
// the tenant id replaced everywhere in its spec and state: onboarding 200
// tenants through Terraform takes several minutes of CPU on two cores, and
// a plan without refresh reads nothing but the state and the spec, so a
// clone costs the fleet plan exactly what a tenant onboarded for real does.
func onboardReal(ctx context.Context, e *Env, onboarded int) error {
	sem := make(chan struct{}, 16)
	errs := make(chan error, onboarded)
	var wg sync.WaitGroup
	for i := 0; i < onboarded; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(tenant, tier string) {
			defer wg.Done()
			defer func() { <-sem }()
			if _, _, _, _, err := e.Send(ctx, nil, tenant, tier); err != nil {
				errs <- err
			}
		}(idOf(i), tierOf(i))
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		return err
	}
	return waitCompleted(ctx, e, onboarded)
}

// cloneFleet clones tenants onboarded..n-1 from the onboarded ones (see
// onboardReal) and says how many of each tier there are.
func cloneFleet(ctx context.Context, e *Env, n, onboarded int) (string, error) {
	seed := map[string]string{}
	count := map[string]int{}
	for i := 0; i < n; i++ {
		tier := tierOf(i)
		count[tier]++
		if i < onboarded {
			if seed[tier] == "" {
				seed[tier] = idOf(i)
			}
			continue
		}
		if seed[tier] == "" {
			return "", fmt.Errorf("no tenant of tier %s was onboarded to clone from: raise BENCH_FLEET_ONBOARD", tier)
		}
		if err := cloneTenant(ctx, e, seed[tier], idOf(i)); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("%d standard, %d premium-dr; %d onboarded, %d cloned", count["standard"], count["premium-dr"], onboarded, n-onboarded), nil
}

// waitCompleted waits until n runs completed, failing on the first that
// did not.
func waitCompleted(ctx context.Context, e *Env, n int) error {
	for {
		var done, failed int
		if err := e.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE state = 'COMPLETED'),
			count(*) FILTER (WHERE state IN ('ROLLED_BACK', 'COMPENSATION_FAILED', 'FAILED')) FROM runs`).Scan(&done, &failed); err != nil {
			return err
		}
		if failed > 0 {
			return fmt.Errorf("%d onboardings failed (trigger log: %s)", failed, e.TriggerLogTail(20))
		}
		if done == n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d onboardings completed: %w", done, n, ctx.Err())
		case <-time.After(time.Second):
		}
	}
}

// cloneTenant copies seed's tenant row, spec revisions and Terraform state
// to id, with seed's id replaced by id in the spec and the state.
func cloneTenant(ctx context.Context, e *Env, seed, id string) error {
	tx, err := e.Pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck
	for _, q := range []string{
		`INSERT INTO tenants (id, tier, current_revision, last_good_revision, last_good_template_revision, status)
			SELECT $2, tier, current_revision, last_good_revision, last_good_template_revision, status FROM tenants WHERE id = $1`,
		`INSERT INTO tenant_specs (tenant, revision, event_id, spec)
			SELECT $2, revision, 'evt-clone-' || $2, replace(spec::text, $1, $2)::jsonb FROM tenant_specs WHERE tenant = $1`,
		`INSERT INTO terraform_remote_state.states (name, data)
			SELECT $2, replace(data, $1, $2) FROM terraform_remote_state.states WHERE name = $1`,
	} {
		tag, err := tx.Exec(ctx, q, seed, id)
		if err != nil {
			return fmt.Errorf("clone %s from %s: %w", id, seed, err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("clone %s from %s: nothing to copy (%s)", id, seed, strings.Fields(q)[2])
		}
	}
	return tx.Commit(ctx)
}

// planRun is one fleet plan's cost: wall time, and the CPU time of the
// command with every Terraform and provider process it waited for.
type planRun struct {
	wall time.Duration
	cpu  time.Duration
}

// fleetPlan runs the trigger binary's fleet plan as an operator or CI job
// would and returns its report and cost.
func fleetPlan(ctx context.Context, e *Env, tree string, parallel int, tier string, extra ...string) (fleet.Report, planRun, error) {
	out := filepath.Join(e.Dir, "fleet-report.json")
	args := []string{"fleet", "plan", "--templates", tree, "--database-url", e.DatabaseURL, "--provider-mirror", e.Mirror,
		"--encryption-keys", triggertest.EncryptionKeys,
		"--terraform-bin", e.TerraformBin, "--platform-vars", e.PlatformFile, "--directory=false",
		"--parallel", strconv.Itoa(parallel), "--format", "json", "--out", out}
	if tier != "" {
		args = append(args, "--tier", tier)
	}
	cmd := exec.CommandContext(ctx, e.TriggerBin, append(args, extra...)...)
	caFile, err := e.WriteCA()
	if err != nil {
		return fleet.Report{}, planRun{}, err
	}
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + e.Dir, "TMPDIR=" + os.TempDir(), "CHECKPOINT_DISABLE=1",
		"SSL_CERT_DIR=" + filepath.Dir(caFile) + ":/etc/ssl/certs"}
	for k, v := range e.ProviderEnv() {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	start := time.Now()
	if b, err := cmd.CombinedOutput(); err != nil {
		return fleet.Report{}, planRun{}, fmt.Errorf("fleet plan: %v\n%s", err, tail(string(b), 2000))
	}
	cost := planRun{wall: time.Since(start), cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
	var r fleet.Report
	b, err := os.ReadFile(out)
	if err == nil {
		err = json.Unmarshal(b, &r)
	}
	return r, cost, err
}

func verdict(v, target float64) string {
	if v <= target {
		return "met"
	}
	return "MISSED"
}
