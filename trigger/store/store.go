// Package store keeps the trigger's records in PostgreSQL through pgx:
// webhook events, tenant spec revisions, tenants, runs with their steps and
// the callback outbox. All SQL of the trigger lives here; migrations are
// numbered files embedded from migrations/ and applied by Migrate through
// tern, which also applies River's own migrations.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Run kinds.
const (
	KindOnboard  = "onboard"
	KindUpdate   = "update"
	KindOffboard = "offboard"
	KindDrift    = "drift"
)

// Sentinel errors.
var (
	ErrNotFound = errors.New("not found")
)

// DB is what both a pool and a transaction offer.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Store wraps the pool.
type Store struct {
	Pool *pgxpool.Pool
}

// Open connects to url.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database url: %w", err)
	}
	if cfg.MaxConns < 10 {
		cfg.MaxConns = 10
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &Store{Pool: pool}, nil
}

// Close closes the pool.
func (s *Store) Close() { s.Pool.Close() }

// Tenant is a row of tenants.
type Tenant struct {
	ID               string `json:"id"`
	Tier             string `json:"tier"`
	CurrentRevision  int    `json:"current_revision"`
	LastGoodRevision *int   `json:"last_good_revision"`
	// LastGoodTemplateRevision is the template revision the last good
	// revision was applied with (nil for a run from before revisions were
	// recorded: the templates on disk are used then).
	LastGoodTemplateRevision *string      `json:"last_good_template_revision"`
	Status                   TenantStatus `json:"status"`
	// LastEventAt and LastEventID name the newest event accepted for the
	// tenant; an older one is stale.
	LastEventAt *time.Time `json:"last_event_at,omitempty"`
	LastEventID string     `json:"last_event_id,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

const tenantCols = `id, tier, current_revision, last_good_revision, last_good_template_revision, status,
	last_event_at, coalesce(last_event_id, ''), created_at, updated_at`

func scanTenant(row pgx.Row) (Tenant, error) {
	var t Tenant
	err := row.Scan(&t.ID, &t.Tier, &t.CurrentRevision, &t.LastGoodRevision, &t.LastGoodTemplateRevision, &t.Status,
		&t.LastEventAt, &t.LastEventID, &t.CreatedAt, &t.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, ErrNotFound
	}
	return t, err
}

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
	CompensationRevision         *int            `json:"compensation_revision,omitempty"`
	CompensationTemplateRevision string          `json:"compensation_template_revision,omitempty"`
	EventID                      string          `json:"event_id,omitempty"`
	ApprovalRequired             bool            `json:"approval_required"`
	ApprovedAt                   *time.Time      `json:"approved_at,omitempty"`
	Outputs                      json.RawMessage `json:"outputs,omitempty"`
	PlanSummary                  json.RawMessage `json:"plan_summary,omitempty"`
	Error                        string          `json:"error,omitempty"`
	Attempts                     int             `json:"attempts"`
	CreatedAt                    time.Time       `json:"created_at"`
	StartedAt                    *time.Time      `json:"started_at,omitempty"`
	UpdatedAt                    time.Time       `json:"updated_at"`
	FinishedAt                   *time.Time      `json:"finished_at,omitempty"`
	Steps                        []Step          `json:"steps,omitempty"`
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

// Event is what intake records for one webhook delivery.
type Event struct {
	EventID, EventType, Tenant, Tier string
	// BodySHA256 is the hash of the raw body; ContentSHA256 the hash of the
	// parsed event, which decides whether a redelivery is the same event
	// (blanks and key order do not matter).
	BodySHA256, ContentSHA256 string
	OccurredAt                time.Time
	Spec                      json.RawMessage
}

// RecordEventResult says what RecordEvent did.
type RecordEventResult struct {
	RunID     int64
	Duplicate bool
	// Stale: the event is older than NewerEventID, the newest event
	// accepted for the tenant; it was recorded and starts nothing.
	Stale        bool
	NewerEventID string
	Revision     int
	Kind         string
}

// ErrNoTenant is returned for an update or delete of a tenant never onboarded.
var ErrNoTenant = errors.New("tenant does not exist")

// EventConflictError is returned when an event id arrives again with other
// content: an id names one event, so the second is refused.
type EventConflictError struct {
	EventID    string
	ReceivedAt time.Time
	OccurredAt *time.Time
}

func (e *EventConflictError) Error() string {
	msg := fmt.Sprintf("event id %s was first received at %s", e.EventID, e.ReceivedAt.UTC().Format(time.RFC3339Nano))
	if e.OccurredAt != nil {
		msg += fmt.Sprintf(" (occurred_at %s)", e.OccurredAt.UTC().Format(time.RFC3339Nano))
	}
	return msg + " with a different body; a new event needs a new id"
}

// RecordEvent stores the event and, unless it is stale, the spec revision,
// the tenant row and a new PENDING run, in tx. A repeated event id with the
// same content returns the first outcome (Duplicate); with other content it
// is an *EventConflictError and the caller must roll tx back.
//
// Per tenant, events are ordered by occurred_at, then by event id (byte
// order) when two occurred at the same microsecond: an event ordered before
// the newest accepted one is stale. A deletion adds no spec revision: its
// run offboards the last good one (or the latest, when none completed).
func RecordEvent(ctx context.Context, tx pgx.Tx, ev Event, approval bool) (RecordEventResult, error) {
	var res RecordEventResult
	occurred := nullTime(ev.OccurredAt)
	tag, err := tx.Exec(ctx, `INSERT INTO events (event_id, event_type, tenant, body_sha256, content_sha256, occurred_at)
		VALUES ($1, $2, $3, $4, nullif($5, ''), $6)
		ON CONFLICT (event_id) DO NOTHING`, ev.EventID, ev.EventType, ev.Tenant, ev.BodySHA256, ev.ContentSHA256, occurred)
	if err != nil {
		return res, err
	}
	if tag.RowsAffected() == 0 {
		return duplicateEvent(ctx, tx, ev)
	}
	var kind string
	switch ev.EventType {
	case "customer.created":
		kind = KindOnboard
	case "customer.updated":
		kind = KindUpdate
	case "customer.deleted":
		kind = KindOffboard
	default:
		return res, fmt.Errorf("unknown event type %q", ev.EventType)
	}
	exists := true
	if kind == KindOnboard {
		// Two first events of one tenant at once: the second waits here
		// for the first's row and then orders itself after it.
		tag, err := tx.Exec(ctx, `INSERT INTO tenants (id, tier) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, ev.Tenant, ev.Tier)
		if err != nil {
			return res, err
		}
		exists = tag.RowsAffected() == 0
	}
	var status TenantStatus
	var lastID string
	var lastAt *time.Time
	err = tx.QueryRow(ctx, `SELECT status, last_event_at, coalesce(last_event_id, '') FROM tenants WHERE id = $1 FOR UPDATE`,
		ev.Tenant).Scan(&status, &lastAt, &lastID)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return res, ErrNoTenant
	case err != nil:
		return res, err
	}
	if exists && Older(ev.OccurredAt, ev.EventID, lastAt, lastID) {
		if _, err := tx.Exec(ctx, `UPDATE events SET stale_of = $2 WHERE event_id = $1`, ev.EventID, lastID); err != nil {
			return res, err
		}
		res.Stale, res.NewerEventID = true, lastID
		return res, nil
	}
	if _, err := tx.Exec(ctx, `UPDATE tenants SET last_event_at = $2, last_event_id = $3 WHERE id = $1`,
		ev.Tenant, occurred, ev.EventID); err != nil {
		return res, err
	}
	gone := exists && (status == TenantDeleted || status == TenantRolledBack)
	switch {
	case status == TenantDeleted && kind == KindUpdate:
		return res, ErrNoTenant
	case !exists:
	case gone && kind != KindOffboard:
		// Nothing of the tenant exists any more: build it from scratch, so
		// that a failure is compensated by destroy, never by re-applying
		// a revision from before the deletion.
		kind = KindOnboard
	case kind == KindOnboard:
		// A created event for a live tenant re-applies its spec.
		kind = KindUpdate
	}
	if kind == KindOffboard {
		// The deletion carries no spec: its run offboards what the
		// tenant's last good revision built, with that revision's
		// templates, and the stored spec and tier stay as they are.
		if err := tx.QueryRow(ctx, `INSERT INTO runs (tenant, kind, state, revision, template_revision, event_id, approval_required)
			SELECT id, $2, $3, coalesce(last_good_revision, current_revision), last_good_template_revision, $4, $5
			FROM tenants WHERE id = $1 RETURNING id, revision`, ev.Tenant, kind, StatePending, ev.EventID, approval).Scan(&res.RunID, &res.Revision); err != nil {
			return res, err
		}
	} else {
		if err := tx.QueryRow(ctx, `UPDATE tenants SET current_revision = current_revision + 1, tier = $2, updated_at = now()
			WHERE id = $1 RETURNING current_revision`, ev.Tenant, ev.Tier).Scan(&res.Revision); err != nil {
			return res, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO tenant_specs (tenant, revision, event_id, spec) VALUES ($1, $2, $3, $4)`,
			ev.Tenant, res.Revision, ev.EventID, ev.Spec); err != nil {
			return res, err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO runs (tenant, kind, state, revision, event_id, approval_required)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, ev.Tenant, kind, StatePending, res.Revision, ev.EventID, approval).Scan(&res.RunID); err != nil {
			return res, err
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE events SET run_id = $2 WHERE event_id = $1`, ev.EventID, res.RunID); err != nil {
		return res, err
	}
	res.Kind = kind
	return res, nil
}

