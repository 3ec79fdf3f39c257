package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/spec"
	"github.com/tenantops/tenantops/trigger/workspace"
)

var tiers = []string{"standard", "premium-dr"}

// Run starts an environment, runs the configured phases in order and
// returns the results. Phase failures are recorded, not fatal, so one
// broken phase still leaves the others' figures.
func Run(ctx context.Context, cfg Config, log io.Writer) (*Results, error) {
	res := NewResults()
	res.Config = map[string]any{
		"e2e_tenants_per_tier": cfg.E2ETenants, "realistic_tenants_per_tier": cfg.RealisticTenants,
		"realistic_concurrency": cfg.RealisticConcurrency, "throughput": cfg.Throughput,
		"bare_runs": cfg.BareRuns, "drift_runs": cfg.DriftRuns, "api_tenants": cfg.APITenants,
		"api_reads": cfg.APIReads, "intake_rate": cfg.IntakeRate, "intake_seconds": cfg.IntakeDuration.Seconds(),
		"workers": cfg.Workers, "detach": cfg.Detach, "directory": false,
	}
	t0 := time.Now()
	e, err := Start(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	defer e.Stop()
	fmt.Fprintf(log, "bench: environment up in %s (trigger %s, pid %d)\n", time.Since(t0).Round(time.Millisecond), e.TriggerURL, e.trigger.Process.Pid)
	s := &suite{e: e, cfg: cfg, res: res, log: log, e2e: map[string][]Onboarding{}, bare: map[string]float64{}}
	phases := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"e2e", s.phaseE2E},
		{"overhead", s.phaseOverhead},
		{"drift", s.phaseDrift},
		{"realistic", s.phaseRealistic},
		{"throughput", s.phaseThroughput},
		{"detach", s.phaseDetach},
		{"api", s.phaseAPI},
		{"intake", s.phaseIntake},
	}
	for _, p := range phases {
		if !cfg.Phases[p.name] {
			continue
		}
		pt := time.Now()
		pid := e.trigger.Process.Pid
		cpu0 := CPUSeconds(pid)
		fmt.Fprintf(log, "bench: phase %s...\n", p.name)
		if err := p.fn(ctx); err != nil {
			res.Error(p.name, err)
			fmt.Fprintf(log, "bench: phase %s failed: %v\nend of the trigger's log:\n%s\n", p.name, err, e.TriggerLogTail(3000))
		}
		wall := time.Since(pt)
		cpu := CPUSeconds(pid) - cpu0
		if pid != e.trigger.Process.Pid {
			cpu = CPUSeconds(e.trigger.Process.Pid) // restarted during the phase
		}
		res.Detail("phase_"+p.name+"_seconds", wall.Seconds())
		res.Detail("phase_"+p.name+"_trigger_cpu_seconds", cpu)
		fmt.Fprintf(log, "bench: phase %s took %s (trigger CPU %.1fs)\n", p.name, wall.Round(time.Millisecond), cpu)
		if ctx.Err() != nil {
			break
		}
	}
	e.Mon.Stop()
	res.Add("trigger peak RSS (whole run, VmHWM)", float64(max(e.PrevHWM, HWM(e.trigger.Process.Pid)))/(1<<20), "MiB", "")
	res.Took = time.Since(t0).Round(time.Second).String()
	return res, nil
}

type suite struct {
	e   *Env
	cfg Config
	res *Results
	log io.Writer
	e2e map[string][]Onboarding
	// bareCPU accumulates the CPU seconds of the bare Terraform commands
	// (with the providers they waited for).
	bareCPU float64
	// bare is the median bare init + plan -out + apply seconds by tier.
	bare map[string]float64
}

// phaseE2E onboards tenants one at a time at zero latency.
func (s *suite) phaseE2E(ctx context.Context) error {
	ZeroProfile().Apply(s.e.Backends)
	// One warm-up onboarding: the first Terraform run of a process pays
	// for cold page caches of the terraform and provider binaries.
	if _, err := s.e.Onboard(ctx, NewTenantID("warm"), "standard"); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	for _, tier := range tiers {
		var list []Onboarding
		cpu0 := s.cpu(ctx)
		for i := 0; i < s.cfg.E2ETenants; i++ {
			o, err := s.e.Onboard(ctx, NewTenantID(short(tier)), tier)
			if err != nil {
				return err
			}
			list = append(list, o)
		}
		used := s.cpu(ctx).Sub(cpu0)
		s.e2e[tier] = list
		s.reportOnboardings("E2E "+tier+" zero-latency", tier, list, tier == "standard", 1.5)
		if n := float64(len(list)); n > 0 {
			s.res.Add("E2E "+tier+" zero-latency CPU per onboarding", used.Trigger/n, "s",
				fmt.Sprintf("trigger with its terraform and provider processes; PostgreSQL %.2fs", used.Postgres/n))
		}
	}
	return nil
}

