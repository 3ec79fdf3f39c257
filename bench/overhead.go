package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/spec"
	"github.com/tenantops/tenantops/trigger/workspace"
)

// phaseOverhead times a bare terraform init && apply of the same rendered
// workspace, and the floor of this machine's Terraform.
func (s *suite) phaseOverhead(ctx context.Context) error {
	ZeroProfile().Apply(s.e.Backends)
	dir := filepath.Join(s.e.Dir, "bare")
	floorVersion, err := s.timeN(ctx, 5, func() error { return s.tf(ctx, dir+"/empty", nil, "version") })
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir+"/empty", 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(dir+"/empty/main.tf", []byte("terraform {}\n"), 0o644); err != nil {
		return err
	}
	floorPlan, err := s.timeN(ctx, 5, func() error { return s.tf(ctx, dir+"/empty", nil, "plan", "-input=false", "-lock=false") })
	if err != nil {
		return err
	}
	s.res.Add("floor: terraform version", floorVersion, "s", "median of 5")
	s.res.Add("floor: terraform plan, empty config", floorPlan, "s", "median of 5")
	for _, tier := range tiers {
		var inits, plans, applies, totals, cpus []float64
		var lastDir string
		var lastEnv map[string]string
		for i := 0; i < max(s.cfg.BareRuns, 1); i++ {
			tenant := NewTenantID("bare")
			wdir := filepath.Join(dir, tenant)
			t := spec.Tenant{ID: tenant, DisplayName: "Bare " + tenant, Tier: tier,
				Quotas: spec.Quotas{CPUMHz: 20000, MemoryMB: 65536, StorageMB: 1048576, VMQuota: 50},
				SSO:    spec.SSO{MFA: "otp"},
				Admins: []spec.Admin{{Username: "admin", Email: "admin@" + tenant + ".example", GivenName: "Ada", FamilyName: "Admin"}}}
			if tier == "premium-dr" {
				t.DR = &spec.DR{RPOSeconds: 300, JournalHours: 24, Priority: "Medium"}
			}
			if _, err := workspace.Render(workspace.Options{TemplatesDir: templatesDir(), Dir: wdir, Tenant: t,
				Platform: s.e.Platform(), MirrorDir: s.e.Mirror}); err != nil {
				return fmt.Errorf("render: %w", err)
			}
			// Each bare run keeps its state in a schema of its own, created
			// by the pg backend itself: plain `terraform init`.
			env := map[string]string{"PG_CONN_STR": s.e.DatabaseURL, "PG_SCHEMA_NAME": "bare_" + strings.ReplaceAll(tenant, "-", "_")}
			lastDir, lastEnv = wdir, env
			cpu0 := s.bareCPU
			t0 := time.Now()
			if err := s.tf(ctx, wdir, env, "init", "-input=false"); err != nil {
				return err
			}
			// The baseline: init, plan -out, apply of that plan.
			t1 := time.Now()
			if err := s.tf(ctx, wdir, env, "plan", "-input=false", "-out=p"); err != nil {
				return err
			}
			tp := time.Now()
			if err := s.tf(ctx, wdir, env, "apply", "-input=false", "p"); err != nil {
				return err
			}
			t2 := time.Now()
			inits = append(inits, t1.Sub(t0).Seconds())
			plans = append(plans, tp.Sub(t1).Seconds())
			applies = append(applies, t2.Sub(tp).Seconds())
			totals = append(totals, t2.Sub(t0).Seconds())
			cpus = append(cpus, s.bareCPU-cpu0)
		}
		if tier == "standard" {
			if err := s.traceBare(ctx, lastDir, lastEnv); err != nil {
				return err
			}
		}
		bare := Percentile(totals, 50)
		s.bare[tier] = bare
		s.res.Add("bare init+plan+apply "+tier, bare, "s", fmt.Sprintf("median of %d: init %.2fs, plan -out %.2fs, apply %.2fs; %.2f CPU-s (terraform+provider)",
			len(totals), Percentile(inits, 50), Percentile(plans, 50), Percentile(applies, 50), Percentile(cpus, 50)))
		if list := s.e2e[tier]; len(list) > 0 {
			var e2e []time.Duration
			for _, o := range list {
				e2e = append(e2e, o.E2E)
			}
			ratio := Percentile(durs(e2e), 50) / bare
			s.res.Target("overhead ratio "+tier+" (E2E p50 ÷ bare)", ratio, "x", 1.15, true, "")
		}
	}
	return nil
}

// templatesDir is templates/tenants of the module.
func templatesDir() string {
	return filepath.Join(testenv.RepoRoot(), "templates", "tenants")
}

