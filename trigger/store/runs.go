package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// Run is a row of runs.
type Run struct {
	ID       int64    `json:"id"`
	Tenant   string   `json:"tenant"`
	Kind     string   `json:"kind"`
	State    RunState `json:"state"`
	Revision int      `json:"revision"`
	// TemplateRevision is the template revision the run renders (set when
	// it starts, or when it is created for a drift check or offboarding).
	TemplateRevision string `json:"template_revision,omitempty"`
	// CompensationRevision and CompensationTemplateRevision are what the
	// compensation of a failed update re-applied.
	CompensationRevision         *int   `json:"compensation_revision,omitempty"`
	CompensationTemplateRevision string `json:"compensation_template_revision,omitempty"`
	EventID                      string `json:"event_id,omitempty"`
	// RolloutID names the rollout whose run this is.
	RolloutID        *int64          `json:"rollout_id,omitempty"`
	ApprovalRequired bool            `json:"approval_required"`
	ApprovedAt       *time.Time      `json:"approved_at,omitempty"`
	Outputs          json.RawMessage `json:"outputs,omitempty"`
	PlanSummary      json.RawMessage `json:"plan_summary,omitempty"`
	Error            string          `json:"error,omitempty"`
	Attempts         int             `json:"attempts"`
	CreatedAt        time.Time       `json:"created_at"`
	StartedAt        *time.Time      `json:"started_at,omitempty"`
	UpdatedAt        time.Time       `json:"updated_at"`
	FinishedAt       *time.Time      `json:"finished_at,omitempty"`
	// RemediationOf names the drift run whose finding this run undoes (an
	// update started by the drift sweep); ApproveDestructive stops it for
	// an approval when its plan destroys or replaces anything.
	RemediationOf      *int64 `json:"remediation_of,omitempty"`
	ApproveDestructive bool   `json:"approve_destructive,omitempty"`
	Steps              []Step `json:"steps,omitempty"`
}

