package drift

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/tenantops/tenantops/trigger/callback"
	"github.com/tenantops/tenantops/trigger/runner"
	"github.com/tenantops/tenantops/trigger/store"
)

// Notification statuses.
const (
	StatusDrifted  = "drifted"  // the tenant differs from its last good revision
	StatusResolved = "resolved" // it is back in line
)

// Notification is the body POSTed to the drift notification URL, signed
// like the CRM callbacks (X-Tenantops-Signature with the notify secret).
// It names what drifted, never a value.
type Notification struct {
	// NotificationID is the receiver's dedupe key (delivery is at least once).
	NotificationID string          `json:"notification_id"`
	Tenant         string          `json:"tenant"`
	Tier           string          `json:"tier"`
	Status         string          `json:"status"`
	CheckedAt      time.Time       `json:"checked_at"`
	DriftedSince   *time.Time      `json:"drifted_since,omitempty"`
	RunID          int64           `json:"run_id"`
	Changes        []runner.Change `json:"changes"`
	Remediation    Mode            `json:"remediation"`
	// RemediationRunID is the run the "apply" mode started.
	RemediationRunID *int64 `json:"remediation_run_id,omitempty"`
}

// NotifyArgs delivers one drift notification from the outbox.
type NotifyArgs struct {
	CallbackID int64 `json:"callback_id"`
}

// Kind implements river.JobArgs.
func (NotifyArgs) Kind() string { return "tenantops_drift_notification" }

// InsertOpts retries as long as CRM callbacks are retried.
func (NotifyArgs) InsertOpts() river.InsertOpts { return callback.Args{}.InsertOpts() }

// NotifyWorker delivers drift notifications through the callback
// delivery, configured with the notification URL and secret.
type NotifyWorker struct {
	river.WorkerDefaults[NotifyArgs]
	Delivery *callback.Worker
}

// Work posts the notification once.
func (w *NotifyWorker) Work(ctx context.Context, job *river.Job[NotifyArgs]) error {
	return w.Delivery.Deliver(ctx, job.Attempt, job.Args.CallbackID)
}

// NextRetry backs off as callbacks do.
func (w *NotifyWorker) NextRetry(job *river.Job[NotifyArgs]) time.Time {
	return w.Delivery.RetryAt(job.Attempt)
}

// Timeout bounds one delivery attempt.
func (w *NotifyWorker) Timeout(*river.Job[NotifyArgs]) time.Duration { return w.Delivery.Timeout(nil) }

// enqueueNotification writes the notification to the outbox and its
// delivery job in tx.
func enqueueNotification(ctx context.Context, tx pgx.Tx, client *river.Client[pgx.Tx], n Notification) error {
	id, err := store.EnqueueOutbox(ctx, tx, store.ChannelDrift, n.RunID, n.NotificationID, n)
	if err != nil {
		return fmt.Errorf("drift notification outbox: %w", err)
	}
	if _, err := client.InsertTx(ctx, tx, NotifyArgs{CallbackID: id}, nil); err != nil {
		return fmt.Errorf("drift notification job: %w", err)
	}
	return nil
}

// notifies reports whether a check that found cur (after prev, nil for a
// first check) is news: the tenant drifted, came back in line, or drifts
// differently. A check that failed says nothing new.
func notifies(prev *store.DriftRecord, cur store.DriftRecord) bool {
	switch {
	case cur.Error != "":
		return false
	case prev == nil:
		return cur.Drifted
	case prev.Drifted != cur.Drifted:
		return true
	}
	return cur.Drifted && !sameChanges(prev.Changes, cur.Changes)
}

func sameChanges(a, b json.RawMessage) bool {
	var x, y runner.Summary
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}
