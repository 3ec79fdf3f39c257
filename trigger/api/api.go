// Package api serves the trigger's HTTP API: tenants, runs with their
// steps, approval of planned runs, drift checks and the drift sweep's
// findings, health, readiness and Prometheus metrics. Everything but /healthz and /readyz needs the bearer
// token; the webhook endpoint is authenticated by its signature instead.
package api

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/riverqueue/river"

	"github.com/tenantops/tenantops/trigger/drift"
	"github.com/tenantops/tenantops/trigger/hold"
	"github.com/tenantops/tenantops/trigger/metrics"
	"github.com/tenantops/tenantops/trigger/rollout"
	"github.com/tenantops/tenantops/trigger/runner"
	"github.com/tenantops/tenantops/trigger/store"
)

// API holds the handlers' dependencies.
type API struct {
	Pool    *pgxpool.Pool
	River   *river.Client[pgx.Tx]
	Token   string
	Metrics *metrics.Metrics
	Webhook http.Handler
	Log     *slog.Logger
	// Ready reports whether the service can take work (nil = always).
	Ready func(context.Context) error
	// Rollouts starts and steers rollouts (nil: no rollout endpoints).
	Rollouts *rollout.Service
	// Drift is the drift sweep's configuration, shown by GET /v1/drift.
	Drift drift.Config
	// Holds brings held deletions forward and cancels them (nil: no
	// hold endpoints).
	Holds *hold.Service
}

// Handler returns the routed handler.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", a.readyz)
	if a.Webhook != nil {
		mux.Handle("POST /v1/webhooks/crm", a.Webhook)
	}
	mux.Handle("GET /metrics", a.auth(promhttp.HandlerFor(a.Metrics.Registry, promhttp.HandlerOpts{})))
	mux.Handle("GET /v1/tenants", a.auth(http.HandlerFunc(a.listTenants)))
	mux.Handle("GET /v1/tenants/{id}", a.auth(http.HandlerFunc(a.getTenant)))
	a.holdRoutes(mux)
	mux.Handle("POST /v1/tenants/{id}/drift", a.auth(http.HandlerFunc(a.drift)))
	mux.Handle("GET /v1/drift", a.auth(http.HandlerFunc(a.driftSummary)))
	mux.Handle("GET /v1/runs", a.auth(http.HandlerFunc(a.listRuns)))
	mux.Handle("GET /v1/runs/{id}", a.auth(http.HandlerFunc(a.getRun)))
	mux.Handle("POST /v1/runs/{id}/approve", a.auth(http.HandlerFunc(a.approve)))
	if a.Rollouts != nil {
		a.rolloutRoutes(mux)
	}
	mux.Handle("POST /v1/runs/{id}/reject", a.auth(http.HandlerFunc(a.reject)))
	return mux
}

func (a *API) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || a.Token == "" || subtle.ConstantTimeCompare([]byte(got), []byte(a.Token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tenantops-trigger"`)
			writeJSON(w, http.StatusUnauthorized, errBody("missing or wrong bearer token"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (a *API) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.Pool.Ping(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, errBody("database unreachable"))
		return
	}
	if a.Ready != nil {
		if err := a.Ready(ctx); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, errBody(err.Error()))
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// Page sizes of the list endpoints.
const (
	defaultTenantPage = 1000
	maxPage           = 5000
	defaultRunPage    = 100
)

// pageLimit reads ?limit=, refusing what is not a number in 1..maxPage.
func pageLimit(r *http.Request, def int) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxPage {
		return 0, fmt.Errorf("limit: must be a number from 1 to %d", maxPage)
	}
	return n, nil
}

// listTenants answers a page of tenants by id: ?limit= (default 1000) and
// ?after=<id>; "next" is the cursor of the following page, absent on the
// last one.
func (a *API) listTenants(w http.ResponseWriter, r *http.Request) {
	limit, err := pageLimit(r, defaultTenantPage)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errBody(err.Error()))
		return
	}
	// One more than asked tells whether another page follows.
	ts, err := store.ListTenantsPage(r.Context(), a.Pool, r.URL.Query().Get("after"), limit+1)
	if err != nil {
		a.fail(w, err)
		return
	}
	body := map[string]any{}
	if len(ts) > limit {
		ts = ts[:limit]
		body["next"] = ts[limit-1].ID
	}
	body["tenants"] = nonNil(ts)
	writeJSON(w, http.StatusOK, body)
}

// TenantView is a tenant with its latest runs and the template revision
// its last good revision was applied with (what a failed update restores).
type TenantView struct {
	store.Tenant
	LastGoodTemplate *store.TemplateRevision `json:"last_good_template,omitempty"`
	// Drift is what the tenant's latest drift check found (absent before one).
	Drift *store.DriftRecord `json:"drift,omitempty"`
	// Hold is the tenant's offboarding hold (a held customer.deleted),
	// absent when it never had one.
	Hold *store.Hold `json:"offboard_hold,omitempty"`
	Runs []store.Run `json:"runs"`
}