// Step is a row of run_steps.
type Step struct {
	Phase      string     `json:"phase"`
	Address    string     `json:"address"`
	Action     string     `json:"action"`
	Status     StepStatus `json:"status"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Error      string     `json:"error,omitempty"`
}

// CreateRun adds a run of kind for tenant at its last good revision and
// with that revision's templates (drift checks compare the backends with
// what was last applied cleanly).
func CreateRun(ctx context.Context, db DB, tenant, kind string) (int64, error) {
	var id int64
	err := db.QueryRow(ctx, `INSERT INTO runs (tenant, kind, state, revision, template_revision)
		SELECT id, $2, $3, coalesce(last_good_revision, current_revision), last_good_template_revision
		FROM tenants WHERE id = $1 RETURNING id`, tenant, kind, StatePending).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, ErrNotFound
	}
	return id, err
}

const runCols = `id, tenant, kind, state, revision, coalesce(template_revision, ''), compensation_revision,
	coalesce(compensation_template_revision, ''), coalesce(event_id, ''), rollout_id, approval_required, approved_at, outputs,
	plan_summary, coalesce(error, ''), attempts, created_at, started_at, updated_at, finished_at, remediation_of,
	approve_destructive`

func scanRun(row pgx.Row) (Run, error) {
	var r Run
	err := row.Scan(&r.ID, &r.Tenant, &r.Kind, &r.State, &r.Revision, &r.TemplateRevision, &r.CompensationRevision,
		&r.CompensationTemplateRevision, &r.EventID, &r.RolloutID, &r.ApprovalRequired, &r.ApprovedAt,
		&r.Outputs, &r.PlanSummary, &r.Error, &r.Attempts, &r.CreatedAt, &r.StartedAt, &r.UpdatedAt, &r.FinishedAt,
		&r.RemediationOf, &r.ApproveDestructive)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, ErrNotFound
	}
	return r, err
}

// GetRun loads one run (without steps).
func GetRun(ctx context.Context, db DB, id int64) (Run, error) {
	return scanRun(db.QueryRow(ctx, `SELECT `+runCols+` FROM runs WHERE id = $1`, id))
}

// ListRuns lists runs, newest first, optionally of one tenant.
func ListRuns(ctx context.Context, db DB, tenant string, limit int) ([]Run, error) {
	rows, err := db.Query(ctx, `SELECT `+runCols+` FROM runs WHERE ($1 = '' OR tenant = $1) ORDER BY id DESC LIMIT $2`, tenant, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Steps lists a run's steps in order.
func Steps(ctx context.Context, db DB, runID int64) ([]Step, error) {
	rows, err := db.Query(ctx, `SELECT phase, address, action, status, started_at, finished_at, coalesce(error, '')
		FROM run_steps WHERE run_id = $1 ORDER BY id`, runID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Step
	for rows.Next() {
		var s Step
		if err := rows.Scan(&s.Phase, &s.Address, &s.Action, &s.Status, &s.StartedAt, &s.FinishedAt, &s.Error); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SetState moves a run to state, recording errText (an earlier error is
// kept when errText is empty, and cleared on COMPLETED) and stamping
// started/finished times.
func SetState(ctx context.Context, db DB, id int64, state RunState, errText string) error {
	_, err := db.Exec(ctx, `UPDATE runs SET state = $2,
		error = CASE WHEN $3 <> '' THEN $3 WHEN $2 = 'COMPLETED' THEN NULL ELSE error END,
		updated_at = now(),
		started_at = CASE WHEN started_at IS NULL AND $2 <> 'PENDING' THEN now() ELSE started_at END,
		finished_at = CASE WHEN $2 IN ('COMPLETED', 'ROLLED_BACK', 'COMPENSATION_FAILED', 'SUPERSEDED', 'REJECTED')
			OR ($2 = 'FAILED' AND `+failedIsFinal("")+`) THEN now() ELSE NULL END
		WHERE id = $1`, id, state, errText)
	return err
}

// SetError records an error on a run without changing its state (an
// attempt interrupted by a timeout or shutdown).
func SetError(ctx context.Context, db DB, id int64, errText string) error {
	_, err := db.Exec(ctx, `UPDATE runs SET error = $2, updated_at = now() WHERE id = $1`, id, errText)
	return err
}

// BumpAttempts counts one more worker attempt at a run and returns it.
func BumpAttempts(ctx context.Context, db DB, id int64) (int, error) {
	var n int
	err := db.QueryRow(ctx, `UPDATE runs SET attempts = attempts + 1 WHERE id = $1 RETURNING attempts`, id).Scan(&n)
	return n, err
}

// SetOutputs stores the outputs (already redacted) of a run.
func SetOutputs(ctx context.Context, db DB, id int64, outputs any) error {
	b, err := json.Marshal(outputs)
	if err != nil {
		return err
	}
	_, err = db.Exec(ctx, `UPDATE runs SET outputs = $2, updated_at = now() WHERE id = $1`, id, b)
	return err
}

// SetPlanSummary stores the plan's change summary.
func SetPlanSummary(ctx context.Context, db DB, id int64, summary any) error {
	b, err := json.Marshal(summary)
	if err != nil {
		return err
	}
	_, err = db.Exec(ctx, `UPDATE runs SET plan_summary = $2, updated_at = now() WHERE id = $1`, id, b)
	return err
}

// ErrNotAwaitingApproval is returned by Approve for a run that exists but
// does not wait for an approval.
var ErrNotAwaitingApproval = errors.New("run is not awaiting approval")

// Approve records the approval of a run waiting for it. It returns
// ErrNotFound when the run does not exist and ErrNotAwaitingApproval when
// it is in another state.
func Approve(ctx context.Context, db DB, id int64) (Run, error) {
	r, err := scanRun(db.QueryRow(ctx, `UPDATE runs SET approved_at = now(), state = $2, updated_at = now()
		WHERE id = $1 AND state = $3 RETURNING `+runCols, id, StateApplying, StateAwaitingApproval))
	if errors.Is(err, ErrNotFound) {
		if _, gerr := GetRun(ctx, db, id); gerr == nil {
			return r, ErrNotAwaitingApproval
		} else if !errors.Is(gerr, ErrNotFound) {
			return r, gerr
		}
	}
	return r, err
}

// UpsertStep records a step event of a run.
func UpsertStep(ctx context.Context, db DB, runID int64, phase, address, action string, status StepStatus, errText string) error {
	_, err := db.Exec(ctx, `INSERT INTO run_steps (run_id, phase, address, action, status, error, finished_at)
		VALUES ($1, $2, $3, $4, $5, nullif($6, ''), CASE WHEN $5 = 'started' THEN NULL ELSE now() END)
		ON CONFLICT (run_id, phase, address) DO UPDATE SET
			action = CASE WHEN excluded.action = '' THEN run_steps.action ELSE excluded.action END,
			status = excluded.status,
			error = coalesce(excluded.error, run_steps.error),
			started_at = CASE WHEN excluded.status = 'started' THEN now() ELSE run_steps.started_at END,
			finished_at = excluded.finished_at`, runID, phase, address, action, status, errText)
	return err
}

// StepError attaches an error message to a step without changing its status.
func StepError(ctx context.Context, db DB, runID int64, phase, address, errText string) error {
	_, err := db.Exec(ctx, `UPDATE run_steps SET error = $4 WHERE run_id = $1 AND phase = $2 AND address = $3`,
		runID, phase, address, errText)
	return err
}

// MarkStepsCompensated marks the completed apply steps of a run as undone.
func MarkStepsCompensated(ctx context.Context, db DB, runID int64) error {
	_, err := db.Exec(ctx, `UPDATE run_steps SET status = 'compensated' WHERE run_id = $1 AND phase = 'apply'
		AND status IN ('completed', 'started')`, runID)
	return err
}

// OlderActiveRun returns the id of an older run of the same tenant that has
// not finished yet (0 if none): runs of one tenant go in order.
func OlderActiveRun(ctx context.Context, db DB, r Run) (int64, error) {
	var id int64
	err := db.QueryRow(ctx, `SELECT id FROM runs WHERE tenant = $1 AND id < $2 AND `+unfinished("")+`
		ORDER BY id LIMIT 1`, r.Tenant, r.ID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// NewerPendingUpdate returns the newest queued update of the tenant after r
// (0 if none), so r can be coalesced into it. A rollout's run neither
// replaces a CRM update (it carries no new spec) nor is replaced by one
// (it carries a new template revision): both apply, in order.
func NewerPendingUpdate(ctx context.Context, db DB, r Run) (int64, error) {
	var id int64
	if r.RolloutID != nil {
		return 0, nil
	}
	err := db.QueryRow(ctx, `SELECT id FROM runs WHERE tenant = $1 AND id > $2 AND kind IN ('update', 'offboard')
		AND state = 'PENDING' AND rollout_id IS NULL ORDER BY id DESC LIMIT 1`, r.Tenant, r.ID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return id, err
}
