package server

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/runner"
	"github.com/tenantops/tenantops/trigger/store"
)

// TestResumeLeavesALiveClientsJobs: a run job left running long ago, its
// tenant lock free, is handed back only when the River client that took it
// has lost its liveness lock. A live worker that has not taken the tenant
// lock yet (or has just released it) looks exactly like that otherwise,
// and resuming its job ran the run twice.
func TestResumeLeavesALiveClientsJobs(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, testenv.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := store.Migrate(ctx, st.Pool); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	release, err := runner.HoldLiveness(ctx, st.Pool, "live-client", log)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	jobs := map[string]int64{}
	for _, c := range []string{"live-client", "dead-client"} {
		tenant := "t-" + c
		var run, job int64
		if _, err := st.Pool.Exec(ctx, `INSERT INTO tenants (id, tier) VALUES ($1, 'standard')`, tenant); err != nil {
			t.Fatal(err)
		}
		if err := st.Pool.QueryRow(ctx, `INSERT INTO runs (tenant, kind, state, revision) VALUES ($1, 'onboard', 'APPLYING', 1)
			RETURNING id`, tenant).Scan(&run); err != nil {
			t.Fatal(err)
		}
		if err := st.Pool.QueryRow(ctx, `INSERT INTO river_job (kind, queue, args, state, attempt, max_attempts, attempted_at, attempted_by, priority)
			VALUES ($1, 'runs', jsonb_build_object('run_id', $2::bigint), 'running', 1, 10, now() - interval '1 hour', ARRAY[$3], 1)
			RETURNING id`, runner.Args{}.Kind(), run, c).Scan(&job); err != nil {
			t.Fatal(err)
		}
		jobs[c] = job
	}
	if err := resumeOnce(ctx, st.Pool, time.Second, time.Second, log); err != nil {
		t.Fatal(err)
	}
	state := func(c string) string {
		var s string
		if err := st.Pool.QueryRow(ctx, `SELECT state FROM river_job WHERE id = $1`, jobs[c]).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got := state("live-client"); got != "running" {
		t.Errorf("the live client's job: %s, want it left running", got)
	}
	if got := state("dead-client"); got != "available" {
		t.Errorf("the dead client's job: %s, want it handed back (available)", got)
	}
	// Released (the process stops), its jobs are resumable too.
	release()
	if err := resumeOnce(ctx, st.Pool, time.Second, time.Second, log); err != nil {
		t.Fatal(err)
	}
	if got := state("live-client"); got != "available" {
		t.Errorf("after the client stopped, its job: %s, want available", got)
	}
}
