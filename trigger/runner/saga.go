package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/tenantops/tenantops/trigger/callback"
	"github.com/tenantops/tenantops/trigger/spec"
	"github.com/tenantops/tenantops/trigger/store"
	"github.com/tenantops/tenantops/trigger/workspace"
)

// errStore marks a failure to read or record the run in PostgreSQL: the
// job is retried and the run resumes from its persisted state, instead of
// being failed and compensated for a fault of the trigger's own database.
var errStore = errors.New("trigger database")

// dbErr marks err as a database failure unless it is an answer (a row or
// a template revision that is not there), which retrying cannot change.
func dbErr(err error) error {
	if err == nil || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrTemplateGone) || errors.Is(err, errStore) {
		return err
	}
	return fmt.Errorf("%w: %w", errStore, err)
}

func (r *Runner) work(ctx context.Context, job *river.Job[Args]) error {
	run, err := store.GetRun(ctx, r.Pool, job.Args.RunID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return river.JobCancel(err)
		}
		return err
	}
	if settled(run) {
		return nil
	}
	log := r.Log.With("tenant", run.Tenant, "run", run.ID, "kind", run.Kind)

	conn, err := r.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	unlock, err := TryLockTenant(ctx, conn, run.Tenant)
	if errors.Is(err, ErrTenantBusy) {
		log.Debug("tenant busy, snoozing")
		return river.JobSnooze(r.Cfg.SnoozeDelay)
	}
	if err != nil {
		return err
	}
	defer func() {
		// A failed unlock means the session is gone, and its lock with it.
		if err := unlock(); err != nil {
			log.Warn("releasing the tenant lock", "error", err.Error())
		}
	}()
	// Re-read under the lock: another worker may have moved it on.
	if run, err = store.GetRun(ctx, r.Pool, run.ID); err != nil {
		return err
	}
	if settled(run) {
		return nil
	}
	if older, err := store.OlderActiveRun(ctx, r.Pool, run); err != nil {
		return err
	} else if older != 0 {
		log.Debug("older run of the tenant still active, snoozing", "older_run", older)
		return river.JobSnooze(r.Cfg.SnoozeDelay)
	}
	if run.RolloutID != nil && run.State == store.StatePending {
		if done, err := r.rolloutGate(ctx, log, &run); done || err != nil {
			return err
		}
	}
	if run.Kind == store.KindUpdate && run.State == store.StatePending {
		if newer, err := store.NewerPendingUpdate(ctx, r.Pool, run); err != nil {
			return err
		} else if newer != 0 {
			log.Info("update superseded by a newer revision", "newer_run", newer)
			return r.finish(ctx, run, store.StateSuperseded, fmt.Sprintf("superseded by run %d", newer), nil)
		}
	}
	if _, err := store.BumpAttempts(ctx, r.Pool, run.ID); err != nil {
		return err
	}
	log.Info("run started", "state", run.State, "attempt", job.Attempt)
	switch {
	case run.State == store.StateFailed || run.State == store.StateCompensating:
		return r.compensate(ctx, log, job, run, run.Error)
	case job.Attempt > 1 && job.Attempt >= job.MaxAttempts && (run.Kind == store.KindOnboard || run.Kind == store.KindUpdate) &&
		run.RemediationOf == nil:
		// Every earlier attempt was interrupted (timeouts, crashes): spend
		// the last one on the compensation rather than leave the run open.
		msg := fmt.Sprintf("gave up after %d attempts; last error: %s", job.Attempt-1, run.Error)
		if err := store.SetState(ctx, r.Pool, run.ID, store.StateFailed, msg); err != nil {
			return err
		}
		return r.compensate(ctx, log, job, run, msg)
	default:
		return r.forward(ctx, log, job, run)
	}
}

// settled reports whether a run needs no work now: it is final, or it
// waits for an approval (which enqueues a new job).
func settled(run store.Run) bool {
	return store.Terminal(run.State) || run.State == store.StateAwaitingApproval ||
		(run.State == store.StateFailed && store.FailedIsFinal(run))
}

