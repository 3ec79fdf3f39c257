// Package intake receives CRM webhooks (POST /v1/webhooks/crm): it checks
// the HMAC signature over the raw body, validates the spec, and commits the
// event, the spec revision, the run and its River job in one transaction
// before answering 202 with the run id. The event id is the idempotency
// key: a repeated delivery answers 200 with the first run's id, and the
// same id with other content 409. An event older than the newest one
// accepted for its tenant is recorded as stale and answered 200; it starts
// nothing.
package intake

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/tenantops/tenantops/internal/signature"
	"github.com/tenantops/tenantops/trigger/hold"
	"github.com/tenantops/tenantops/trigger/runner"
	"github.com/tenantops/tenantops/trigger/seal"
	"github.com/tenantops/tenantops/trigger/spec"
	"github.com/tenantops/tenantops/trigger/store"
)

// DefaultMaxBody is the body size limit (1 MiB).
const DefaultMaxBody = 1 << 20

// Handler serves the webhook endpoint.
type Handler struct {
	Pool  *pgxpool.Pool
	River *river.Client[pgx.Tx]
	// Secrets verify the signature; several during a rotation.
	Secrets   [][]byte
	Tolerance time.Duration
	MaxBody   int64
	// Tiers lists the valid tiers (template directories).
	Tiers func() ([]string, error)
	// RequireApproval makes new runs stop at AWAITING_APPROVAL.
	RequireApproval bool
	// Retention holds a deletion for its tier's period (the tenant is
	// suspended meanwhile); nil: deletions offboard at once.
	Retention func(tier string) time.Duration
	// Keyring seals the spec's secrets before it is stored; required.
	Keyring *seal.Keyring
	Log     *slog.Logger
	Now     func() time.Time

	closed atomic.Bool
}

// Close makes the handler refuse new webhooks (503) during shutdown; the
// CRM retries them later.
func (h *Handler) Close() { h.closed.Store(true) }

// Response is the JSON answer.
type Response struct {
	RunID     int64 `json:"run_id,omitempty"`
	Duplicate bool  `json:"duplicate,omitempty"`
	// Stale: the event is older than NewerEventID, the newest event
	// accepted for the tenant, and starts nothing.
	Stale        bool   `json:"stale,omitempty"`
	NewerEventID string `json:"newer_event_id,omitempty"`
	// FirstReceivedAt and FirstOccurredAt date the first event that used
	// the id, when a second one with other content is refused.
	FirstReceivedAt *time.Time        `json:"first_received_at,omitempty"`
	FirstOccurredAt *time.Time        `json:"first_occurred_at,omitempty"`
	Error           string            `json:"error,omitempty"`
	Errors          []spec.FieldError `json:"errors,omitempty"`
	// DestroyAt answers a held deletion: RunID suspends the tenant, and
	// the tenant is destroyed then unless reactivated first.
	DestroyAt *time.Time `json:"destroy_at,omitempty"`
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		reply(w, http.StatusMethodNotAllowed, Response{Error: "use POST"})
		return
	}
	if h.closed.Load() {
		w.Header().Set("Retry-After", "30")
		reply(w, http.StatusServiceUnavailable, Response{Error: "shutting down, retry later"})
		return
	}
	max := h.MaxBody
	if max <= 0 {
		max = DefaultMaxBody
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			reply(w, http.StatusRequestEntityTooLarge, Response{Error: "body larger than the limit"})
			return
		}
		reply(w, http.StatusBadRequest, Response{Error: "reading body failed"})
		return
	}
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	tol := h.Tolerance
	if tol <= 0 {
		tol = signature.DefaultTolerance
	}
	if err := signature.Verify(r.Header.Get(signature.Header), body, now(), tol, h.Secrets...); err != nil {
		h.Log.Warn("webhook refused", "reason", err.Error(), "remote", r.RemoteAddr)
		reply(w, http.StatusUnauthorized, Response{Error: "signature: " + err.Error()})
		return
	}
	tiers, err := h.Tiers()
	if err != nil {
		h.Log.Error("listing tiers", "error", err.Error())
		reply(w, http.StatusInternalServerError, Response{Error: "templates unavailable"})
		return
	}
	ev, occurred, fe := h.parse(body, tiers, now(), tol)
	if len(fe) > 0 {
		h.Log.Info("webhook invalid", "event", logID(ev.EventID), "tenant", logID(ev.Tenant.ID), "problems", len(fe))
		reply(w, http.StatusBadRequest, Response{Error: "invalid spec", Errors: fe})
		return
	}
	res, err := h.record(r, ev, occurred, body)
	var conflict *store.EventConflictError
	switch {
	case errors.Is(err, store.ErrNoTenant):
		reply(w, http.StatusConflict, Response{Error: "tenant " + ev.Tenant.ID + " does not exist"})
		return
	case errors.As(err, &conflict):
		h.Log.Warn("event id reused with other content", "event", ev.EventID, "tenant", ev.Tenant.ID)
		reply(w, http.StatusConflict, Response{Error: conflict.Error(), FirstReceivedAt: &conflict.ReceivedAt,
			FirstOccurredAt: conflict.OccurredAt})
		return
	case err != nil:
		h.Log.Error("recording webhook", "event", ev.EventID, "tenant", ev.Tenant.ID, "error", err.Error())
		reply(w, http.StatusInternalServerError, Response{Error: "could not record the event; retry"})
		return
	}
	if res.Stale {
		h.Log.Info("stale webhook recorded", "event", ev.EventID, "tenant", ev.Tenant.ID, "newer_event", res.NewerEventID,
			"duplicate", res.Duplicate)
		reply(w, http.StatusOK, Response{Stale: true, NewerEventID: res.NewerEventID, Duplicate: res.Duplicate})
		return
	}
	if res.Duplicate {
		h.Log.Info("duplicate webhook", "event", ev.EventID, "tenant", ev.Tenant.ID, "run", res.RunID)
		reply(w, http.StatusOK, Response{RunID: res.RunID, Duplicate: true})
		return
	}
	if res.Hold != nil {
		h.Log.Info("deletion held: tenant suspended until the hold expires", "event", ev.EventID, "tenant", ev.Tenant.ID,
			"run", res.RunID, "destroy_at", res.Hold.DestroyAt)
		reply(w, http.StatusAccepted, Response{RunID: res.RunID, DestroyAt: &res.Hold.DestroyAt})
		return
	}
	h.Log.Info("webhook accepted", "event", ev.EventID, "tenant", ev.Tenant.ID, "run", res.RunID, "kind", res.Kind, "revision", res.Revision)
	reply(w, http.StatusAccepted, Response{RunID: res.RunID})
}

