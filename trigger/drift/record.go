package drift

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/tenantops/tenantops/trigger/metrics"
	"github.com/tenantops/tenantops/trigger/runner"
	"github.com/tenantops/tenantops/trigger/store"
)

// Recorder keeps what drift checks find (runner.DriftRecorder), whether
// the sweep or the API started them.
type Recorder struct {
	Cfg     Config
	Log     *slog.Logger
	Metrics *metrics.Metrics
}

var _ runner.DriftRecorder = (*Recorder)(nil)

// Record saves the tenant's drift record, starts the remediation its
// tier asks for, and queues a notification when the finding is news.
func (r *Recorder) Record(ctx context.Context, tx pgx.Tx, client *river.Client[pgx.Tx], run store.Run,
	res runner.DriftResult) (func(), error) {
	prev, cur, err := store.SaveDriftCheck(ctx, tx, run.Tenant, run.ID, res.Drifted, res.Changes, res.Error)
	if err != nil {
		return nil, fmt.Errorf("drift record: %w", err)
	}
	mode := r.Cfg.Remediate.For(cur.Tier)
	var remediation *int64
	if cur.Drifted && res.Error == "" && mode == ModeApply && client != nil {
		id, err := r.remediate(ctx, tx, client, run)
		if err != nil {
			return nil, err
		}
		if id != 0 {
			remediation = &id
		}
	}
	if notifies(prev, cur) && r.Cfg.NotifyURL != "" && client != nil {
		n := Notification{NotificationID: fmt.Sprintf("drift-%d", run.ID), Tenant: run.Tenant, Tier: cur.Tier,
			Status: StatusResolved, CheckedAt: cur.CheckedAt, DriftedSince: cur.DriftedSince, RunID: run.ID,
			Changes: []runner.Change{}, Remediation: mode, RemediationRunID: remediation}
		if cur.Drifted {
			n.Status, n.Changes = StatusDrifted, nonNil(res.Changes.Changes)
		}
		if err := enqueueNotification(ctx, tx, client, n); err != nil {
			return nil, err
		}
	}
	result := "clean"
	switch {
	case res.Error != "":
		result = "failed"
	case cur.Drifted:
		result = "drifted"
	}
	return func() {
		r.Metrics.DriftChecked(cur.Tier, result)
		r.Log.Info("drift check recorded", "tenant", run.Tenant, "run", run.ID, "result", result,
			"changes", len(res.Changes.Changes), "remediation_run", remediation)
	}, nil
}

// remediate starts the run re-applying the tenant's last good revision,
// unless another run of the tenant is already under way (an update
// coming in re-applies the spec anyway; a remediation waiting for its
// approval is not doubled). It returns the new run's id, 0 when none.
func (r *Recorder) remediate(ctx context.Context, tx pgx.Tx, client *river.Client[pgx.Tx], run store.Run) (int64, error) {
	if err := store.LockTenant(ctx, tx, run.Tenant); err != nil {
		return 0, err
	}
	if busy, err := store.UnfinishedRun(ctx, tx, run.Tenant); err != nil || busy != 0 {
		return 0, err
	}
	id, err := store.CreateRemediation(ctx, tx, run.Tenant, run.ID)
	if err != nil {
		return 0, fmt.Errorf("drift remediation: %w", err)
	}
	if _, err := client.InsertTx(ctx, tx, runner.Args{RunID: id}, nil); err != nil {
		return 0, fmt.Errorf("drift remediation job: %w", err)
	}
	return id, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