func short(tier string) string {
	if tier == "premium-dr" {
		return "prem"
	}
	return "std"
}

// reportOnboardings adds p50/p95 and the time breakdown of list.
func (s *suite) reportOnboardings(label, tier string, list []Onboarding, withTarget bool, target float64) {
	var e2e, ack, queued, run, cb []time.Duration
	tenants := map[string]bool{}
	for _, o := range list {
		e2e = append(e2e, o.E2E)
		ack = append(ack, o.Ack)
		queued = append(queued, o.Queued)
		run = append(run, o.Run)
		cb = append(cb, o.Callback)
		tenants[o.Tenant] = true
	}
	p50 := Percentile(durs(e2e), 50)
	if withTarget {
		s.res.Target(label+" p50", p50, "s", target, true, fmt.Sprintf("n=%d", len(list)))
	} else {
		s.res.Add(label+" p50", p50, "s", fmt.Sprintf("n=%d", len(list)))
	}
	s.res.Add(label+" p95", Percentile(durs(e2e), 95), "s", "")
	s.res.Add(label+" run (started→COMPLETED) p50", Percentile(durs(run), 50), "s", "")
	note := fmt.Sprintf("ack %.0fms, sent→started %.0fms, COMPLETED→callback %.0fms (p50)",
		Percentile(durs(ack), 50)*1000, Percentile(durs(queued), 50)*1000, Percentile(durs(cb), 50)*1000)
	cmds, err := s.e.ReadTFLog()
	if err == nil {
		per, count, total := CommandBreakdown(cmds, tenants)
		var runMean float64
		for _, r := range run {
			runMean += r.Seconds() / float64(len(run))
		}
		s.res.Add(label+" terraform commands per run", count, "", FormatBreakdown(per))
		s.res.Add(label+" time in terraform per run", total, "s", fmt.Sprintf("mean; %.0f%% of the mean run (%.2fs)", 100*total/max(runMean, 1e-9), runMean))
		s.res.Detail(label+" command_breakdown", per)
	}
	if steps := s.stepDurations(list); len(steps) > 0 {
		s.res.Detail(label+" resource_seconds_p50", steps)
		s.res.Finding("%s: resource create p50 (run_steps): %s", label, FormatBreakdown(steps))
	}
	s.res.Detail(label+" samples", list)
	s.res.Finding("%s: %s", label, note)
}

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

// phaseRealistic onboards tenants under the realistic latency profile.
func (s *suite) phaseRealistic(ctx context.Context) error {
	p := RealisticProfile()
	p.Apply(s.e.Backends)
	defer ZeroProfile().Apply(s.e.Backends)
	for _, tier := range tiers {
		list, err := s.onboardMany(ctx, tier, s.cfg.RealisticTenants, max(s.cfg.RealisticConcurrency, 1), "real")
		if err != nil {
			return err
		}
		label := "E2E " + tier + " realistic"
		s.reportOnboardings(label, tier, list, false, 0)
		chain := ChainLatency(tier, p)
		var e2e []time.Duration
		for _, o := range list {
			e2e = append(e2e, o.E2E)
		}
		eff := Percentile(durs(e2e), 50) / chain.Seconds()
		s.res.Target("critical-path efficiency "+tier+" (E2E p50 ÷ chain)", eff, "x", 1.25, true,
			fmt.Sprintf("chain %s = %.2fs (concurrency %d)", chainNames(tier), chain.Seconds(), s.cfg.RealisticConcurrency))
	}
	return nil
}

func chainNames(tier string) string {
	var n []string
	for _, st := range Chain(tier) {
		n = append(n, strings.TrimPrefix(st.Resource, "tenantops_"))
	}
	return strings.Join(n, "→")
}

// onboardMany onboards n tenants of tier, at most conc at a time.
func (s *suite) onboardMany(ctx context.Context, tier string, n, conc int, prefix string) ([]Onboarding, error) {
	var (
		mu   sync.Mutex
		list []Onboarding
		errs []error
		wg   sync.WaitGroup
		sem  = make(chan struct{}, conc)
	)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			o, err := s.e.Onboard(ctx, NewTenantID(prefix), tier)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			list = append(list, o)
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return list, fmt.Errorf("%d of %d onboardings failed; first: %w", len(errs), n, errs[0])
	}
	sort.Slice(list, func(i, j int) bool { return list[i].E2E < list[j].E2E })
	return list, nil
}