// duplicateEvent answers a repeated event id: the first delivery's outcome
// when the content is the same, an *EventConflictError otherwise. Rows
// from before content hashes were kept compare the raw body's hash.
func duplicateEvent(ctx context.Context, tx pgx.Tx, ev Event) (RecordEventResult, error) {
	// The insert above waited for the first delivery's transaction.
	var res RecordEventResult
	var runID *int64
	var bodySum, contentSum, staleOf string
	var received time.Time
	var occurred *time.Time
	if err := tx.QueryRow(ctx, `SELECT run_id, body_sha256, coalesce(content_sha256, ''), coalesce(stale_of, ''),
		received_at, occurred_at FROM events WHERE event_id = $1`, ev.EventID).
		Scan(&runID, &bodySum, &contentSum, &staleOf, &received, &occurred); err != nil {
		return res, err
	}
	same := bodySum == ev.BodySHA256
	if contentSum != "" && ev.ContentSHA256 != "" {
		same = contentSum == ev.ContentSHA256
	}
	if !same {
		return res, &EventConflictError{EventID: ev.EventID, ReceivedAt: received, OccurredAt: occurred}
	}
	res.Duplicate = true
	if runID != nil {
		res.RunID = *runID
	}
	res.Stale, res.NewerEventID = staleOf != "", staleOf
	return res, nil
}

