package bench

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// Config sizes the benchmark. Every field reads a BENCH_* variable.
type Config struct {
	// Phases to run, comma-separated (BENCH_PHASES): e2e, overhead, drift,
	// realistic, throughput, detach, api, intake; "all" runs every one.
	Phases map[string]bool
	// E2ETenants is the number of tenants per tier at zero latency (BENCH_E2E_N).
	E2ETenants int
	// RealisticTenants per tier under the realistic profile (BENCH_REALISTIC_N).
	RealisticTenants int
	// RealisticConcurrency is how many realistic onboardings are in flight
	// at once (BENCH_REALISTIC_CONCURRENCY); they mostly wait on the
	// simulated backends, so overlapping them costs little CPU.
	RealisticConcurrency int
	// Throughput lists the burst sizes (BENCH_THROUGHPUT, e.g. "50,200").
	Throughput []int
	// BareRuns is how many bare terraform init+apply runs per tier (BENCH_BARE_N).
	BareRuns int
	// DriftRuns is how many drift checks of an unchanged tenant (BENCH_DRIFT_N).
	DriftRuns int
	// APITenants is how many tenants are stored before the API reads (BENCH_API_TENANTS).
	APITenants int
	// APIReads is the number of GET /v1/tenants requests (BENCH_API_READS).
	APIReads int
	// IntakeRate in webhooks per second and IntakeDuration (BENCH_INTAKE_RATE, BENCH_INTAKE_SECONDS).
	IntakeRate     int
	IntakeDuration time.Duration
	// Workers is the trigger's concurrent run limit (BENCH_WORKERS).
	Workers int
	// Detach keeps the trigger's default of running Terraform detached
	// (BENCH_DETACH, default true as in production).
	Detach bool
	// ResultsDir receives the JSON results (BENCH_RESULTS_DIR).
	ResultsDir string
}

// ConfigFromEnv reads the BENCH_* variables over the defaults.
func ConfigFromEnv() Config {
	c := Config{
		E2ETenants:           envInt("BENCH_E2E_N", 10),
		RealisticTenants:     envInt("BENCH_REALISTIC_N", 10),
		RealisticConcurrency: envInt("BENCH_REALISTIC_CONCURRENCY", 4),
		Throughput:           envInts("BENCH_THROUGHPUT", []int{50, 200}),
		BareRuns:             envInt("BENCH_BARE_N", 3),
		DriftRuns:            envInt("BENCH_DRIFT_N", 10),
		APITenants:           envInt("BENCH_API_TENANTS", 1000),
		APIReads:             envInt("BENCH_API_READS", 200),
		IntakeRate:           envInt("BENCH_INTAKE_RATE", 300),
		IntakeDuration:       time.Duration(envInt("BENCH_INTAKE_SECONDS", 60)) * time.Second,
		Workers:              envInt("BENCH_WORKERS", 4),
		Detach:               envBool("BENCH_DETACH", true),
		ResultsDir:           os.Getenv("BENCH_RESULTS_DIR"),
	}
	c.Phases = map[string]bool{}
	phases := os.Getenv("BENCH_PHASES")
	if phases == "" || phases == "all" {
		phases = "e2e,overhead,realistic,throughput,drift,detach,api,intake"
	}
	for _, p := range strings.Split(phases, ",") {
		if p = strings.TrimSpace(p); p != "" {
			c.Phases[p] = true
		}
	}
	return c
}

func envInt(k string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(k)); err == nil && n >= 0 {
		return n
	}
	return def
}

func envBool(k string, def bool) bool {
	if b, err := strconv.ParseBool(os.Getenv(k)); err == nil {
		return b
	}
	return def
}

func envInts(k string, def []int) []int {
	v := os.Getenv(k)
	if v == "" {
		return def
	}
	var out []int
	for _, p := range strings.Split(v, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(p)); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}
