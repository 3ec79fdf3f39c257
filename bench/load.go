package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/tenantops/tenantops/internal/signature"
)

// phaseDrift measures the drift check of an unchanged tenant: POST
// /v1/tenants/{id}/drift until the run is COMPLETED (a plan with no
// changes).
func (s *suite) phaseDrift(ctx context.Context) error {
	ZeroProfile().Apply(s.e.Backends)
	var tenant string
	if l := s.e2e["standard"]; len(l) > 0 {
		tenant = l[0].Tenant
	} else {
		o, err := s.e.Onboard(ctx, NewTenantID("drift"), "standard")
		if err != nil {
			return err
		}
		tenant = o.Tenant
	}
	var total, run []float64
	var drifted int
	for i := 0; i < max(s.cfg.DriftRuns, 1); i++ {
		t0 := time.Now()
		var r struct {
			RunID int64 `json:"run_id"`
		}
		if err := s.api(ctx, http.MethodPost, "/v1/tenants/"+tenant+"/drift", &r); err != nil {
			return err
		}
		state, started, finished, outputs, err := s.waitRun(ctx, r.RunID)
		if err != nil {
			return err
		}
		if state != "COMPLETED" {
			return fmt.Errorf("drift run %d of %s ended %s", r.RunID, tenant, state)
		}
		total = append(total, time.Since(t0).Seconds())
		if started != nil && finished != nil {
			run = append(run, finished.Sub(*started).Seconds())
		}
		var o struct {
			Drift bool `json:"drift"`
		}
		if json.Unmarshal(outputs, &o) == nil && o.Drift {
			drifted++
		}
	}
	s.res.Target("unchanged-tenant drift check p50", Percentile(total, 50), "s", 0.6, true,
		fmt.Sprintf("n=%d, POST→COMPLETED; run alone p50 %.2fs", len(total), Percentile(run, 50)))
	s.res.Add("unchanged-tenant drift check p99", Percentile(total, 99), "s", "")
	if drifted > 0 {
		s.res.Finding("drift: %d of %d checks of an unchanged tenant reported drift (perpetual diff in a resource)", drifted, len(total))
	}
	cmds, err := s.e.ReadTFLog()
	if err == nil {
		var plans []float64
		since := time.Now().Add(-time.Duration(len(total)+1) * time.Duration(Percentile(total, 100)*float64(time.Second)))
		for _, c := range cmds {
			if c.Tenant == tenant && c.Command == "plan" && c.Start.After(since) {
				plans = append(plans, c.End.Sub(c.Start).Seconds())
			}
		}
		if len(plans) > 0 {
			s.res.Add("unchanged-tenant terraform plan alone p50", Percentile(plans, 50), "s", "inside the drift runs (refresh of every resource)")
		}
	}
	return nil
}

