package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// RolloutState is where a rollout stands (the rollouts.state column).
type RolloutState string

// Rollout states. RUNNING and PAUSED are active (one per tier at a time);
// the other three are final.
const (
	RolloutRunning   RolloutState = "RUNNING"
	RolloutPaused    RolloutState = "PAUSED"
	RolloutHalted    RolloutState = "HALTED"
	RolloutAborted   RolloutState = "ABORTED"
	RolloutCompleted RolloutState = "COMPLETED"
)

// RolloutTenantStatus is where one tenant of a rollout stands.
type RolloutTenantStatus string

// Rollout tenant statuses.
const (
	// RolloutTenantPending: its wave has not started, no run yet.
	RolloutTenantPending RolloutTenantStatus = "PENDING"
	// RolloutTenantRunning: its run exists and has not finished.
	RolloutTenantRunning   RolloutTenantStatus = "RUNNING"
	RolloutTenantCompleted RolloutTenantStatus = "COMPLETED"
	// RolloutTenantFailed: its run failed and was compensated (or its
	// compensation failed too).
	RolloutTenantFailed RolloutTenantStatus = "FAILED"
	// RolloutTenantCancelled: the rollout halted or was aborted before
	// its run started; nothing was applied.
	RolloutTenantCancelled RolloutTenantStatus = "CANCELLED"
	// RolloutTenantSkipped: when its run was to start the tenant was no
	// longer live in the rollout's tier (offboarded, rolled back, moved).
	RolloutTenantSkipped RolloutTenantStatus = "SKIPPED"
)