// parse validates body and its occurred_at, which may not lie further in
// the future than the signature's clock skew allows: a CRM clock running
// years ahead would otherwise make every later event of the tenant stale.
func (h *Handler) parse(body []byte, tiers []string, now time.Time, skew time.Duration) (spec.Event, time.Time, spec.Errors) {
	ev, err := spec.Parse(body, tiers)
	if err != nil {
		var fe spec.Errors
		if !errors.As(err, &fe) {
			fe = spec.Errors{{Field: "body", Message: err.Error()}}
		}
		return ev, time.Time{}, fe
	}
	occurred, err := time.Parse(time.RFC3339, ev.OccurredAt)
	if err != nil {
		return ev, occurred, spec.Errors{{Field: "occurred_at", Message: "required: an RFC 3339 time"}}
	}
	if occurred.After(now.Add(skew)) {
		return ev, occurred, spec.Errors{{Field: "occurred_at", Message: fmt.Sprintf(
			"lies in the future (%s, now %s): events are ordered by it", ev.OccurredAt, now.UTC().Format(time.RFC3339))}}
	}
	return ev, occurred, nil
}

// logID keeps an identifier that failed validation out of the log but for
// a bounded, printable prefix.
func logID(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strconv.QuoteToASCII(s)
}

func (h *Handler) record(r *http.Request, ev spec.Event, occurred time.Time, body []byte) (store.RecordEventResult, error) {
	ctx := r.Context()
	tx, err := h.Pool.Begin(ctx)
	if err != nil {
		return store.RecordEventResult{}, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	// The parsed event, re-encoded, is what an id stands for: a
	// redelivery serialised with other blanks or key order is the same
	// event.
	canonical, err := json.Marshal(ev)
	if err != nil {
		return store.RecordEventResult{}, err
	}
	// The spec is stored with its secrets sealed: a database backup holds
	// no customer credential in plain text.
	if h.Keyring == nil {
		return store.RecordEventResult{}, errors.New("no encryption keys to seal the spec's secrets")
	}
	stored, _, err := h.Keyring.SealSpec(ev.Tenant.ID, body)
	if err != nil {
		return store.RecordEventResult{}, err
	}
	res, err := store.RecordEvent(ctx, tx, store.Event{
		EventID: ev.EventID, EventType: ev.EventType, Tenant: ev.Tenant.ID, Tier: ev.Tenant.Tier,
		BodySHA256: sha256Hex(body), ContentSHA256: sha256Hex(canonical), OccurredAt: occurred, Spec: stored,
		Retention: h.Retention,
	}, h.RequireApproval)
	if err != nil || res.Duplicate {
		return res, err
	}
	if !res.Stale {
		if _, err := h.River.InsertTx(ctx, tx, runner.Args{RunID: res.RunID}, nil); err != nil {
			return res, err
		}
	}
	if res.HoldNew {
		if err := hold.Schedule(ctx, tx, h.River, *res.Hold); err != nil {
			return res, err
		}
	}
	return res, tx.Commit(ctx)
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func reply(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