// forward plans and applies the run's revision with its template revision.
func (r *Runner) forward(ctx context.Context, log *slog.Logger, job *river.Job[Args], run store.Run) error {
	t, err := r.tenantSpec(ctx, run.Tenant, run.Revision)
	if err != nil {
		return err
	}
	// Templates that cannot be read (a tier gone from disk) fail the run
	// as a render error always did; only the database's own failures go
	// back to River below.
	tpl, terr := r.runTemplate(ctx, log, &run, t.Tier)
	lastErr := terr
	var outputs map[string]any
	for attempt := 0; terr == nil; attempt++ {
		outputs, lastErr = r.planApply(ctx, log, run, t, tpl, "apply", run.Kind == store.KindOffboard)
		if lastErr == nil || errors.Is(lastErr, errAwaitingApproval) || ctx.Err() != nil {
			break
		}
		if !errors.Is(lastErr, errTransient) || attempt >= r.Cfg.Retries {
			break
		}
		wait := r.Cfg.RetryBackoff << attempt
		log.Warn("transient failure, retrying", "error", lastErr.Error(), "wait", wait)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
	}
	switch {
	case errors.Is(lastErr, errAwaitingApproval):
		log.Info("plan ready, awaiting approval")
		return nil
	case lastErr == nil:
		return r.finish(ctx, run, store.StateCompleted, "", outputs)
	case ctx.Err() != nil:
		// Shutdown or job timeout: leave the persisted state as is; the
		// job is retried and resumes from it.
		err := fmt.Errorf("run %d interrupted: %w", run.ID, ctx.Err())
		if serr := store.SetError(context.WithoutCancel(ctx), r.Pool, run.ID, err.Error()); serr != nil {
			return errors.Join(err, dbErr(serr))
		}
		return err
	case errors.Is(lastErr, errStore):
		log.Warn("recording the run failed; the job is retried", "error", lastErr.Error())
		return lastErr
	}
	msg := lastErr.Error()
	log.Error("run failed", "error", msg)
	switch run.Kind {
	case store.KindOffboard:
		// Never compensated: retried until River gives up.
		if job.Attempt < job.MaxAttempts {
			if err := store.SetState(ctx, r.Pool, run.ID, store.StateApplying, msg); err != nil {
				return errors.Join(lastErr, dbErr(err))
			}
			return lastErr
		}
		return r.finish(ctx, run, store.StateFailed, msg, nil)
	case store.KindDrift:
		return r.finish(ctx, run, store.StateFailed, msg, nil)
	}
	if run.RemediationOf != nil {
		// Its compensation would re-apply the revision that just failed.
		return r.finish(ctx, run, store.StateFailed, msg, nil)
	}
	if err := store.SetState(ctx, r.Pool, run.ID, store.StateFailed, msg); err != nil {
		return err
	}
	return r.compensate(ctx, log, job, run, msg)
}

var errAwaitingApproval = errors.New("awaiting approval")

// compensate undoes a failed onboarding or update. A compensation that
// still fails transiently after its retries stays COMPENSATING and goes
// back to River while the job has attempts left (a backend outage outlasts
// a few retries); only a permanent failure, or the last attempt, ends in
// COMPENSATION_FAILED for an operator.
func (r *Runner) compensate(ctx context.Context, log *slog.Logger, job *river.Job[Args], run store.Run, cause string) error {
	if err := store.SetState(ctx, r.Pool, run.ID, store.StateCompensating, ""); err != nil {
		return dbErr(err)
	}
	tenant, err := store.GetTenant(ctx, r.Pool, run.Tenant)
	if err != nil {
		return dbErr(err)
	}
	var cerr error
	for attempt := 0; ; attempt++ {
		switch {
		case run.Kind == store.KindUpdate && tenant.LastGoodRevision != nil:
			cerr = r.restoreLastGood(ctx, log, run, tenant)
		default:
			log.Info("compensating: destroying the tenant's workspace")
			var t spec.Tenant
			var tpl workspace.Template
			t, cerr = r.tenantSpec(ctx, run.Tenant, run.Revision)
			if cerr == nil {
				tpl, cerr = r.runTemplate(ctx, log, &run, t.Tier)
			}
			if cerr == nil {
				cerr = r.destroyAll(ctx, run, t, tpl)
			}
		}
		if errors.Is(cerr, errStore) {
			// The run stays COMPENSATING; the job's next attempt resumes.
			return cerr
		}
		if cerr == nil || ctx.Err() != nil || !errors.Is(cerr, errTransient) || attempt >= r.Cfg.Retries {
			break
		}
		select {
		case <-time.After(r.Cfg.RetryBackoff << attempt):
		case <-ctx.Done():
		}
	}
	if cerr != nil && ctx.Err() != nil {
		return fmt.Errorf("compensation of run %d interrupted: %w", run.ID, ctx.Err())
	}
	if cerr != nil && errors.Is(cerr, errTransient) && job.Attempt < job.MaxAttempts {
		// The run keeps its cause as its error; the next attempt resumes
		// the compensation from the COMPENSATING state.
		log.Warn("compensation failed transiently, retrying later", "error", cerr.Error(), "attempt", job.Attempt)
		return cerr
	}
	if cerr != nil {
		msg := cause + "\ncompensation failed: " + cerr.Error()
		log.Error("compensation failed", "error", cerr.Error())
		return r.finish(ctx, run, store.StateCompensationFailed, msg, nil)
	}
	if run.Kind != store.KindUpdate || tenant.LastGoodRevision == nil {
		if err := store.MarkStepsCompensated(ctx, r.Pool, run.ID); err != nil {
			return dbErr(err)
		}
	}
	log.Info("rolled back")
	return r.finish(ctx, run, store.StateRolledBack, cause, nil)
}

