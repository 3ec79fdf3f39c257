// Package callback delivers run outcomes to the CRM through the callbacks
// outbox: the row is written in the same transaction as the run's final
// state, together with a River job that POSTs it, signed like the intake,
// and retries with backoff until the CRM answers 2xx. Delivery is
// at-least-once; the payload carries the event id for the CRM's dedupe.
package callback

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/tenantops/tenantops/internal/signature"
	"github.com/tenantops/tenantops/trigger/metrics"
	"github.com/tenantops/tenantops/trigger/store"
)

// Payload is what the CRM receives.
type Payload struct {
	EventID string          `json:"event_id"`
	Tenant  string          `json:"tenant"`
	RunID   int64           `json:"run_id"`
	Kind    string          `json:"kind"`
	Outcome string          `json:"outcome"`
	Outputs json.RawMessage `json:"outputs,omitempty"`
	Error   string          `json:"error,omitempty"`
	// DestroyAt tells, with the suspension a held customer.deleted
	// started, when the tenant will be destroyed unless reactivated.
	DestroyAt *time.Time `json:"destroy_at,omitempty"`
}

// Args is the River job that delivers one outbox row.
type Args struct {
	CallbackID int64 `json:"callback_id"`
}

// Kind implements river.JobArgs.
func (Args) Kind() string { return "tenantops_callback" }

// InsertOpts keeps trying for a long time: the CRM may be down for hours.
func (Args) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: "callbacks", MaxAttempts: 200}
}

// Enqueue writes the outbox row and its delivery job in tx.
func Enqueue(ctx context.Context, tx pgx.Tx, client *river.Client[pgx.Tx], p Payload) error {
	id, err := store.EnqueueCallback(ctx, tx, p.RunID, p.EventID, p)
	if err != nil {
		return fmt.Errorf("callback outbox: %w", err)
	}
	if _, err := client.InsertTx(ctx, tx, Args{CallbackID: id}, nil); err != nil {
		return fmt.Errorf("callback job: %w", err)
	}
	return nil
}

// Config configures delivery.
type Config struct {
	URL     string
	Secret  []byte
	Timeout time.Duration
	// Backoff is the first retry delay; it doubles up to MaxBackoff.
	Backoff, MaxBackoff time.Duration
	Client              *http.Client
	// UserAgent names the trigger and its version (tenantops-trigger/<version>).
	UserAgent string
}

// Worker delivers callbacks.
type Worker struct {
	river.WorkerDefaults[Args]
	Pool    *pgxpool.Pool
	Cfg     Config
	Log     *slog.Logger
	Metrics *metrics.Metrics
}

// NextRetry doubles the delay per attempt.
func (w *Worker) NextRetry(job *river.Job[Args]) time.Time { return w.RetryAt(job.Attempt) }

// RetryAt is when delivery attempt number attempt is followed by the next:
// the delay doubles per attempt up to MaxBackoff.
func (w *Worker) RetryAt(attempt int) time.Time {
	d := w.Cfg.Backoff
	for i := 1; i < attempt && d < w.Cfg.MaxBackoff; i++ {
		d *= 2
	}
	if d > w.Cfg.MaxBackoff {
		d = w.Cfg.MaxBackoff
	}
	return time.Now().Add(d)
}

// Timeout bounds one delivery attempt.
func (w *Worker) Timeout(*river.Job[Args]) time.Duration { return w.Cfg.Timeout + 5*time.Second }

// Work posts the payload once.
func (w *Worker) Work(ctx context.Context, job *river.Job[Args]) error {
	return w.Deliver(ctx, job.Attempt, job.Args.CallbackID)
}

// Deliver posts outbox row id to Cfg.URL, signed with Cfg.Secret, and
// records the attempt; an error makes River retry. Other outbox channels
// (drift notifications) deliver through a Worker of their own Config.
func (w *Worker) Deliver(ctx context.Context, attempt int, id int64) error {
	cb, delivered, err := store.GetCallback(ctx, w.Pool, id)
	if err != nil || delivered {
		return err
	}
	if w.Cfg.URL == "" {
		// Nowhere to send: keep the row undelivered (visible as backlog).
		return nil
	}
	derr := w.post(ctx, cb.Payload)
	if err := store.CallbackAttempt(ctx, w.Pool, cb.ID, derr == nil, errText(derr)); err != nil {
		return err
	}
	w.Metrics.Callback(derr == nil)
	if derr != nil {
		w.Log.Warn("callback not delivered", "run", cb.RunID, "event", cb.EventID, "attempt", attempt, "error", derr.Error())
		return derr
	}
	w.Log.Info("callback delivered", "run", cb.RunID, "event", cb.EventID)
	return nil
}

func (w *Worker) post(ctx context.Context, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, w.Cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.Cfg.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if w.Cfg.UserAgent != "" {
		req.Header.Set("User-Agent", w.Cfg.UserAgent)
	}
	req.Header.Set(signature.Header, signature.Sign(w.Cfg.Secret, body, time.Now()))
	c := w.Cfg.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("CRM answered %s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
