package bench

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
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