// waitRun polls the run until it reaches a resting state.
func (s *suite) waitRun(ctx context.Context, id int64) (state string, started, finished *time.Time, outputs []byte, err error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	for {
		err = s.e.Pool.QueryRow(ctx, `SELECT state, started_at, finished_at, coalesce(outputs::text, 'null') FROM runs WHERE id = $1`, id).
			Scan(&state, &started, &finished, &outputs)
		if err != nil {
			return
		}
		switch state {
		case "COMPLETED", "FAILED", "ROLLED_BACK", "COMPENSATION_FAILED", "SUPERSEDED", "AWAITING_APPROVAL":
			return
		}
		select {
		case <-ctx.Done():
			return state, nil, nil, nil, fmt.Errorf("run %d still %s: %w", id, state, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// api calls the trigger's API with the bearer token and decodes the answer.
func (s *suite) api(ctx context.Context, method, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, s.e.TriggerURL+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+s.e.APIToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, tail(string(b), 300))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// pauseRuns pauses the trigger's run queue, as an operator would with
// River's queue controls, so webhooks are recorded without starting
// Terraform: the API and intake phases measure the service alone.
func (s *suite) pauseRuns(ctx context.Context) error {
	rc, err := river.NewClient(riverpgxv5.New(s.e.Pool), &river.Config{})
	if err != nil {
		return err
	}
	if err := rc.QueuePause(ctx, "runs", nil); err != nil {
		return fmt.Errorf("pause the runs queue: %w", err)
	}
	// Let the producer see the pause before anything new arrives.
	time.Sleep(time.Second)
	return nil
}

// phaseAPI stores APITenants tenants (runs paused) and reads GET /v1/tenants.
func (s *suite) phaseAPI(ctx context.Context) error {
	if err := s.pauseRuns(ctx); err != nil {
		return err
	}
	var have int
	if err := s.e.Pool.QueryRow(ctx, `SELECT count(*) FROM tenants`).Scan(&have); err != nil {
		return err
	}
	need := s.cfg.APITenants - have
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	var (
		wg       sync.WaitGroup
		failures atomic.Int64
		next     atomic.Int64
	)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(need) {
				tenant := NewTenantID("api")
				body := WebhookBody("evt-bench-"+tenant, tenant, "standard")
				if code, err := s.postSigned(ctx, client, body); err != nil || code != http.StatusAccepted {
					failures.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if f := failures.Load(); f > 0 {
		return fmt.Errorf("%d of %d seeding webhooks failed", f, need)
	}
	var lat []float64
	var count int
	for i := 0; i < max(s.cfg.APIReads, 1); i++ {
		var r struct {
			Tenants []json.RawMessage `json:"tenants"`
		}
		t0 := time.Now()
		if err := s.api(ctx, http.MethodGet, "/v1/tenants", &r); err != nil {
			return err
		}
		lat = append(lat, time.Since(t0).Seconds()*1000)
		count = len(r.Tenants)
	}
	s.res.Add("GET /v1/tenants p50", Percentile(lat, 50), "ms", fmt.Sprintf("%d tenants listed", count))
	s.res.Target("GET /v1/tenants p99", Percentile(lat, 99), "ms", 50, true, fmt.Sprintf("n=%d sequential", len(lat)))
	return nil
}

// postSigned signs body with the shared secret and posts it to the webhook.
func (s *suite) postSigned(ctx context.Context, client *http.Client, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.e.TriggerURL+"/v1/webhooks/crm", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(signature.Header, signature.Sign([]byte(s.e.Secret()), body, time.Now()))
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// phaseIntake sends signed webhooks at a fixed rate (open loop: a slow
// answer does not slow the sender) and checks every acknowledged event is
// in the database.
func (s *suite) phaseIntake(ctx context.Context) error {
	if err := s.pauseRuns(ctx); err != nil {
		return err
	}
	rate := max(s.cfg.IntakeRate, 1)
	total := int(float64(rate) * s.cfg.IntakeDuration.Seconds())
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 0}}
	type result struct {
		event string
		code  int
		lat   time.Duration
		err   error
	}
	results := make([]result, total)
	// Bodies are built and signed before the clock starts.
	bodies := make([][]byte, total)
	events := make([]string, total)
	for i := range bodies {
		tenant := NewTenantID("in")
		events[i] = "evt-bench-" + tenant
		bodies[i] = WebhookBody(events[i], tenant, "standard")
	}
	cpu0 := s.cpu(ctx)
	var wg sync.WaitGroup
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	for i := 0; i < total; i++ {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			t0 := time.Now()
			code, err := s.postSigned(ctx, client, bodies[i])
			results[i] = result{event: events[i], code: code, lat: time.Since(t0), err: err}
		}(i)
	}
	sendWall := time.Since(start)
	wg.Wait()
	used := s.cpu(ctx).Sub(cpu0)
	var lat []float64
	var acked []string
	errs := 0
	for _, r := range results {
		if r.err != nil || r.code != http.StatusAccepted {
			errs++
			continue
		}
		lat = append(lat, r.lat.Seconds()*1000)
		acked = append(acked, r.event)
	}
	var stored int
	if err := s.e.Pool.QueryRow(ctx, `SELECT count(*) FROM events e JOIN runs r ON r.id = e.run_id
		JOIN river_job j ON (j.args->>'run_id')::bigint = r.id AND j.kind = 'tenantops_run'
		WHERE e.event_id = ANY($1)`, acked).Scan(&stored); err != nil {
		// Fall back to the events alone if the join does not fit the schema.
		if err2 := s.e.Pool.QueryRow(ctx, `SELECT count(*) FROM events WHERE event_id = ANY($1)`, acked).Scan(&stored); err2 != nil {
			return fmt.Errorf("checking stored events: %v; %w", err, err2)
		}
	}
	achieved := float64(len(results)) / sendWall.Seconds()
	label := fmt.Sprintf("intake %d req/s for %.0fs", rate, s.cfg.IntakeDuration.Seconds())
	s.res.Add(label+": 202 p50", Percentile(lat, 50), "ms", fmt.Sprintf("offered %.0f req/s", achieved))
	if rate >= 300 {
		s.res.Target(label+": 202 p99", Percentile(lat, 99), "ms", 25, true, "")
	} else {
		s.res.Add(label+": 202 p99", Percentile(lat, 99), "ms", "")
	}
	s.res.Target(label+": errors", float64(errs), "", 0, true, fmt.Sprintf("of %d", total))
	s.res.Target(label+": acknowledged but not stored", float64(len(acked)-stored), "", 0, true,
		fmt.Sprintf("%d acknowledged, %d with event+run+job in the database", len(acked), stored))
	if len(results) > 0 {
		n := float64(len(results))
		s.res.Add(label+": CPU per webhook, trigger", 1000*used.Trigger/n, "ms", fmt.Sprintf("PostgreSQL %.2fms, load generator+simulators %.2fms; wall %.1fs on %s CPUs",
			1000*used.Postgres/n, 1000*used.Bench/n, time.Since(start).Seconds(), s.res.Machine["cpus"]))
	}
	// The tenant list is not paginated: read it again with everything the
	// intake stored.
	var lat2 []float64
	var count int
	for i := 0; i < 10; i++ {
		var r struct {
			Tenants []json.RawMessage `json:"tenants"`
		}
		t0 := time.Now()
		if err := s.api(ctx, http.MethodGet, "/v1/tenants", &r); err != nil {
			return err
		}
		lat2 = append(lat2, time.Since(t0).Seconds()*1000)
		count = len(r.Tenants)
	}
	s.res.Add(fmt.Sprintf("GET /v1/tenants p50 with %d tenants", count), Percentile(lat2, 50), "ms", "after the intake phase; n=10")
	return nil
}

// CPU is CPU seconds used by the trigger (with its finished Terraform and
// provider descendants), PostgreSQL, and this process (load generator and
// simulators).
type CPU struct{ Trigger, Postgres, Bench float64 }

// Sub returns c - o.
func (c CPU) Sub(o CPU) CPU {
	return CPU{c.Trigger - o.Trigger, c.Postgres - o.Postgres, c.Bench - o.Bench}
}

func (s *suite) cpu(ctx context.Context) CPU {
	var pgPID int
	_ = s.e.Pool.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pgPID)
	postmaster := 0
	if f := statFields(pgPID); len(f) > 1 {
		postmaster, _ = strconv.Atoi(f[1])
	}
	return CPU{TreeCPU(s.e.trigger.Process.Pid), TreeCPU(postmaster), CPUSeconds(os.Getpid())}
}
