package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Callback is an outbox row.
type Callback struct {
	ID       int64
	RunID    int64
	EventID  string
	Payload  json.RawMessage
	Attempts int
}

// Outbox channels: where a row is delivered.
const (
	ChannelCRM   = "crm"   // run outcomes, to the CRM
	ChannelDrift = "drift" // drift notifications, to the drift notification URL
)

// EnqueueCallback adds a CRM callback to the outbox and returns its id.
func EnqueueCallback(ctx context.Context, db DB, runID int64, eventID string, payload any) (int64, error) {
	return EnqueueOutbox(ctx, db, ChannelCRM, runID, eventID, payload)
}

// EnqueueOutbox adds a payload for channel to the outbox and returns its id.
func EnqueueOutbox(ctx context.Context, db DB, channel string, runID int64, eventID string, payload any) (int64, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return 0, err
	}
	var id int64
	err = db.QueryRow(ctx, `INSERT INTO callbacks (channel, run_id, event_id, payload) VALUES ($1, $2, $3, $4) RETURNING id`,
		channel, runID, eventID, b).Scan(&id)
	return id, err
}

// EnqueueReport writes a report that belongs to no run (a usage report) to
// the CRM's outbox under its idempotency key; a report already written
// under the key is kept, and inserted is false.
func EnqueueReport(ctx context.Context, db DB, key string, payload any) (id int64, inserted bool, err error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return 0, false, err
	}
	err = db.QueryRow(ctx, `INSERT INTO callbacks (channel, event_id, payload) VALUES ($1, $2, $3)
		ON CONFLICT (event_id) WHERE run_id IS NULL AND channel = 'crm' DO NOTHING RETURNING id`, ChannelCRM, key, b).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, err
}

// LiveTenantOutputs lists the tenants that exist (ACTIVE, DRIFTED or
// SUSPENDED) with the outputs of their last completed onboarding or
// update, and their admin count in the spec revision it applied.
func LiveTenantOutputs(ctx context.Context, db DB) ([]TenantOutputs, error) {
	rows, err := db.Query(ctx, `SELECT t.id, t.tier, t.status, coalesce(r.outputs, '{}'),
		coalesce(jsonb_array_length(s.spec->'tenant'->'admins'), 0)
		FROM tenants t
		LEFT JOIN LATERAL (SELECT outputs FROM runs WHERE tenant = t.id AND state = 'COMPLETED' AND kind IN ('onboard', 'update')
			AND outputs IS NOT NULL ORDER BY id DESC LIMIT 1) r ON true
		LEFT JOIN tenant_specs s ON s.tenant = t.id AND s.revision = t.last_good_revision
		WHERE t.status IN ('ACTIVE', 'DRIFTED', 'SUSPENDED') ORDER BY t.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TenantOutputs
	for rows.Next() {
		var t TenantOutputs
		var raw []byte
		if err := rows.Scan(&t.Tenant, &t.Tier, &t.Status, &raw, &t.Admins); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(raw, &t.Outputs); err != nil {
			return nil, fmt.Errorf("outputs of %s: %w", t.Tenant, err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TenantOutputs is a live tenant with what its last run reported.
type TenantOutputs struct {
	Tenant  string
	Tier    string
	Status  TenantStatus
	Outputs map[string]any
	Admins  int
}

// GetCallback loads an outbox row; delivered reports whether it went out.
func GetCallback(ctx context.Context, db DB, id int64) (Callback, bool, error) {
	var c Callback
	var delivered *time.Time
	err := db.QueryRow(ctx, `SELECT id, coalesce(run_id, 0), event_id, payload, attempts, delivered_at FROM callbacks WHERE id = $1`, id).
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