// tf runs Terraform in dir with the provider environment plus extra.
func (s *suite) tf(ctx context.Context, dir string, extra map[string]string, args ...string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, s.e.TerraformBin, args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + s.e.Dir, "TMPDIR=" + os.TempDir(),
		"TF_CLI_CONFIG_FILE=" + s.e.CLIConfig, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1"}
	for k, v := range s.e.ProviderEnv() {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	for k, v := range extra {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	if ps := cmd.ProcessState; ps != nil {
		s.bareCPU += (ps.UserTime() + ps.SystemTime()).Seconds()
	}
	if err != nil {
		return fmt.Errorf("terraform %s in %s: %v\n%s", strings.Join(args, " "), dir, err, tail(string(out), 1500))
	}
	return nil
}

// timeN runs fn n times and returns the median seconds.
func (s *suite) timeN(ctx context.Context, n int, fn func() error) (float64, error) {
	var xs []float64
	for i := 0; i < n; i++ {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		t0 := time.Now()
		if err := fn(); err != nil {
			return 0, err
		}
		xs = append(xs, time.Since(t0).Seconds())
	}
	return Percentile(xs, 50), nil
}

// traceBare times a bare plan of an applied, unchanged workspace (what a
// drift check costs without the trigger), then traces one plan with
// TF_LOG=trace to see what Terraform itself spends it on.
func (s *suite) traceBare(ctx context.Context, dir string, env map[string]string) error {
	plan, err := s.timeN(ctx, 3, func() error { return s.tf(ctx, dir, env, "plan", "-input=false", "-detailed-exitcode") })
	if err != nil {
		return err
	}
	s.res.Add("bare terraform plan, unchanged standard tenant", plan, "s", "median of 3 (refreshes every resource)")
	traced := map[string]string{"TF_LOG": "trace", "TF_LOG_PATH": filepath.Join(dir, "trace.log")}
	for k, v := range env {
		traced[k] = v
	}
	if err := s.tf(ctx, dir, traced, "plan", "-input=false"); err != nil {
		return err
	}
	st, err := AnalyzeTrace(traced["TF_LOG_PATH"])
	if err != nil {
		return err
	}
	s.res.Detail("trace_bare_plan", st)
	s.res.Finding("bare `terraform plan` of an unchanged standard tenant (TF_LOG=trace, which slows it): %.2fs, %d provider launches costing %.0fms to handshake, RPCs %v",
		st.Total.Seconds(), st.ProviderLaunches, float64(st.ProviderStartup.Milliseconds()), st.RPCs)
	return nil
}

// phaseDetach restarts the trigger with the opposite detach-terraform
// setting and repeats the zero-latency standard onboardings and drift
// checks: an A/B of the detach wrapper's cost in the same run. The later
// phases (API, intake) run no Terraform, so the setting does not matter
// to them.
func (s *suite) phaseDetach(ctx context.Context) error {
	ZeroProfile().Apply(s.e.Backends)
	detach := !s.cfg.Detach
	if err := s.e.RestartTrigger(ctx, detach); err != nil {
		return err
	}
	if _, err := s.e.Onboard(ctx, NewTenantID("warm"), "standard"); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	var list []Onboarding
	for i := 0; i < max(s.cfg.E2ETenants, 1); i++ {
		o, err := s.e.Onboard(ctx, NewTenantID("ab"), "standard")
		if err != nil {
			return err
		}
		list = append(list, o)
	}
	label := fmt.Sprintf("E2E standard zero-latency, detach-terraform=%v", detach)
	var e2e []time.Duration
	for _, o := range list {
		e2e = append(e2e, o.E2E)
	}
	s.res.Add(label+" p50", Percentile(durs(e2e), 50), "s", fmt.Sprintf("n=%d, same run, trigger restarted", len(list)))
	s.res.Add(label+" p95", Percentile(durs(e2e), 95), "s", "")
	if cmds, err := s.e.ReadTFLog(); err == nil {
		tenants := map[string]bool{}
		var runMean float64
		for _, o := range list {
			tenants[o.Tenant] = true
			runMean += o.Run.Seconds() / float64(len(list))
		}
		_, _, total := CommandBreakdown(cmds, tenants)
		s.res.Add(label+" time in terraform per run", total, "s", fmt.Sprintf("mean; %.0f%% of the mean run (%.2fs)", 100*total/max(runMean, 1e-9), runMean))
	}
	if bare := s.bare["standard"]; bare > 0 {
		s.res.Add(fmt.Sprintf("overhead ratio standard, detach-terraform=%v", detach), Percentile(durs(e2e), 50)/bare, "x", "E2E p50 ÷ bare init+plan+apply")
	}
	if base := s.e2e["standard"]; len(base) > 0 {
		var b []time.Duration
		for _, o := range base {
			b = append(b, o.E2E)
		}
		s.res.Finding("detach-terraform=%v → %v changes the standard E2E p50 from %.2fs to %.2fs (%+.2fs per run)",
			s.cfg.Detach, detach, Percentile(durs(b), 50), Percentile(durs(e2e), 50), Percentile(durs(e2e), 50)-Percentile(durs(b), 50))
	}
	var drift []float64
	for i := 0; i < max(s.cfg.DriftRuns/2, 1); i++ {
		t0 := time.Now()
		var r struct {
			RunID int64 `json:"run_id"`
		}
		if err := s.api(ctx, "POST", "/v1/tenants/"+list[0].Tenant+"/drift", &r); err != nil {
			return err
		}
		if st, _, _, _, err := s.waitRun(ctx, r.RunID); err != nil || st != "COMPLETED" {
			return fmt.Errorf("drift run %d: %s %v", r.RunID, st, err)
		}
		drift = append(drift, time.Since(t0).Seconds())
	}
	s.res.Add(fmt.Sprintf("unchanged-tenant drift check, detach-terraform=%v p50", detach), Percentile(drift, 50), "s", fmt.Sprintf("n=%d", len(drift)))
	return nil
}