// Rollout is a row of rollouts.
type Rollout struct {
	ID               int64        `json:"id"`
	Tier             string       `json:"tier"`
	TemplateRevision string       `json:"template_revision"`
	State            RolloutState `json:"state"`
	Canary           int          `json:"canary"`
	// GrowthFactor (waves grow by it) or WaveSizes (after the canary, the
	// last size repeating) shape the waves.
	GrowthFactor int   `json:"growth_factor,omitempty"`
	WaveSizes    []int `json:"wave_sizes,omitempty"`
	// MaxFailures a wave may have; a percent of its tenants when
	// MaxFailuresPercent.
	MaxFailures        int        `json:"max_failures"`
	MaxFailuresPercent bool       `json:"max_failures_percent"`
	PauseBetweenWaves  Duration   `json:"pause_between_waves"`
	Waves              int        `json:"waves"`
	CurrentWave        int        `json:"current_wave"`
	NextWaveAt         *time.Time `json:"next_wave_at,omitempty"`
	DriverJob          int64      `json:"-"`
	Error              string     `json:"error,omitempty"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
	FinishedAt         *time.Time `json:"finished_at,omitempty"`
}

// Duration is a time.Duration shown as Go writes it ("30s").
type Duration time.Duration

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = Duration(v)
	return err
}

// Allowed is how many failures a wave of n tenants may have.
func (r Rollout) Allowed(n int) int {
	if r.MaxFailuresPercent {
		return n * r.MaxFailures / 100
	}
	return r.MaxFailures
}

// RolloutTenant is one tenant of a rollout, with its run's state.
type RolloutTenant struct {
	Tenant   string              `json:"tenant"`
	Wave     int                 `json:"wave"`
	Status   RolloutTenantStatus `json:"status"`
	RunID    *int64              `json:"run_id,omitempty"`
	RunState RunState            `json:"run_state,omitempty"`
}

// ErrRolloutActive is returned when a tier already has a running or paused rollout.
var ErrRolloutActive = errors.New("the tier has a rollout that is running or paused")

// ErrRolloutState is returned for a transition the rollout's state does not allow.
var ErrRolloutState = errors.New("rollout state does not allow this")

const rolloutCols = `id, tier, template_revision, state, canary, growth_factor, wave_sizes, max_failures, max_failures_pct,
	pause_ms, waves, current_wave, next_wave_at, coalesce(driver_job, 0), coalesce(error, ''), created_at, updated_at, finished_at`

func scanRollout(row pgx.Row) (Rollout, error) {
	var r Rollout
	var sizes []int32
	var pauseMS int64
	err := row.Scan(&r.ID, &r.Tier, &r.TemplateRevision, &r.State, &r.Canary, &r.GrowthFactor, &sizes, &r.MaxFailures,
		&r.MaxFailuresPercent, &pauseMS, &r.Waves, &r.CurrentWave, &r.NextWaveAt, &r.DriverJob, &r.Error,
		&r.CreatedAt, &r.UpdatedAt, &r.FinishedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, ErrNotFound
	}
	for _, s := range sizes {
		r.WaveSizes = append(r.WaveSizes, int(s))
	}
	r.PauseBetweenWaves = Duration(time.Duration(pauseMS) * time.Millisecond)
	return r, err
}

// RolloutCandidates lists, by id, the tenants of tier a rollout applies
// to: those live (ACTIVE, DRIFTED) or being onboarded (PENDING; their run
// waits for the onboarding and is skipped if it was rolled back).
func RolloutCandidates(ctx context.Context, db DB, tier string) ([]string, error) {
	rows, err := db.Query(ctx, `SELECT id FROM tenants WHERE tier = $1 AND status IN ('ACTIVE', 'DRIFTED', 'PENDING') ORDER BY id`, tier)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// CreateRollout stores r (RUNNING) and its tenants, each in its wave
// (waves[i] is tenants[i]'s), in tx, and returns its id. A tier with an
// active rollout is ErrRolloutActive.
func CreateRollout(ctx context.Context, tx pgx.Tx, r Rollout, tenants []string, waves []int) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO rollouts (tier, template_revision, state, canary, growth_factor, wave_sizes,
		max_failures, max_failures_pct, pause_ms, waves) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		r.Tier, r.TemplateRevision, RolloutRunning, r.Canary, r.GrowthFactor, nonNilInts(r.WaveSizes), r.MaxFailures,
		r.MaxFailuresPercent, time.Duration(r.PauseBetweenWaves).Milliseconds(), r.Waves).Scan(&id)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return 0, ErrRolloutActive
	}
	if err != nil {
		return 0, err
	}
	if len(tenants) != len(waves) {
		return 0, fmt.Errorf("rollout %d: %d tenants for %d waves", id, len(tenants), len(waves))
	}
	_, err = tx.Exec(ctx, `INSERT INTO rollout_tenants (rollout_id, tenant, wave)
		SELECT $1, t, w FROM unnest($2::text[], $3::int[]) AS x(t, w)`, id, tenants, waves)
	return id, err
}

func nonNilInts(s []int) []int {
	if s == nil {
		return []int{}
	}
	return s
}

// SetRolloutDriver names the River job that drives the rollout.
func SetRolloutDriver(ctx context.Context, db DB, id, job int64) error {
	_, err := db.Exec(ctx, `UPDATE rollouts SET driver_job = $2, updated_at = now() WHERE id = $1`, id, job)
	return err
}

// GetRollout loads a rollout.
func GetRollout(ctx context.Context, db DB, id int64) (Rollout, error) {
	return scanRollout(db.QueryRow(ctx, `SELECT `+rolloutCols+` FROM rollouts WHERE id = $1`, id))
}

// LockRollout loads a rollout and locks its row until tx ends.
func LockRollout(ctx context.Context, tx pgx.Tx, id int64) (Rollout, error) {
	return scanRollout(tx.QueryRow(ctx, `SELECT `+rolloutCols+` FROM rollouts WHERE id = $1 FOR UPDATE`, id))
}

// ListRollouts lists up to limit rollouts, newest first, optionally of one tier.
func ListRollouts(ctx context.Context, db DB, tier string, limit int) ([]Rollout, error) {
	rows, err := db.Query(ctx, `SELECT `+rolloutCols+` FROM rollouts WHERE ($1 = '' OR tier = $1) ORDER BY id DESC LIMIT $2`, tier, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Rollout
	for rows.Next() {
		r, err := scanRollout(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// rolloutTenantStatus is a tenant's status with its run's final state
// folded in, for a RUNNING tenant whose run has finished since the
// rollout last looked.
const rolloutTenantStatus = `CASE WHEN rt.status = 'RUNNING' THEN CASE r.state
		WHEN 'COMPLETED' THEN 'COMPLETED' WHEN 'ROLLED_BACK' THEN 'FAILED' WHEN 'COMPENSATION_FAILED' THEN 'FAILED'
		WHEN 'SUPERSEDED' THEN 'SKIPPED' ELSE 'RUNNING' END ELSE rt.status END`

// RolloutTenants lists a rollout's tenants by wave, then id.
func RolloutTenants(ctx context.Context, db DB, id int64) ([]RolloutTenant, error) {
	rows, err := db.Query(ctx, `SELECT rt.tenant, rt.wave, `+rolloutTenantStatus+`, rt.run_id, coalesce(r.state, '')
		FROM rollout_tenants rt LEFT JOIN runs r ON r.id = rt.run_id
		WHERE rt.rollout_id = $1 ORDER BY rt.wave, rt.tenant`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RolloutTenant
	for rows.Next() {
		var t RolloutTenant
		if err := rows.Scan(&t.Tenant, &t.Wave, &t.Status, &t.RunID, &t.RunState); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// SyncRolloutTenants records the outcome of every finished run of the rollout.
func SyncRolloutTenants(ctx context.Context, db DB, id int64) error {
	_, err := db.Exec(ctx, `UPDATE rollout_tenants rt SET status = `+rolloutTenantStatus+`
		FROM runs r WHERE rt.rollout_id = $1 AND rt.status = 'RUNNING' AND r.id = rt.run_id
		AND r.state IN ('COMPLETED', 'ROLLED_BACK', 'COMPENSATION_FAILED', 'SUPERSEDED')`, id)
	return err
}

// WaveCount counts one wave's tenants by status.
type WaveCount struct {
	Total, Pending, Running, Failed int
}

// CountWave counts the tenants of a rollout's wave by status.
func CountWave(ctx context.Context, db DB, id int64, wave int) (WaveCount, error) {
	var c WaveCount
	err := db.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE status = 'PENDING'),
		count(*) FILTER (WHERE status = 'RUNNING'), count(*) FILTER (WHERE status = 'FAILED')
		FROM rollout_tenants WHERE rollout_id = $1 AND wave = $2`, id, wave).Scan(&c.Total, &c.Pending, &c.Running, &c.Failed)
	return c, err
}

