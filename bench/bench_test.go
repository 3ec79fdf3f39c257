package bench

import (
	"context"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/spec"
)

// BenchmarkTenantops runs every configured phase once (use -benchtime 1x)
// and prints the figures table; the results also go to bench/results/.
func BenchmarkTenantops(b *testing.B) {
	cfg := ConfigFromEnv()
	if cfg.ResultsDir == "" {
		cfg.ResultsDir = filepath.Join(testenv.RepoRoot(), "bench", "results")
	}
	// Stop measuring before go test's own -timeout panics, so the figures
	// gathered so far are still printed and written.
	limit := 40 * time.Minute
	if f := flag.Lookup("test.timeout"); f != nil {
		if d, err := time.ParseDuration(f.Value.String()); err == nil && d > 0 {
			limit = min(limit, d-time.Since(started)-45*time.Second)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	for i := 0; i < b.N; i++ {
		res, err := Run(ctx, cfg, os.Stderr)
		if err != nil {
			b.Fatal(err)
		}
		res.Print(os.Stdout)
		path, err := res.Write(cfg.ResultsDir)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("results written to %s", path)
		for _, f := range res.Figures {
			switch f.Name {
			case "E2E standard zero-latency p50":
				b.ReportMetric(f.Value, "s/e2e-standard-p50")
			case "E2E premium-dr zero-latency p50":
				b.ReportMetric(f.Value, "s/e2e-premium-dr-p50")
			}
		}
	}
}

// started is when the test binary started (for the -timeout budget).
var started = time.Now()

func TestPercentile(t *testing.T) {
	xs := []float64{5, 1, 4, 2, 3}
	for _, c := range []struct{ p, want float64 }{{0, 1}, {50, 3}, {100, 5}, {25, 2}, {95, 4.8}} {
		if got := Percentile(xs, c.p); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("Percentile(%v) = %v, want %v", c.p, got, c.want)
		}
	}
	if Percentile(nil, 50) != 0 {
		t.Error("empty slice")
	}
	if xs[0] != 5 {
		t.Error("Percentile sorted its input in place")
	}
}

func TestChainLatency(t *testing.T) {
	p := RealisticProfile()
	std := ChainLatency("standard", p)
	// org task + vdc task + 10 VCD calls + the callback.
	want := p.OrgCreateTask + p.VDCCreateTask + 10*p.VCDCall + p.CRMCall
	if std != want {
		t.Errorf("standard chain = %s, want %s", std, want)
	}
	prem := ChainLatency("premium-dr", p)
	if prem-std != p.ZertoTask+p.ZertoInitialSync+9*p.ZertoCall+5*p.VCDCall {
		t.Errorf("premium-dr adds %s", prem-std)
	}
	if ChainLatency("standard", ZeroProfile()) != 0 {
		t.Error("zero profile has latency")
	}
}

func TestCommandBreakdown(t *testing.T) {
	t0 := time.Unix(1000, 0)
	cmds := []TFCommand{
		{Start: t0, End: t0.Add(time.Second), Tenant: "a", Command: "plan"},
		{Start: t0, End: t0.Add(3 * time.Second), Tenant: "b", Command: "plan"},
		{Start: t0, End: t0.Add(2 * time.Second), Tenant: "a", Command: "apply"},
		{Start: t0, End: t0.Add(9 * time.Second), Tenant: "other", Command: "apply"},
	}
	per, count, total := CommandBreakdown(cmds, map[string]bool{"a": true, "b": true})
	if per["plan"] != 2 || per["apply"] != 1 || count != 1.5 || total != 3 {
		t.Errorf("got %v count %v total %v", per, count, total)
	}
}

func TestConfigFromEnv(t *testing.T) {
	t.Setenv("BENCH_THROUGHPUT", "50, 200")
	t.Setenv("BENCH_PHASES", "e2e,intake")
	c := ConfigFromEnv()
	if len(c.Throughput) != 2 || c.Throughput[1] != 200 {
		t.Errorf("throughput %v", c.Throughput)
	}
	if !c.Phases["e2e"] || !c.Phases["intake"] || c.Phases["api"] {
		t.Errorf("phases %v", c.Phases)
	}
}

func TestWebhookBodyIsValid(t *testing.T) {
	for _, tier := range tiers {
		id := NewTenantID("t")
		b := WebhookBody("evt-"+id, id, tier)
		ev, err := spec.Parse(b, tiers)
		if err != nil {
			t.Fatalf("%s: %v\n%s", tier, err, b)
		}
		if ev.Tenant.Tier != tier || (tier == "premium-dr") != (ev.Tenant.DR != nil) {
			t.Errorf("%s: parsed %+v", tier, ev.Tenant)
		}
	}
}

func TestAnalyzeTrace(t *testing.T) {
	log := `2026-11-27T05:48:36.236Z [INFO]  provider: configuring client automatic mTLS
2026-11-27T05:48:36.251Z [DEBUG] provider: starting plugin: path=x args=[x]
2026-11-27T05:48:36.356Z [DEBUG] provider: using plugin: version=6
2026-11-27T05:48:36.374Z [TRACE] GRPCProvider.v6: GetProviderSchema
a continuation line without a timestamp
2026-11-27T05:48:36.420Z [DEBUG] provider: starting plugin: path=x args=[x]
2026-11-27T05:48:36.452Z [DEBUG] provider: using plugin: version=6
2026-11-27T05:48:36.470Z [TRACE] GRPCProvider.v6: ValidateResourceConfig
2026-11-27T05:48:36.471Z [TRACE] GRPCProvider.v6: ValidateResourceConfig
2026-11-27T05:48:36.536Z [DEBUG] provider: plugin exited
`
	p := filepath.Join(t.TempDir(), "trace.log")
	if err := os.WriteFile(p, []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := AnalyzeTrace(p)
	if err != nil {
		t.Fatal(err)
	}
	if st.ProviderLaunches != 2 || st.ProviderStartup != 137*time.Millisecond || st.Total != 300*time.Millisecond {
		t.Errorf("got %+v", st)
	}
	if st.RPCs["ValidateResourceConfig"] != 2 || st.RPCs["GetProviderSchema"] != 1 {
		t.Errorf("rpcs %v", st.RPCs)
	}
}
