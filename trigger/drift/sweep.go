package drift

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/tenantops/tenantops/trigger/metrics"
	"github.com/tenantops/tenantops/trigger/runner"
	"github.com/tenantops/tenantops/trigger/store"
)

// Queue is the River queue of the sweep and its checks; RunQueue the one of
// the drift runs the checks start. Both have Config.Concurrency workers.
// The runs have a queue of their own so that a run is fetched as soon as
// its check commits it (River's insert notification), not at the next
// poll after the check frees its worker slot: that wait made a check
// cost a third more than a bare plan of the tenant.
const (
	Queue    = "drift"
	RunQueue = "drift_runs"
)

// SweepArgs is the periodic job that schedules the checks coming due.
type SweepArgs struct{}

// Kind implements river.JobArgs.
func (SweepArgs) Kind() string { return "tenantops_drift_sweep" }

// InsertOpts puts the sweep on the drift queue; a sweep missed is
// replaced by the next one.
func (SweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 1}
}

// CheckArgs is the check of one tenant in its slot (Unix nanoseconds).
// The pair is unique: sweeps that run before the slot schedule it once.
type CheckArgs struct {
	Tenant string `json:"tenant"`
	Slot   int64  `json:"slot"`
}

// Kind implements river.JobArgs.
func (CheckArgs) Kind() string { return "tenantops_drift_check" }

// InsertOpts puts checks on the drift queue, once per tenant and slot.
func (CheckArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// PeriodicJob is the sweep as River's leader inserts it: at start, then
// every sweepEvery(interval). Nil when the sweep is disabled.
func PeriodicJob(cfg Config) *river.PeriodicJob {
	if cfg.Interval <= 0 {
		return nil
	}
	return river.NewPeriodicJob(river.PeriodicInterval(sweepEvery(cfg.Interval)),
		func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil },
		&river.PeriodicJobOpts{ID: "tenantops_drift_sweep", RunOnStart: true})
}

// SweepWorker schedules, for every live tenant, its next check when it
// comes due before the sweep after next.
type SweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	Pool *pgxpool.Pool
	Cfg  Config
	Log  *slog.Logger
}

// Work schedules the checks.
func (w *SweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	if w.Cfg.Interval <= 0 {
		// A sweep queued before the sweep was disabled.
		return nil
	}
	client := river.ClientFromContext[pgx.Tx](ctx)
	tenants, err := store.SweepTenants(ctx, w.Pool)
	if err != nil {
		return err
	}
	now := time.Now()
	horizon := now.Add(2 * sweepEvery(w.Cfg.Interval))
	scheduled := 0
	for _, t := range tenants {
		due := NextCheck(t.ID, w.Cfg.Interval, t.CheckedAt, now)
		if due.After(horizon) {
			continue
		}
		opts := CheckArgs{}.InsertOpts()
		opts.ScheduledAt = due
		res, err := client.Insert(ctx, CheckArgs{Tenant: t.ID, Slot: due.UnixNano()}, &opts)
		if err != nil {
			return err
		}
		if !res.UniqueSkippedAsDuplicate {
			scheduled++
		}
	}
	w.Log.Debug("drift sweep", "tenants", len(tenants), "scheduled", scheduled)
	return nil
}

// CheckWorker starts the drift run of one tenant in its slot.
type CheckWorker struct {
	river.WorkerDefaults[CheckArgs]
	Pool    *pgxpool.Pool
	Cfg     Config
	Log     *slog.Logger
	Metrics *metrics.Metrics
}

// busyRetry is how long a check waits for a busy tenant before looking
// again: a tenth of the interval, between a second and five minutes.
func busyRetry(interval time.Duration) time.Duration {
	return min(max(interval/10, time.Second), 5*time.Minute)
}

// Work starts the check unless the tenant is gone, was checked since the
// slot, or is busy: a tenant with a run in progress is looked at again
// until half the interval has passed, then its check waits for the next
// slot.
func (w *CheckWorker) Work(ctx context.Context, job *river.Job[CheckArgs]) error {
	tenant, slot := job.Args.Tenant, time.Unix(0, job.Args.Slot)
	log := w.Log.With("tenant", tenant)
	t, err := store.GetTenant(ctx, w.Pool, tenant)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if (t.Status != store.TenantActive && t.Status != store.TenantDrifted) || t.LastGoodRevision == nil {
		return nil
	}
	if rec, err := store.GetDriftRecord(ctx, w.Pool, tenant); err == nil && !rec.CheckedAt.Before(slot) {
		return nil
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	id, busy, err := startCheck(ctx, w.Pool, river.ClientFromContext[pgx.Tx](ctx), tenant)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	case busy != 0 && time.Since(slot) < w.Cfg.Interval/2:
		log.Debug("drift check waits: the tenant has a run in progress", "run", busy)
		return river.JobSnooze(busyRetry(w.Cfg.Interval))
	case busy != 0:
		log.Info("drift check skipped: the tenant had a run in progress all along", "run", busy, "slot", slot)
		w.Metrics.DriftSkipped(t.Tier)
		return nil
	}
	log.Info("drift check started", "run", id, "slot", slot)
	return nil
}

// startCheck creates the drift run and its job on the drift queue in one
// transaction, unless the tenant has an unfinished run (busy names it).
// The tenant's row is locked first, as the intake locks it to add a run,
// so two checks (or a check and a webhook) cannot both find it idle.
func startCheck(ctx context.Context, pool *pgxpool.Pool, client *river.Client[pgx.Tx], tenant string) (id, busy int64, err error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck
	if err := store.LockTenant(ctx, tx, tenant); err != nil {
		return 0, 0, err
	}
	if busy, err := store.UnfinishedRun(ctx, tx, tenant); err != nil || busy != 0 {
		return 0, busy, err
	}
	if id, err = store.CreateRun(ctx, tx, tenant, store.KindDrift); err != nil {
		return 0, 0, err
	}
	opts := runner.Args{}.InsertOpts()
	opts.Queue = RunQueue
	if _, err := client.InsertTx(ctx, tx, runner.Args{RunID: id}, &opts); err != nil {
		return 0, 0, err
	}
	return id, 0, tx.Commit(ctx)
}