func (a *API) getTenant(w http.ResponseWriter, r *http.Request) {
	t, err := store.GetTenant(r.Context(), a.Pool, r.PathValue("id"))
	if err != nil {
		a.fail(w, err)
		return
	}
	runs, err := store.ListRuns(r.Context(), a.Pool, t.ID, 20)
	if err != nil {
		a.fail(w, err)
		return
	}
	v := TenantView{Tenant: t, Runs: nonNil(runs)}
	if v.Drift, err = a.driftRecord(r.Context(), t.ID); err != nil {
		a.fail(w, err)
		return
	}
	if h, err := store.GetHold(r.Context(), a.Pool, t.ID); err == nil {
		v.Hold = &h
	} else if !errors.Is(err, store.ErrNotFound) {
		a.fail(w, err)
		return
	}
	if t.LastGoodTemplateRevision != nil {
		if v.LastGoodTemplate, err = a.template(r.Context(), *t.LastGoodTemplateRevision); err != nil {
			a.fail(w, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, v)
}

// template loads a template revision's row for display; nil when it was
// pruned (a finished run's revision no tenant needs any more).
func (a *API) template(ctx context.Context, revision string) (*store.TemplateRevision, error) {
	if revision == "" {
		return nil, nil
	}
	t, err := store.GetTemplateRevision(ctx, a.Pool, revision)
	if errors.Is(err, store.ErrTemplateGone) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &t, nil
}

func (a *API) listRuns(w http.ResponseWriter, r *http.Request) {
	limit, err := pageLimit(r, defaultRunPage)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errBody(err.Error()))
		return
	}
	runs, err := store.ListRuns(r.Context(), a.Pool, r.URL.Query().Get("tenant"), limit)
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"runs": nonNil(runs)})
}

func (a *API) getRun(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errBody("run id must be a number"))
		return
	}
	run, err := store.GetRun(r.Context(), a.Pool, id)
	if err != nil {
		a.fail(w, err)
		return
	}
	steps, err := store.Steps(r.Context(), a.Pool, id)
	if err != nil {
		a.fail(w, err)
		return
	}
	v := RunView{Run: run, Steps: nonNil(steps)}
	if v.Template, err = a.template(r.Context(), run.TemplateRevision); err != nil {
		a.fail(w, err)
		return
	}
	if v.CompensationTemplate, err = a.template(r.Context(), run.CompensationTemplateRevision); err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// RunView is a run with all its steps (always present, possibly empty) and
// the template revisions it rendered: its own, and the one its
// compensation re-applied (tier, provider version and file hashes; absent
// once pruned).
type RunView struct {
	store.Run
	Template             *store.TemplateRevision `json:"template,omitempty"`
	CompensationTemplate *store.TemplateRevision `json:"compensation_template,omitempty"`
	Steps                []store.Step            `json:"steps"`
}

func (a *API) approve(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errBody("run id must be a number"))
		return
	}
	run, err := a.Approve(r.Context(), id)
	if errors.Is(err, store.ErrNotAwaitingApproval) {
		writeJSON(w, http.StatusConflict, errBody("run is not awaiting approval"))
		return
	}
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusAccepted, run)
}

// Approve records the approval of run id and enqueues its apply in one
// transaction (the console shares it).
func (a *API) Approve(ctx context.Context, id int64) (store.Run, error) {
	tx, err := a.Pool.Begin(ctx)
	if err != nil {
		return store.Run{}, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	run, err := store.Approve(ctx, tx, id)
	if err != nil {
		return run, err
	}
	if _, err := a.River.InsertTx(ctx, tx, runner.Args{RunID: id}, nil); err != nil {
		return run, err
	}
	if err := tx.Commit(ctx); err != nil {
		return run, err
	}
	a.Log.Info("run approved", "tenant", run.Tenant, "run", run.ID)
	return run, nil
}

func (a *API) drift(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	tx, err := a.Pool.Begin(ctx)
	if err != nil {
		a.fail(w, err)
		return
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	id, err := store.CreateRun(ctx, tx, r.PathValue("id"), store.KindDrift)
	if err != nil {
		a.fail(w, err)
		return
	}
	if _, err := a.River.InsertTx(ctx, tx, runner.Args{RunID: id}, nil); err != nil {
		a.fail(w, err)
		return
	}
	if err := tx.Commit(ctx); err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]int64{"run_id": id})
}

func (a *API) fail(w http.ResponseWriter, err error) {
	if errors.Is(err, store.ErrNotFound) {
		writeJSON(w, http.StatusNotFound, errBody("not found"))
		return
	}
	a.Log.Error("api", "error", err.Error())
	writeJSON(w, http.StatusInternalServerError, errBody("internal error"))
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func errBody(msg string) map[string]string { return map[string]string{"error": msg} }

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
