package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Event is what intake records for one webhook delivery.
type Event struct {
	EventID, EventType, Tenant, Tier string
	// BodySHA256 is the hash of the raw body; ContentSHA256 the hash of the
	// parsed event, which decides whether a redelivery is the same event
	// (blanks and key order do not matter).
	BodySHA256, ContentSHA256 string
	OccurredAt                time.Time
	Spec                      json.RawMessage
	// Retention is how long a deletion of a tenant of the tier is held
	// (the tenant suspended meanwhile); nil or 0: offboard at once.
	Retention func(tier string) time.Duration
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
	// Hold is the offboarding hold a held deletion is under; HoldNew says
	// that this event started it (its destroy must be scheduled).
	Hold    *Hold
	HoldNew bool
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
	// suspend is the suspended flag a suspension or reactivation sets on
	// a new revision of the tenant's latest spec (nil for other events).
	var suspend *bool
	switch ev.EventType {
	case "customer.created":
		kind = KindOnboard
	case "customer.updated":
		kind = KindUpdate
	case "customer.deleted":
		kind = KindOffboard
	case "customer.suspended", "customer.reactivated":
		kind = KindUpdate
		v := ev.EventType == "customer.suspended"
		suspend = &v
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
	var lastID, tier string
	var lastAt *time.Time
	err = tx.QueryRow(ctx, `SELECT status, last_event_at, coalesce(last_event_id, ''), tier FROM tenants WHERE id = $1 FOR UPDATE`,
		ev.Tenant).Scan(&status, &lastAt, &lastID, &tier)
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
	gone := exists && (status == TenantDeleted || status == TenantRolledBack || status == TenantRejected)
	switch {
	case status == TenantDeleted && kind == KindUpdate, suspend != nil && gone:
		// Nothing to suspend or reactivate.
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
	var retention time.Duration
	if kind == KindOffboard && ev.Retention != nil && (status == TenantActive || status == TenantDrifted || status == TenantSuspended) {
		retention = ev.Retention(tier)
	}
	if suspend != nil && !*suspend {
		if _, err := CancelHold(ctx, tx, ev.Tenant, "reactivated ("+ev.EventID+")"); err != nil {
			return res, err
		}
	}
	if retention > 0 {
		// A held deletion: suspended now, destroyed when the hold expires.
		if err := suspensionRevision(ctx, tx, ev, true, approval, &res); err != nil {
			return res, err
		}
		if err := holdDeletion(ctx, tx, ev, retention, &res); err != nil {
			return res, err
		}
		kind = KindUpdate
	} else if kind == KindOffboard {
		// The deletion carries no spec: its run offboards what the
		// tenant's last good revision built, with that revision's
		// templates, and the stored spec and tier stay as they are.
		if err := tx.QueryRow(ctx, `INSERT INTO runs (tenant, kind, state, revision, template_revision, event_id, approval_required)
			SELECT id, $2, $3, coalesce(last_good_revision, current_revision), last_good_template_revision, $4, $5
			FROM tenants WHERE id = $1 RETURNING id, revision`, ev.Tenant, kind, StatePending, ev.EventID, approval).Scan(&res.RunID, &res.Revision); err != nil {
			return res, err
		}
	} else if suspend != nil {
		if err := suspensionRevision(ctx, tx, ev, *suspend, approval, &res); err != nil {
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
		if kind == KindUpdate {
			// An update of a suspended tenant keeps it suspended.
			if _, err := tx.Exec(ctx, `UPDATE tenant_specs s SET spec = jsonb_set(s.spec, '{tenant,suspended}', 'true')
				FROM tenant_specs p WHERE s.tenant = $1 AND s.revision = $2 AND p.tenant = $1 AND p.revision = $2 - 1
				AND coalesce((p.spec->'tenant'->>'suspended')::boolean, false)`, ev.Tenant, res.Revision); err != nil {
				return res, err
			}
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

// suspensionRevision adds the revision a suspension (suspended) or a
// reactivation starts: the tenant's latest spec with tenant.suspended set
// or cleared, same tier, and its PENDING update run.
func suspensionRevision(ctx context.Context, tx pgx.Tx, ev Event, suspended, approval bool, res *RecordEventResult) error {
	if err := tx.QueryRow(ctx, `UPDATE tenants SET current_revision = current_revision + 1, updated_at = now()
		WHERE id = $1 RETURNING current_revision`, ev.Tenant).Scan(&res.Revision); err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, `INSERT INTO tenant_specs (tenant, revision, event_id, spec)
		SELECT tenant, $2, $3, CASE WHEN $4 THEN jsonb_set(spec, '{tenant,suspended}', 'true') ELSE spec #- '{tenant,suspended}' END
		FROM tenant_specs WHERE tenant = $1 AND revision = $2 - 1`, ev.Tenant, res.Revision, ev.EventID, suspended)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return ErrNoTenant
	}
	return tx.QueryRow(ctx, `INSERT INTO runs (tenant, kind, state, revision, event_id, approval_required)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, ev.Tenant, KindUpdate, StatePending, res.Revision, ev.EventID, approval).Scan(&res.RunID)
}

// StatusAfter is the status a tenant has once revision is applied:
// SUSPENDED for a suspended revision, ACTIVE otherwise.
func StatusAfter(ctx context.Context, db DB, tenant string, revision int) (TenantStatus, error) {
	var suspended bool
	err := db.QueryRow(ctx, `SELECT coalesce((spec->'tenant'->>'suspended')::boolean, false) FROM tenant_specs
		WHERE tenant = $1 AND revision = $2`, tenant, revision).Scan(&suspended)
	if errors.Is(err, pgx.ErrNoRows) {
		return TenantActive, nil
	}
	if suspended {
		return TenantSuspended, err
	}
	return TenantActive, err
}
