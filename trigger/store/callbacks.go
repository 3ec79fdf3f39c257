package store

import (
	"context"
	"encoding/json"
	"errors"
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
