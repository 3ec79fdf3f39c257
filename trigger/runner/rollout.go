package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/tenantops/tenantops/trigger/store"
)

// rolloutGate runs under the tenant's lock before a rollout's run starts
// (it is still PENDING). While the rollout is paused the run waits; once
// it halted or was aborted the run ends without applying anything
// (CANCELLED in the rollout); a tenant that is no longer live in the
// rollout's tier is SKIPPED. Otherwise the run is pointed at the tenant's
// last good spec revision, as it stands now that every older run of the
// tenant has finished, so a CRM update applied meanwhile is kept. done
// reports that the job has nothing more to do now (err says why, when
// it is a snooze).
func (r *Runner) rolloutGate(ctx context.Context, log *slog.Logger, run *store.Run) (done bool, err error) {
	g, err := store.GetRolloutGate(ctx, r.Pool, run.ID)
	if err != nil {
		return true, dbErr(err)
	}
	switch {
	case g.State == store.RolloutPaused:
		log.Debug("rollout paused, run waiting", "rollout", g.RolloutID)
		return true, river.JobSnooze(r.Cfg.SnoozeDelay)
	case g.State == store.RolloutHalted || g.State == store.RolloutAborted:
		why := fmt.Sprintf("rollout %d %s before the run started", g.RolloutID, g.State)
		return true, r.settleRolloutRun(ctx, *run, store.RolloutTenantCancelled, why)
	case g.TenantTier != g.Tier || g.LastGoodRevision == nil ||
		(g.TenantStatus != store.TenantActive && g.TenantStatus != store.TenantDrifted):
		why := fmt.Sprintf("tenant is %s in tier %s, not live in the rollout's tier %s: skipped", g.TenantStatus, g.TenantTier, g.Tier)
		return true, r.settleRolloutRun(ctx, *run, store.RolloutTenantSkipped, why)
	}
	if *g.LastGoodRevision != run.Revision {
		if err := store.SetRunRevision(ctx, r.Pool, run.ID, *g.LastGoodRevision); err != nil {
			return true, dbErr(err)
		}
		run.Revision = *g.LastGoodRevision
	}
	log.Info("rollout run starting", "rollout", g.RolloutID, "revision", run.Revision, "template_revision", run.TemplateRevision)
	return false, nil
}

// settleRolloutRun ends a rollout's run that never started.
func (r *Runner) settleRolloutRun(ctx context.Context, run store.Run, status store.RolloutTenantStatus, why string) error {
	tx, err := r.Pool.Begin(ctx)
	if err != nil {
		return dbErr(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck
	if err := store.SettleRolloutRun(ctx, tx, run, status, why); err != nil {
		return dbErr(err)
	}
	if err := tx.Commit(ctx); err != nil {
		return dbErr(err)
	}
	r.Metrics.Finished(run.Kind, string(store.StateSuperseded), time.Since(run.CreatedAt))
	r.Log.Info("rollout run not started", "tenant", run.Tenant, "run", run.ID, "status", status, "reason", why)
	return nil
}

// startingTemplate names the template revision a run without one starts
// with, so that a template change reaches existing tenants only through a
// rollout: an update renders the tenant's last good template revision
// (when it is of the spec's tier); an onboarding, or an update moving the
// tenant to another tier, renders the tier's released revision (the
// target of its newest rollout that is running, paused or completed).
// "" means the tier's files on disk: a tier no rollout released yet, or a
// tenant whose last good run predates template revisions and whose tier
// has no released revision.
func (r *Runner) startingTemplate(ctx context.Context, run store.Run, tier string) (string, error) {
	if run.Kind == store.KindUpdate {
		t, err := store.GetTenant(ctx, r.Pool, run.Tenant)
		if err != nil {
			return "", dbErr(err)
		}
		if t.LastGoodTemplateRevision != nil {
			good, err := store.GetTemplateRevision(ctx, r.Pool, *t.LastGoodTemplateRevision)
			if err != nil && !errors.Is(err, store.ErrTemplateGone) {
				return "", dbErr(err)
			}
			if err == nil && good.Tier == tier {
				return good.Revision, nil
			}
		}
	}
	rev, err := store.ReleasedTemplate(ctx, r.Pool, tier)
	return rev, dbErr(err)
}
