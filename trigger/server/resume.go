package server

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantops/tenantops/trigger/callback"
	"github.com/tenantops/tenantops/trigger/drift"
	"github.com/tenantops/tenantops/trigger/rollout"
	"github.com/tenantops/tenantops/trigger/runner"
)

// resumeStale hands back to the queue run jobs that a dead process left in
// River's running state: the attempt began more than after ago, the River
// client that took the job no longer holds its liveness lock
// (runner.LivenessClass: its process or session is gone), and no live
// worker holds the tenant's advisory lock (a worker holds it for the whole
// attempt). The resumed worker
// continues from the run's persisted state. Callback jobs a dead process
// left running are handed back too (resumeCallbacks, which covers the drift
// notifications; callbackAttempt is the longest a live attempt runs), and so
// are rollout steps (rollout.ResumeStale).
func resumeStale(ctx context.Context, pool *pgxpool.Pool, after, callbackAttempt time.Duration, log *slog.Logger) {
	tick := time.NewTicker(minDur(after/3, 5*time.Second))
	defer tick.Stop()
	for {
		if err := resumeOnce(ctx, pool, after, callbackAttempt, log); err != nil && ctx.Err() == nil {
			log.Warn("resume check failed", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// resumeCallbacks hands back callback jobs that a dead process left
// running. No live worker runs one longer than attempt (River cancels it),
// so a callback job running past that and after is dead. It may then reach
// the CRM twice, which the at-least-once contract allows.
func resumeCallbacks(ctx context.Context, pool *pgxpool.Pool, after, attempt time.Duration, log *slog.Logger) error {
	tag, err := pool.Exec(ctx, `UPDATE river_job SET state = 'available', scheduled_at = now()
		WHERE kind IN ($1, $2) AND state = 'running' AND attempted_at < now() - make_interval(secs => $3)`,
		callback.Args{}.Kind(), drift.NotifyArgs{}.Kind(), (attempt + after).Seconds())
	if err != nil {
		return err
	}
	if n := tag.RowsAffected(); n > 0 {
		log.Info("resumed callbacks left by a dead worker", "jobs", n)
	}
	return nil
}

func resumeOnce(ctx context.Context, pool *pgxpool.Pool, after, callbackAttempt time.Duration, log *slog.Logger) error {
	if err := resumeCallbacks(ctx, pool, after, callbackAttempt, log); err != nil {
		return err
	}
	if err := rollout.ResumeStale(ctx, pool, after, log); err != nil {
		return err
	}
	rows, err := pool.Query(ctx, `SELECT j.id, r.id, r.tenant, coalesce(j.attempted_by[cardinality(j.attempted_by)], '') FROM river_job j
		JOIN runs r ON r.id = (j.args->>'run_id')::bigint
		WHERE j.kind = $1 AND j.state = 'running' AND j.attempted_at < now() - make_interval(secs => $2)`,
		runner.Args{}.Kind(), after.Seconds())
	if err != nil {
		return err
	}
	type stale struct {
		job, run   int64
		tenant, by string
	}
	var list []stale
	for rows.Next() {
		var s stale
		if err := rows.Scan(&s.job, &s.run, &s.tenant, &s.by); err != nil {
			rows.Close()
			return err
		}
		list = append(list, s)
	}
	rows.Close()
	if len(list) == 0 {
		return rows.Err()
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	for _, s := range list {
		if alive, err := runner.ClientAlive(ctx, conn, s.by); err != nil || alive {
			if err != nil {
				return err
			}
			continue
		}
		unlock, err := runner.TryLockTenant(ctx, conn, s.tenant)
		if errors.Is(err, runner.ErrTenantBusy) {
			continue
		}
		if err != nil {
			return err
		}
		_, err = conn.Exec(ctx, `UPDATE river_job SET state = 'available', scheduled_at = now()
			WHERE id = $1 AND state = 'running'`, s.job)
		_ = unlock()
		if err != nil {
			return err
		}
		log.Warn("resuming a run left by a dead worker", "tenant", s.tenant, "run", s.run, "job", s.job)
	}
	return nil
}