// phaseThroughput sends N webhooks at once and waits for every callback.
func (s *suite) phaseThroughput(ctx context.Context) error {
	ZeroProfile().Apply(s.e.Backends)
	lastRate := 0.0 // tenants per minute of the previous burst
	for _, n := range s.cfg.Throughput {
		// A larger burst runs only when it fits before the deadline, with
		// room left for the phases after this one.
		if dl, ok := ctx.Deadline(); ok && lastRate > 0 {
			need := time.Duration(float64(n)/lastRate*float64(time.Minute)) + 30*time.Second
			if left := time.Until(dl) - 2*time.Minute; need > left {
				s.res.Finding("throughput %d skipped: needs about %s, %s left before the deadline (run go test with a larger -timeout)",
					n, need.Round(time.Second), left.Round(time.Second))
				continue
			}
		}
		s.e.Mon.ResetWindow()
		cpu0 := s.cpu(ctx)
		t0 := time.Now()
		list, err := s.onboardMany(ctx, "standard", n, n, fmt.Sprintf("tp%d", n))
		wall := time.Since(t0)
		used := s.cpu(ctx).Sub(cpu0)
		rss, tfPeak := s.e.Mon.Window()
		label := fmt.Sprintf("throughput %d tenants at once", n)
		s.res.Target(label+": failed onboardings", float64(n-len(list)), "", 0, true, "")
		if err != nil {
			s.res.Finding("%s: %v", label, err)
		}
		if len(list) == 0 {
			return err
		}
		rate := float64(len(list)) / wall.Minutes()
		lastRate = rate
		if n == 50 {
			s.res.Target(label, rate, "tenants/min", 100, false, fmt.Sprintf("all COMPLETED in %.1fs", wall.Seconds()))
			s.res.Target(label+": trigger peak RSS", float64(rss)/(1<<20), "MiB", 150, true, "")
		} else {
			s.res.Add(label, rate, "tenants/min", fmt.Sprintf("all COMPLETED in %.1fs", wall.Seconds()))
			s.res.Add(label+": trigger peak RSS", float64(rss)/(1<<20), "MiB", "")
		}
		s.res.Add(label+": peak concurrent terraform", float64(tfPeak), "procs", fmt.Sprintf("trigger workers=%d", s.cfg.Workers))
		if len(list) > 0 {
			per := (used.Trigger + used.Postgres + used.Bench) / float64(len(list))
			cpus, _ := strconv.Atoi(s.res.Machine["cpus"])
			s.res.Add(label+": CPU per tenant", per, "s", fmt.Sprintf("trigger+terraform+provider %.2fs, PostgreSQL %.2fs, simulators %.2fs; CPU-bound ceiling %.0f tenants/min on %d CPUs",
				used.Trigger/float64(len(list)), used.Postgres/float64(len(list)), used.Bench/float64(len(list)), 60*float64(max(cpus, 1))/max(per, 1e-9), cpus))
		}
		var e2e []time.Duration
		for _, o := range list {
			e2e = append(e2e, o.E2E)
		}
		s.res.Add(label+": E2E p50 / max", Percentile(durs(e2e), 50), "s", fmt.Sprintf("max %.1fs", Percentile(durs(e2e), 100)))
	}
	return nil
}

// stepDurations returns the p50 seconds of each resource's apply step over
// the runs of list, from the trigger's run_steps.
func (s *suite) stepDurations(list []Onboarding) map[string]float64 {
	ids := make([]int64, 0, len(list))
	for _, o := range list {
		ids = append(ids, o.RunID)
	}
	rows, err := s.e.Pool.Query(context.Background(), `SELECT address, extract(epoch FROM finished_at - started_at)::float8
		FROM run_steps WHERE run_id = ANY($1) AND phase = 'apply' AND finished_at IS NOT NULL`, ids)
	if err != nil {
		return nil
	}
	defer rows.Close()
	by := map[string][]float64{}
	for rows.Next() {
		var addr string
		var d float64
		if rows.Scan(&addr, &d) == nil {
			by[strings.TrimPrefix(addr, "tenantops_")] = append(by[strings.TrimPrefix(addr, "tenantops_")], d)
		}
	}
	out := map[string]float64{}
	for a, xs := range by {
		out[a] = Percentile(xs, 50)
	}
	return out
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
