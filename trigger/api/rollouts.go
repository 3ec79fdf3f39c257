package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/tenantops/tenantops/trigger/rollout"
	"github.com/tenantops/tenantops/trigger/store"
)

// maxRolloutBody bounds a rollout request.
const maxRolloutBody = 64 << 10

// rolloutRoutes adds the rollout endpoints to mux.
func (a *API) rolloutRoutes(mux *http.ServeMux) {
	mux.Handle("POST /v1/rollouts", a.auth(http.HandlerFunc(a.createRollout)))
	mux.Handle("GET /v1/rollouts", a.auth(http.HandlerFunc(a.listRollouts)))
	mux.Handle("GET /v1/rollouts/{id}", a.auth(http.HandlerFunc(a.getRollout)))
	mux.Handle("POST /v1/rollouts/{id}/pause", a.auth(a.rolloutAction(a.Rollouts.Pause)))
	mux.Handle("POST /v1/rollouts/{id}/resume", a.auth(a.rolloutAction(a.Rollouts.Resume)))
	mux.Handle("POST /v1/rollouts/{id}/abort", a.auth(a.rolloutAction(a.Rollouts.Abort)))
}

// createRollout answers 201 with the rollout, 400 listing every problem of
// the request by field, 409 when the tier has an active rollout.
func (a *API) createRollout(w http.ResponseWriter, r *http.Request) {
	spec, err := rollout.Parse(http.MaxBytesReader(w, r.Body, maxRolloutBody))
	if err == nil {
		var ro store.Rollout
		if ro, err = a.Rollouts.Create(r.Context(), spec); err == nil {
			v, err := a.Rollouts.Get(r.Context(), ro.ID)
			if err != nil {
				a.fail(w, err)
				return
			}
			writeJSON(w, http.StatusCreated, v)
			return
		}
	}
	var inv *rollout.InvalidError
	switch {
	case errors.As(err, &inv):
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid rollout", "errors": inv.Errors})
	case errors.Is(err, store.ErrRolloutActive):
		writeJSON(w, http.StatusConflict, errBody(err.Error()))
	default:
		a.fail(w, err)
	}
}

func (a *API) listRollouts(w http.ResponseWriter, r *http.Request) {
	limit, err := pageLimit(r, defaultRunPage)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errBody(err.Error()))
		return
	}
	list, err := store.ListRollouts(r.Context(), a.Pool, r.URL.Query().Get("tier"), limit)
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"rollouts": nonNil(list)})
}

func rolloutID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errBody("rollout id must be a number"))
		return 0, false
	}
	return id, true
}

func (a *API) getRollout(w http.ResponseWriter, r *http.Request) {
	id, ok := rolloutID(w, r)
	if !ok {
		return
	}
	v, err := a.Rollouts.Get(r.Context(), id)
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// rolloutAction answers a pause, resume or abort: 200 with the rollout,
// 404 for none, 409 naming its state when that does not allow the action.
func (a *API) rolloutAction(act func(ctx context.Context, id int64) (store.Rollout, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := rolloutID(w, r)
		if !ok {
			return
		}
		ro, err := act(r.Context(), id)
		if errors.Is(err, store.ErrRolloutState) {
			if cur, gerr := store.GetRollout(r.Context(), a.Pool, id); gerr == nil {
				err = fmt.Errorf("rollout %d is %s: %w", id, cur.State, err)
			}
			writeJSON(w, http.StatusConflict, errBody(err.Error()))
			return
		}
		if err != nil {
			a.fail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, ro)
	})
}