// restoreLastGood compensates a failed update: it re-applies the tenant's
// last good spec revision with the template revision that revision was
// applied with, so a change of templates/tenants since then is undone too
// (a resource the new templates added goes, one they removed comes back).
// A tenant whose last good run predates template revisions gets the
// templates on disk. The run records both revisions it re-applies.
func (r *Runner) restoreLastGood(ctx context.Context, log *slog.Logger, run store.Run, tenant store.Tenant) error {
	good := *tenant.LastGoodRevision
	t, err := r.tenantSpec(ctx, run.Tenant, good)
	if err != nil {
		return err
	}
	goodTemplate := ""
	if tenant.LastGoodTemplateRevision != nil {
		goodTemplate = *tenant.LastGoodTemplateRevision
	}
	tpl, err := r.templateFor(ctx, log, goodTemplate, t.Tier)
	if err != nil {
		return err
	}
	rev := tpl.Revision()
	if err := r.pin(ctx, tpl, func(tx pgx.Tx) error { return store.SetCompensation(ctx, tx, run.ID, good, rev) }); err != nil {
		return err
	}
	log.Info("compensating: re-applying the last good revision", "revision", good, "template_revision", rev)
	_, err = r.planApply(ctx, log, run, t, tpl, "compensate", false)
	return err
}

// finish records a final state, the tenant's status and the CRM callback in
// one transaction.
func (r *Runner) finish(ctx context.Context, run store.Run, state store.RunState, errText string, outputs map[string]any) error {
	client := river.ClientFromContext[pgx.Tx](ctx)
	tx, err := r.Pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.Background()) //nolint:errcheck
	if outputs != nil {
		if err := store.SetOutputs(ctx, tx, run.ID, outputs); err != nil {
			return err
		}
	}
	if err := store.SetState(ctx, tx, run.ID, state, errText); err != nil {
		return err
	}
	var status store.TenantStatus
	var goodTemplate string
	good := 0
	switch {
	case state == store.StateCompleted && run.Kind == store.KindOffboard:
		status = store.TenantDeleted
	case state == store.StateCompleted && run.Kind == store.KindDrift:
		d, _ := outputs["drift"].(bool)
		if err := store.SetDriftStatus(ctx, tx, run.Tenant, d); err != nil {
			return err
		}
	case state == store.StateCompleted:
		good, goodTemplate = run.Revision, run.TemplateRevision
		if status, err = store.StatusAfter(ctx, tx, run.Tenant, run.Revision); err != nil {
			return err
		}
	case state == store.StateRolledBack && run.Kind == store.KindOnboard:
		status = store.TenantRolledBack
	case state == store.StateRolledBack:
		// Back on the last good revision, suspended or not.
		t, err := store.GetTenant(ctx, tx, run.Tenant)
		if err != nil {
			return err
		}
		status = store.TenantActive
		if t.LastGoodRevision != nil {
			if status, err = store.StatusAfter(ctx, tx, run.Tenant, *t.LastGoodRevision); err != nil {
				return err
			}
		}
	case state == store.StateCompensationFailed:
		status = store.TenantCompensationFailed
	case state == store.StateFailed && run.Kind != store.KindDrift && run.RemediationOf == nil:
		status = store.TenantFailed
	}
	recorded, err := r.recordDrift(ctx, tx, client, run, state, errText, outputs)
	if err != nil {
		return err
	}
	if status != "" {
		if err := store.SetTenantStatus(ctx, tx, run.Tenant, status, good, goodTemplate); err != nil {
			return err
		}
	}
	if run.EventID != "" && client != nil {
		var out json.RawMessage
		if outputs != nil {
			out, _ = json.Marshal(outputs)
		}
		p := callback.Payload{EventID: run.EventID, Tenant: run.Tenant, RunID: run.ID, Kind: run.Kind,
			Outcome: string(state), Outputs: out, Error: errText}
		if run.Kind == store.KindUpdate {
			h, err := store.HoldOfSuspension(ctx, tx, run.ID)
			if err != nil {
				return err
			}
			if h != nil && h.State == store.HoldHeld {
				p.DestroyAt = &h.DestroyAt
			}
		}
		if err := callback.Enqueue(ctx, tx, client, p); err != nil {
			return err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	started := run.CreatedAt
	if run.StartedAt != nil {
		started = *run.StartedAt
	}
	r.Metrics.Finished(run.Kind, string(state), time.Since(started))
	recorded()
	r.Log.Info("run finished", "tenant", run.Tenant, "run", run.ID, "state", state)
	r.pruneTemplates(ctx)
	return nil
}

// pruneTemplates drops the template revisions no tenant and no unfinished
// run needs any more. A failure costs only space: it is logged and the next
// finished run tries again.
func (r *Runner) pruneTemplates(ctx context.Context) {
	revs, files, err := store.PruneTemplates(ctx, r.Pool)
	switch {
	case err != nil:
		r.Log.Warn("pruning template revisions", "error", err.Error())
	case revs > 0 || files > 0:
		r.Log.Info("pruned template revisions", "revisions", revs, "files", files)
	}
}
