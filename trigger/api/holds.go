package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/tenantops/tenantops/trigger/hold"
	"github.com/tenantops/tenantops/trigger/store"
)

// HoldChange is the body of PATCH /v1/tenants/{id}/hold: the new, earlier,
// destroy time.
type HoldChange struct {
	DestroyAt string `json:"destroy_at"`
}

// holdRoutes: a held deletion, shown with the tenant, brought forward or
// cancelled by an operator.
func (a *API) holdRoutes(mux *http.ServeMux) {
	if a.Holds == nil {
		return
	}
	mux.Handle("PATCH /v1/tenants/{id}/hold", a.auth(http.HandlerFunc(a.shortenHold)))
	mux.Handle("DELETE /v1/tenants/{id}/hold", a.auth(http.HandlerFunc(a.cancelHold)))
}

func (a *API) shortenHold(w http.ResponseWriter, r *http.Request) {
	var req HoldChange
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, errBody(`body: must be a JSON object {"destroy_at": "<RFC 3339 time>"}`))
		return
	}
	at, err := time.Parse(time.RFC3339, req.DestroyAt)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errBody("destroy_at: must be an RFC 3339 time such as 2026-01-02T15:04:05Z"))
		return
	}
	h, err := a.Holds.Shorten(r.Context(), r.PathValue("id"), at)
	a.holdAnswer(w, r, h, err, "deletion brought forward")
}

func (a *API) cancelHold(w http.ResponseWriter, r *http.Request) {
	reason := strings.TrimSpace(r.URL.Query().Get("reason"))
	if reason == "" {
		reason = "cancelled by an operator"
	}
	if msg := CheckReason(reason); msg != "" {
		writeJSON(w, http.StatusBadRequest, errBody(msg))
		return
	}
	h, err := a.Holds.Cancel(r.Context(), r.PathValue("id"), reason)
	a.holdAnswer(w, r, h, err, "deletion cancelled; the tenant stays suspended")
}

func (a *API) holdAnswer(w http.ResponseWriter, r *http.Request, h store.Hold, err error, what string) {
	switch {
	case errors.Is(err, hold.ErrNoHold):
		writeJSON(w, http.StatusConflict, errBody(err.Error()))
	case err != nil:
		a.fail(w, err)
	default:
		a.Log.Info(what, "tenant", h.Tenant, "destroy_at", h.DestroyAt, "state", h.State)
		writeJSON(w, http.StatusOK, h)
	}
}