// StartRolloutRuns creates, in tx, a PENDING update run for every tenant of
// the rollout's wave that has none yet: its last good spec revision (set
// again when the run starts) with the rollout's template revision. It
// returns the new runs' ids; the caller queues their jobs in the same tx,
// so no tenant gets two runs and none is left without one.
func StartRolloutRuns(ctx context.Context, tx pgx.Tx, id int64, wave int) ([]int64, error) {
	rows, err := tx.Query(ctx, `WITH due AS (
			SELECT rt.tenant FROM rollout_tenants rt
			WHERE rt.rollout_id = $1 AND rt.wave = $2 AND rt.status = 'PENDING' AND rt.run_id IS NULL
			ORDER BY rt.tenant FOR UPDATE),
		made AS (
			INSERT INTO runs (tenant, kind, state, revision, template_revision, rollout_id)
			SELECT t.id, $3, $4, coalesce(t.last_good_revision, t.current_revision), o.template_revision, o.id
			FROM due JOIN tenants t ON t.id = due.tenant JOIN rollouts o ON o.id = $1
			ORDER BY t.id RETURNING id, tenant)
		UPDATE rollout_tenants rt SET run_id = made.id, status = 'RUNNING'
		FROM made WHERE rt.rollout_id = $1 AND rt.tenant = made.tenant RETURNING made.id`, id, wave, KindUpdate, StatePending)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// SetRolloutState moves a rollout to state, recording errText when given.
func SetRolloutState(ctx context.Context, db DB, id int64, state RolloutState, errText string) error {
	_, err := db.Exec(ctx, `UPDATE rollouts SET state = $2, error = coalesce(nullif($3, ''), error), updated_at = now(),
		finished_at = CASE WHEN $2 IN ('HALTED', 'ABORTED', 'COMPLETED') THEN now() ELSE NULL END
		WHERE id = $1`, id, state, errText)
	return err
}

// AdvanceRollout starts the rollout's next wave at (or after) at.
func AdvanceRollout(ctx context.Context, db DB, id int64, wave int, at time.Time) error {
	_, err := db.Exec(ctx, `UPDATE rollouts SET current_wave = $2, next_wave_at = $3, updated_at = now() WHERE id = $1`, id, wave, at)
	return err
}

// TransitionRollout moves a rollout from one of from to to, in db; it is
// ErrNotFound for no such rollout and ErrRolloutState when its state is
// not one of from.
func TransitionRollout(ctx context.Context, db DB, id int64, from []RolloutState, to RolloutState) (Rollout, error) {
	r, err := scanRollout(db.QueryRow(ctx, `UPDATE rollouts SET state = $2, updated_at = now(),
		finished_at = CASE WHEN $2 IN ('HALTED', 'ABORTED', 'COMPLETED') THEN now() ELSE NULL END
		WHERE id = $1 AND state = ANY($3) RETURNING `+rolloutCols, id, to, from))
	if errors.Is(err, ErrNotFound) {
		if _, gerr := GetRollout(ctx, db, id); gerr == nil {
			return r, ErrRolloutState
		} else if !errors.Is(gerr, ErrNotFound) {
			return r, gerr
		}
	}
	return r, err
}

// ReleasedTemplate returns the tier's released template revision: the
// target of its newest rollout that is running, paused or completed (""
// when there is none). Onboardings render it.
func ReleasedTemplate(ctx context.Context, db DB, tier string) (string, error) {
	var rev string
	err := db.QueryRow(ctx, `SELECT template_revision FROM rollouts WHERE tier = $1
		AND state IN ('RUNNING', 'PAUSED', 'COMPLETED') ORDER BY id DESC LIMIT 1`, tier).Scan(&rev)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return rev, err
}

// keptRevisions selects the template revisions pruning keeps for
// rollouts: every tier's released revision (an active rollout's target is
// its tier's), and the target of every tier's newest rollout whatever its
// state, so a halted or aborted rollout can be started again by revision.
const keptRevisions = `(SELECT DISTINCT ON (tier) template_revision FROM rollouts
		WHERE state IN ('RUNNING', 'PAUSED', 'COMPLETED') ORDER BY tier, id DESC)
	UNION ALL (SELECT DISTINCT ON (tier) template_revision FROM rollouts ORDER BY tier, id DESC)`

// RolloutGate is what a rollout's run needs to know before it starts.
type RolloutGate struct {
	RolloutID        int64
	State            RolloutState
	Tier             string
	TenantTier       string
	TenantStatus     TenantStatus
	LastGoodRevision *int
}

// GetRolloutGate loads the gate of rollout run runID.
func GetRolloutGate(ctx context.Context, db DB, runID int64) (RolloutGate, error) {
	var g RolloutGate
	err := db.QueryRow(ctx, `SELECT o.id, o.state, o.tier, t.tier, t.status, t.last_good_revision
		FROM runs r JOIN rollouts o ON o.id = r.rollout_id JOIN tenants t ON t.id = r.tenant WHERE r.id = $1`, runID).
		Scan(&g.RolloutID, &g.State, &g.Tier, &g.TenantTier, &g.TenantStatus, &g.LastGoodRevision)
	if errors.Is(err, pgx.ErrNoRows) {
		return g, ErrNotFound
	}
	return g, err
}

// SetRunRevision points a run that has not started at another spec revision.
func SetRunRevision(ctx context.Context, db DB, runID int64, revision int) error {
	_, err := db.Exec(ctx, `UPDATE runs SET revision = $2, updated_at = now() WHERE id = $1 AND state = 'PENDING'`, runID, revision)
	return err
}

// SettleRolloutRun ends a rollout's run that never started (SUPERSEDED,
// with why) and records status for its tenant in the rollout, in tx.
func SettleRolloutRun(ctx context.Context, tx pgx.Tx, run Run, status RolloutTenantStatus, why string) error {
	if err := SetState(ctx, tx, run.ID, StateSuperseded, why); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE rollout_tenants SET status = $3 WHERE rollout_id = $1 AND tenant = $2`, run.RolloutID, run.Tenant, status)
	return err
}
