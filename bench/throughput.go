package bench

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

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
