package runner

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/tenantops/tenantops/trigger/store"
)

// DriftResult is what a finished drift check found: whether the plan had
// changes and which (names, never values), or why it could not plan.
type DriftResult struct {
	Drifted bool
	Changes Summary
	Error   string
}

// DriftRecorder keeps what drift checks find (trigger/drift). Record runs
// in the transaction that finishes the check's run, so the record, the
// notification it sends and the remediation it starts are committed with
// the run's final state or not at all; after is called once committed.
type DriftRecorder interface {
	Record(ctx context.Context, tx pgx.Tx, client *river.Client[pgx.Tx], run store.Run, res DriftResult) (after func(), err error)
}

// recordDrift hands a finished drift check to the recorder, if any.
func (r *Runner) recordDrift(ctx context.Context, tx pgx.Tx, client *river.Client[pgx.Tx], run store.Run, state store.RunState,
	errText string, outputs map[string]any) (func(), error) {
	nothing := func() {}
	if r.Drift == nil || run.Kind != store.KindDrift || (state != store.StateCompleted && state != store.StateFailed) {
		return nothing, nil
	}
	res := DriftResult{Error: errText}
	if state == store.StateCompleted {
		res.Drifted, _ = outputs["drift"].(bool)
		res.Changes, _ = outputs["changes"].(Summary)
	} else if res.Error == "" {
		res.Error = "the drift check failed"
	}
	after, err := r.Drift.Record(ctx, tx, client, run, res)
	if err != nil || after == nil {
		return nothing, err
	}
	return after, nil
}