// Older reports whether an event (occurredAt, eventID) is ordered before
// the newest accepted one (lastAt, lastID; nil when none was recorded):
// earlier occurred_at first, compared at PostgreSQL's microsecond
// precision; at the same microsecond, the smaller event id in byte order.
// The outcome is the same whichever of two events arrives first.
func Older(occurredAt time.Time, eventID string, lastAt *time.Time, lastID string) bool {
	if lastAt == nil || occurredAt.IsZero() {
		return false
	}
	a, b := occurredAt.Truncate(time.Microsecond), lastAt.Truncate(time.Microsecond)
	if !a.Equal(b) {
		return a.Before(b)
	}
	return eventID < lastID
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
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
	coalesce(compensation_template_revision, ''), coalesce(event_id, ''), approval_required, approved_at, outputs,
	plan_summary, coalesce(error, ''), attempts, created_at, started_at, updated_at, finished_at`

func scanRun(row pgx.Row) (Run, error) {
	var r Run
	err := row.Scan(&r.ID, &r.Tenant, &r.Kind, &r.State, &r.Revision, &r.TemplateRevision, &r.CompensationRevision,
		&r.CompensationTemplateRevision, &r.EventID, &r.ApprovalRequired, &r.ApprovedAt,
		&r.Outputs, &r.PlanSummary, &r.Error, &r.Attempts, &r.CreatedAt, &r.StartedAt, &r.UpdatedAt, &r.FinishedAt)
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
		finished_at = CASE WHEN $2 IN ('COMPLETED', 'ROLLED_BACK', 'COMPENSATION_FAILED', 'SUPERSEDED') OR ($2 = 'FAILED' AND kind = 'offboard')
			THEN now() ELSE NULL END
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

// Spec returns the spec JSON of a tenant revision.
func Spec(ctx context.Context, db DB, tenant string, revision int) (json.RawMessage, error) {
	var b json.RawMessage
	err := db.QueryRow(ctx, `SELECT spec FROM tenant_specs WHERE tenant = $1 AND revision = $2`, tenant, revision).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	return b, err
}

// GetTenant loads a tenant.
func GetTenant(ctx context.Context, db DB, id string) (Tenant, error) {
	return scanTenant(db.QueryRow(ctx, `SELECT `+tenantCols+` FROM tenants WHERE id = $1`, id))
}

// ListTenants lists every tenant by id.
func ListTenants(ctx context.Context, db DB) ([]Tenant, error) {
	return ListTenantsPage(ctx, db, "", 0)
}

// ListTenantsPage lists up to limit tenants (0: all) whose ids sort after
// after, by id: a keyset page, as cheap at the end of the list as at its
// start.
func ListTenantsPage(ctx context.Context, db DB, after string, limit int) ([]Tenant, error) {
	rows, err := db.Query(ctx, `SELECT `+tenantCols+` FROM tenants WHERE id > $1 ORDER BY id LIMIT nullif($2, 0)`, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Tenant
	for rows.Next() {
		t, err := scanTenant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// SetTenantStatus sets a tenant's status; goodRevision > 0 also records the
// last revision that applied cleanly, with the template revision it was
// applied with (goodTemplate, "" when none was recorded).
func SetTenantStatus(ctx context.Context, db DB, id string, status TenantStatus, goodRevision int, goodTemplate string) error {
	_, err := db.Exec(ctx, `UPDATE tenants SET status = $2, updated_at = now(),
		last_good_revision = CASE WHEN $2 IN ('DELETED', 'ROLLED_BACK') THEN NULL
			WHEN $3 > 0 THEN $3 ELSE last_good_revision END,
		last_good_template_revision = CASE WHEN $2 IN ('DELETED', 'ROLLED_BACK') THEN NULL
			WHEN $3 > 0 THEN nullif($4, '') ELSE last_good_template_revision END
		WHERE id = $1`, id, status, goodRevision, goodTemplate)
	return err
}

// SetDriftStatus records a drift check's verdict on a tenant that is live
// and healthy (other statuses need an operator and are kept).
func SetDriftStatus(ctx context.Context, db DB, id string, drifted bool) error {
	status := TenantActive
	if drifted {
		status = TenantDrifted
	}
	_, err := db.Exec(ctx, `UPDATE tenants SET status = $2, updated_at = now() WHERE id = $1 AND status IN ('ACTIVE', 'DRIFTED')`,
		id, status)
	return err
}

// OlderActiveRun returns the id of an older run of the same tenant that has
// not finished yet (0 if none): runs of one tenant go in order.
func OlderActiveRun(ctx context.Context, db DB, r Run) (int64, error) {
	var id int64
	err := db.QueryRow(ctx, `SELECT id FROM runs WHERE tenant = $1 AND id < $2
		AND state NOT IN ('COMPLETED', 'ROLLED_BACK', 'COMPENSATION_FAILED', 'SUPERSEDED')
		AND NOT (state = 'FAILED' AND kind = 'offboard')
		ORDER BY id LIMIT 1`, r.Tenant, r.ID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// NewerPendingUpdate returns the newest queued update of the tenant after r
// (0 if none), so r can be coalesced into it.
func NewerPendingUpdate(ctx context.Context, db DB, r Run) (int64, error) {
	var id int64
	err := db.QueryRow(ctx, `SELECT id FROM runs WHERE tenant = $1 AND id > $2 AND kind IN ('update', 'offboard')
		AND state = 'PENDING' ORDER BY id DESC LIMIT 1`, r.Tenant, r.ID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// Callback is an outbox row.
type Callback struct {
	ID       int64
	RunID    int64
	EventID  string
	Payload  json.RawMessage
	Attempts int
}

// EnqueueCallback adds a payload to the outbox and returns its id.
func EnqueueCallback(ctx context.Context, db DB, runID int64, eventID string, payload any) (int64, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return 0, err
	}
	var id int64
	err = db.QueryRow(ctx, `INSERT INTO callbacks (run_id, event_id, payload) VALUES ($1, $2, $3) RETURNING id`,
		runID, eventID, b).Scan(&id)
	return id, err
}

// GetCallback loads an outbox row; delivered reports whether it went out.
func GetCallback(ctx context.Context, db DB, id int64) (Callback, bool, error) {
	var c Callback
	var delivered *time.Time
	err := db.QueryRow(ctx, `SELECT id, run_id, event_id, payload, attempts, delivered_at FROM callbacks WHERE id = $1`, id).
		Scan(&c.ID, &c.RunID, &c.EventID, &c.Payload, &c.Attempts, &delivered)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, false, ErrNotFound
	}
	return c, delivered != nil, err
}

// CallbackAttempt records one delivery attempt.
func CallbackAttempt(ctx context.Context, db DB, id int64, delivered bool, errText string) error {
	_, err := db.Exec(ctx, `UPDATE callbacks SET attempts = attempts + 1, last_error = nullif($3, ''),
		delivered_at = CASE WHEN $2 THEN now() ELSE NULL END WHERE id = $1`, id, delivered, errText)
	return err
}

// Gauges are the numbers /metrics reports from the database.
type Gauges struct {
	RunsByState     map[RunState]int
	QueueDepth      int
	CallbackBacklog int
}

// ReadGauges counts runs by state, available River jobs and undelivered callbacks.
func ReadGauges(ctx context.Context, db DB) (Gauges, error) {
	g := Gauges{RunsByState: map[RunState]int{}}
	rows, err := db.Query(ctx, `SELECT state, count(*) FROM runs GROUP BY state`)
	if err != nil {
		return g, err
	}
	for rows.Next() {
		var s RunState
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			rows.Close()
			return g, err
		}
		g.RunsByState[s] = n
	}
	rows.Close()
	if err := db.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE state IN ('available', 'scheduled', 'retryable', 'running')`).Scan(&g.QueueDepth); err != nil {
		return g, err
	}
	err = db.QueryRow(ctx, `SELECT count(*) FROM callbacks WHERE delivered_at IS NULL`).Scan(&g.CallbackBacklog)
	return g, err
}
