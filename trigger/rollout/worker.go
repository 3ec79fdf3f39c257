package rollout

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/tenantops/tenantops/trigger/runner"
	"github.com/tenantops/tenantops/trigger/store"
)

// Args is the River job that drives one rollout. Each attempt is one short
// step taken under the rollout's row lock; the job then snoozes until the
// next step is due, so a rollout never holds a worker while its runs work.
type Args struct {
	RolloutID int64 `json:"rollout_id"`
}

// Kind implements river.JobArgs.
func (Args) Kind() string { return "tenantops_rollout" }

// InsertOpts puts rollouts on their own queue. A step fails only on a
// database error, which a later attempt outlives.
func (Args) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: "rollouts", MaxAttempts: 100}
}

// stepTimeout bounds one step: a few queries and inserts.
const stepTimeout = 30 * time.Second

// Worker is the River worker for Args.
type Worker struct {
	river.WorkerDefaults[Args]
	Pool *pgxpool.Pool
	Log  *slog.Logger
	// Poll is how often a rollout with runs under way looks at them.
	Poll time.Duration
}

// Timeout implements river.Worker.
func (w *Worker) Timeout(*river.Job[Args]) time.Duration { return stepTimeout }

// NextRetry retries a failed step soon: the rollout waits meanwhile.
func (w *Worker) NextRetry(job *river.Job[Args]) time.Time {
	return time.Now().Add(time.Duration(min(job.Attempt, 30)) * time.Second)
}

// Work takes one step of the rollout and snoozes until the next is due.
// Everything a step changes (the rollout, its tenants, the runs it
// creates and their jobs) commits in one transaction: a crash before the
// commit leaves no trace and the step is taken again, so no tenant gets
// two runs and none is left without one.
func (w *Worker) Work(ctx context.Context, job *river.Job[Args]) error {
	tx, err := w.Pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck
	ro, err := store.LockRollout(ctx, tx, job.Args.RolloutID)
	if errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if ro.DriverJob != job.ID {
		// A resume made another job the driver.
		return nil
	}
	next, err := w.step(ctx, tx, river.ClientFromContext[pgx.Tx](ctx), ro)
	if err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	if next > 0 {
		return river.JobSnooze(next)
	}
	return nil
}

// step advances a running rollout: it records its runs' outcomes, halts
// it when the current wave's failures pass the threshold, starts the
// wave's runs when the wave is due, and moves on to the next wave (after
// the pause) or ends the rollout once the wave has settled. It returns
// when to look again, 0 when the job is done (the rollout paused or
// ended).
func (w *Worker) step(ctx context.Context, tx pgx.Tx, client *river.Client[pgx.Tx], ro store.Rollout) (time.Duration, error) {
	if ro.State != store.RolloutRunning {
		return 0, nil
	}
	log := w.Log.With("rollout", ro.ID, "tier", ro.Tier, "wave", ro.CurrentWave)
	if err := store.SyncRolloutTenants(ctx, tx, ro.ID); err != nil {
		return 0, err
	}
	c, err := store.CountWave(ctx, tx, ro.ID, ro.CurrentWave)
	if err != nil {
		return 0, err
	}
	if allowed := ro.Allowed(c.Total); c.Failed > allowed {
		msg := fmt.Sprintf("wave %d: %d of %d tenants failed, more than the %d allowed", ro.CurrentWave, c.Failed, c.Total, allowed)
		log.Warn("rollout halted", "reason", msg)
		return 0, store.SetRolloutState(ctx, tx, ro.ID, store.RolloutHalted, msg)
	}
	if ro.NextWaveAt != nil {
		if wait := time.Until(*ro.NextWaveAt); wait > 0 {
			return wait, nil
		}
	}
	if c.Pending > 0 {
		runs, err := store.StartRolloutRuns(ctx, tx, ro.ID, ro.CurrentWave)
		if err != nil {
			return 0, err
		}
		for _, id := range runs {
			if _, err := client.InsertTx(ctx, tx, runner.Args{RunID: id}, nil); err != nil {
				return 0, err
			}
		}
		log.Info("rollout wave started", "runs", runs)
		return w.Poll, nil
	}
	if c.Running > 0 {
		return w.Poll, nil
	}
	if ro.CurrentWave+1 >= ro.Waves {
		log.Info("rollout completed")
		return 0, store.SetRolloutState(ctx, tx, ro.ID, store.RolloutCompleted, "")
	}
	pause := time.Duration(ro.PauseBetweenWaves)
	log.Info("rollout wave settled", "failed", c.Failed, "next_wave_in", pause.String())
	if err := store.AdvanceRollout(ctx, tx, ro.ID, ro.CurrentWave+1, time.Now().Add(pause)); err != nil {
		return 0, err
	}
	return max(pause, time.Millisecond), nil
}

// ResumeStale hands back to the queue rollout jobs a dead process left in
// River's running state: their attempt began more than after ago and no
// live step holds the rollout's row (a step holds it for its whole
// transaction; a dead process's transaction is gone).
func ResumeStale(ctx context.Context, pool *pgxpool.Pool, after time.Duration, log *slog.Logger) error {
	rows, err := pool.Query(ctx, `SELECT id, (args->>'rollout_id')::bigint FROM river_job
		WHERE kind = $1 AND state = 'running' AND attempted_at < now() - make_interval(secs => $2)`,
		Args{}.Kind(), after.Seconds())
	if err != nil {
		return err
	}
	type stale struct{ job, rollout int64 }
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (stale, error) {
		var s stale
		return s, row.Scan(&s.job, &s.rollout)
	})
	if err != nil {
		return err
	}
	for _, s := range list {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			var id int64
			err := tx.QueryRow(ctx, `SELECT id FROM rollouts WHERE id = $1 FOR UPDATE SKIP LOCKED`, s.rollout).Scan(&id)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `UPDATE river_job SET state = 'available', scheduled_at = now() WHERE id = $1 AND state = 'running'`, s.job)
			if err == nil {
				log.Warn("resuming a rollout step left by a dead worker", "rollout", s.rollout, "job", s.job)
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}
