package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// HoldState is where an offboarding hold stands (offboard_holds.state).
type HoldState string

// Hold states.
const (
	// HoldHeld: the tenant is suspended and will be destroyed at DestroyAt.
	HoldHeld HoldState = "HELD"
	// HoldCancelled: a reactivation or an operator cancelled the destroy.
	HoldCancelled HoldState = "CANCELLED"
	// HoldDestroying: the hold expired and DestroyRun offboards the tenant.
	HoldDestroying HoldState = "DESTROYING"
)

// Hold is a customer.deleted held for the tenant's retention period.
type Hold struct {
	Tenant     string    `json:"tenant"`
	EventID    string    `json:"event_id"`
	SuspendRun int64     `json:"suspend_run"`
	DestroyAt  time.Time `json:"destroy_at"`
	State      HoldState `json:"state"`
	DestroyRun *int64    `json:"destroy_run,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

const holdColumns = `tenant, event_id, suspend_run, destroy_at, state, destroy_run, coalesce(reason, ''), created_at, updated_at`

func scanHold(row pgx.Row) (Hold, error) {
	var h Hold
	err := row.Scan(&h.Tenant, &h.EventID, &h.SuspendRun, &h.DestroyAt, &h.State, &h.DestroyRun, &h.Reason, &h.CreatedAt, &h.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return h, ErrNotFound
	}
	return h, err
}

// GetHold returns the tenant's offboarding hold (ErrNotFound: none).
func GetHold(ctx context.Context, db DB, tenant string) (Hold, error) {
	return scanHold(db.QueryRow(ctx, `SELECT `+holdColumns+` FROM offboard_holds WHERE tenant = $1`, tenant))
}

// holdDeletion holds a deletion: the tenant is suspended by res's run and
// destroyed after retention. A hold already running keeps its time; any
// other (cancelled, or an older one that ended) is replaced. res.Hold says
// what holds now, res.HoldNew whether a destroy must be scheduled.
func holdDeletion(ctx context.Context, tx pgx.Tx, ev Event, retention time.Duration, res *RecordEventResult) error {
	h, err := scanHold(tx.QueryRow(ctx, `INSERT INTO offboard_holds (tenant, event_id, suspend_run, destroy_at, state)
		VALUES ($1, $2, $3, now() + make_interval(secs => $4), 'HELD')
		ON CONFLICT (tenant) DO UPDATE SET event_id = excluded.event_id, suspend_run = excluded.suspend_run,
			destroy_at = excluded.destroy_at, state = 'HELD', destroy_run = NULL, reason = NULL, created_at = now(), updated_at = now()
		WHERE offboard_holds.state <> 'HELD'
		RETURNING `+holdColumns, ev.Tenant, ev.EventID, res.RunID, retention.Seconds()))
	switch {
	case errors.Is(err, ErrNotFound):
		// Held already: the first deletion's time stands.
		h, err = GetHold(ctx, tx, ev.Tenant)
	case err == nil:
		res.HoldNew = true
	}
	if err != nil {
		return err
	}
	res.Hold = &h
	return nil
}

// CancelHold cancels the tenant's running hold, saying why; it reports
// whether there was one.
func CancelHold(ctx context.Context, db DB, tenant, reason string) (bool, error) {
	tag, err := db.Exec(ctx, `UPDATE offboard_holds SET state = 'CANCELLED', reason = $2, updated_at = now()
		WHERE tenant = $1 AND state = 'HELD'`, tenant, reason)
	return tag.RowsAffected() > 0, err
}

// ShortenHold brings the running hold's destroy time forward to at (never
// later than it was); ErrNotFound when the tenant has no running hold.
func ShortenHold(ctx context.Context, db DB, tenant string, at time.Time) (Hold, error) {
	return scanHold(db.QueryRow(ctx, `UPDATE offboard_holds SET destroy_at = least(destroy_at, $2), updated_at = now()
		WHERE tenant = $1 AND state = 'HELD' RETURNING `+holdColumns, tenant, at))
}

// StartHeldDestroy, in tx, turns an expired hold into the offboarding run
// the deletion had been held for (kind offboard of the last good revision,
// with the deletion's event id) and returns the run; 0 when the tenant has
// no hold due now (cancelled, brought forward and done, or not yet due).
func StartHeldDestroy(ctx context.Context, tx pgx.Tx, tenant string) (int64, error) {
	var eventID string
	err := tx.QueryRow(ctx, `SELECT event_id FROM offboard_holds WHERE tenant = $1 AND state = 'HELD' AND destroy_at <= now()
		FOR UPDATE`, tenant).Scan(&eventID)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if err := LockTenant(ctx, tx, tenant); err != nil {
		return 0, err
	}
	var run int64
	if err := tx.QueryRow(ctx, `INSERT INTO runs (tenant, kind, state, revision, template_revision, event_id)
		SELECT id, $2, $3, coalesce(last_good_revision, current_revision), last_good_template_revision, $4
		FROM tenants WHERE id = $1 RETURNING id`, tenant, KindOffboard, StatePending, eventID).Scan(&run); err != nil {
		return 0, err
	}
	_, err = tx.Exec(ctx, `UPDATE offboard_holds SET state = 'DESTROYING', destroy_run = $2, updated_at = now() WHERE tenant = $1`, tenant, run)
	return run, err
}

// HoldOfSuspension returns the hold whose suspension run is run, if any.
func HoldOfSuspension(ctx context.Context, db DB, run int64) (*Hold, error) {
	h, err := scanHold(db.QueryRow(ctx, `SELECT `+holdColumns+` FROM offboard_holds WHERE suspend_run = $1`, run))
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &h, nil
}
