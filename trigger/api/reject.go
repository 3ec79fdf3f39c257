package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tenantops/tenantops/trigger/callback"
	"github.com/tenantops/tenantops/trigger/store"
)

// maxReasonLen bounds a rejection reason (it travels to the CRM).
const maxReasonLen = 2000

// RejectRequest is the body of POST /v1/runs/{id}/reject.
type RejectRequest struct {
	Reason string `json:"reason"`
}

// reject ends a run waiting for approval as REJECTED and tells the CRM.
func (a *API) reject(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errBody("run id must be a number"))
		return
	}
	var req RejectRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, errBody("body: must be a JSON object with a reason"))
		return
	}
	if msg := CheckReason(req.Reason); msg != "" {
		writeJSON(w, http.StatusBadRequest, errBody(msg))
		return
	}
	run, err := a.Reject(r.Context(), id, "rejected: "+strings.TrimSpace(req.Reason))
	if errors.Is(err, store.ErrNotAwaitingApproval) {
		writeJSON(w, http.StatusConflict, errBody("run is not awaiting approval"))
		return
	}
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, run)
}

// CheckReason returns what is wrong with a rejection reason, "" if nothing.
func CheckReason(reason string) string {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return "reason: required"
	case utf8.RuneCountInString(reason) > maxReasonLen:
		return "reason: at most 2000 characters"
	}
	return ""
}

// Reject records the rejection of run id and enqueues the CRM's callback
// in one transaction (the console shares it). errText is what the run's
// error and the callback say.
func (a *API) Reject(ctx context.Context, id int64, errText string) (store.Run, error) {
	tx, err := a.Pool.Begin(ctx)
	if err != nil {
		return store.Run{}, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	run, err := store.Reject(ctx, tx, id, errText)
	if err != nil {
		return run, err
	}
	if run.EventID != "" {
		p := callback.Payload{EventID: run.EventID, Tenant: run.Tenant, RunID: run.ID, Kind: run.Kind,
			Outcome: string(run.State), Error: errText}
		if err := callback.Enqueue(ctx, tx, a.River, p); err != nil {
			return run, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return run, err
	}
	a.Metrics.Finished(run.Kind, string(run.State), time.Since(run.CreatedAt))
	a.Log.Info("run rejected", "tenant", run.Tenant, "run", run.ID)
	return run, nil
}
