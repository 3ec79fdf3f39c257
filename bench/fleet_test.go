package bench

import (
	"context"
	"encoding/json"
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

// BenchmarkFleetPlan onboards BENCH_FLEET_N tenants (default 200, three in
// four standard, the others premium-dr) through the trigger, changes the
// cloud module in a copy of the templates (an in-place change every tenant
// sees), and times `tenantops-trigger fleet plan` over all of them with
// --parallel BENCH_FLEET_PARALLEL (default 4). The target is 120 s for 200
// tenants on a 2-core machine. It then plans the premium-dr tenants with and
// without refresh, to show what -refresh=false saves.
func BenchmarkFleetPlan(b *testing.B) {
	n := envInt("BENCH_FLEET_N", 200)
	parallel := envInt("BENCH_FLEET_PARALLEL", 4)
	cfg := ConfigFromEnv()
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	for i := 0; i < b.N; i++ {
		e, err := Start(ctx, cfg, os.Stderr)
		if err != nil {
			b.Fatal(err)
		}
		defer e.Stop()
		start := time.Now()
		tiers, err := onboardFleet(ctx, e, n)
		if err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(os.Stderr, "bench: %d tenants onboarded in %.0f s\n", n, time.Since(start).Seconds())

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

		all, wall, err := fleetPlan(ctx, e, tree, parallel, "")
		if err != nil {
			b.Fatal(err)
		}
		if all.Planned() != n || len(all.Errors) != 0 || len(all.Groups) != 1 || len(all.Groups[0].Tenants) != n {
			b.Fatalf("fleet plan: %d planned, %d errors, %d change sets; want %d tenants in one change set:\n%s",
				all.Planned(), len(all.Errors), len(all.Groups), n, all.Markdown())
		}
		drNoRefresh, wallNo, err := fleetPlan(ctx, e, tree, parallel, "premium-dr")
		if err != nil {
			b.Fatal(err)
		}
		_, wallRefresh, err := fleetPlan(ctx, e, tree, parallel, "premium-dr", "--refresh")
		if err != nil {
			b.Fatal(err)
		}
		dr := drNoRefresh.Planned()
		fmt.Printf("\nfleet plan (tenantops-trigger fleet plan --parallel %d, %d CPUs)\n", parallel, runtime.NumCPU())
		fmt.Printf("  %-52s %8.1f s  (target <= 120 s for 200 tenants; %s)\n", fmt.Sprintf("%d tenants (%s), one in-place change each", n, tiers),
			wall.Seconds(), verdict(wall.Seconds(), 120*float64(n)/200))
		fmt.Printf("  %-52s %8.3f s\n", "per tenant (wall)", wall.Seconds()/float64(n))
		fmt.Printf("  %-52s %8.3f s\n", fmt.Sprintf("per premium-dr tenant, -refresh=false (%d)", dr), wallNo.Seconds()/float64(dr))
		fmt.Printf("  %-52s %8.3f s\n", fmt.Sprintf("per premium-dr tenant, --refresh (%d)", dr), wallRefresh.Seconds()/float64(dr))
		b.ReportMetric(wall.Seconds(), "s/fleet-plan")
	}
}

// onboardFleet onboards n tenants, three in four standard, at most 16
// webhooks in flight, and waits until every run completed.
func onboardFleet(ctx context.Context, e *Env, n int) (string, error) {
	sem := make(chan struct{}, 16)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	count := map[string]int{}
	for i := 0; i < n; i++ {
		tier := "standard"
		if i%4 == 3 {
			tier = "premium-dr"
		}
		count[tier]++
		wg.Add(1)
		sem <- struct{}{}
		go func(tenant, tier string) {
			defer wg.Done()
			defer func() { <-sem }()
			if _, _, _, _, err := e.Send(ctx, nil, tenant, tier); err != nil {
				errs <- err
			}
		}(fmt.Sprintf("fleet-%03d", i), tier)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		return "", err
	}
	for {
		var done, failed int
		if err := e.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE state = 'COMPLETED'),
			count(*) FILTER (WHERE state IN ('ROLLED_BACK', 'COMPENSATION_FAILED', 'FAILED')) FROM runs`).Scan(&done, &failed); err != nil {
			return "", err
		}
		if failed > 0 {
			return "", fmt.Errorf("%d onboardings failed (trigger log: %s)", failed, e.TriggerLogTail(20))
		}
		if done == n {
			return fmt.Sprintf("%d standard, %d premium-dr", count["standard"], count["premium-dr"]), nil
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("%d of %d onboardings completed: %w", done, n, ctx.Err())
		case <-time.After(time.Second):
		}
	}
}

// fleetPlan runs the trigger binary's fleet plan as an operator or CI job
// would and returns its report and wall time.
func fleetPlan(ctx context.Context, e *Env, tree string, parallel int, tier string, extra ...string) (fleet.Report, time.Duration, error) {
	out := filepath.Join(e.Dir, "fleet-report.json")
	args := []string{"fleet", "plan", "--templates", tree, "--database-url", e.DatabaseURL, "--provider-mirror", e.Mirror,
		"--terraform-bin", e.TerraformBin, "--platform-vars", e.PlatformFile, "--directory=false",
		"--parallel", strconv.Itoa(parallel), "--format", "json", "--out", out}
	if tier != "" {
		args = append(args, "--tier", tier)
	}
	cmd := exec.CommandContext(ctx, e.TriggerBin, append(args, extra...)...)
	caFile, err := e.WriteCA()
	if err != nil {
		return fleet.Report{}, 0, err
	}
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + e.Dir, "TMPDIR=" + os.TempDir(), "CHECKPOINT_DISABLE=1",
		"SSL_CERT_DIR=" + filepath.Dir(caFile) + ":/etc/ssl/certs"}
	for k, v := range e.ProviderEnv() {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	start := time.Now()
	if b, err := cmd.CombinedOutput(); err != nil {
		return fleet.Report{}, 0, fmt.Errorf("fleet plan: %v\n%s", err, tail(string(b), 2000))
	}
	wall := time.Since(start)
	var r fleet.Report
	b, err := os.ReadFile(out)
	if err == nil {
		err = json.Unmarshal(b, &r)
	}
	return r, wall, err
}

func verdict(v, target float64) string {
	if v <= target {
		return "met"
	}
	return "MISSED"
}
