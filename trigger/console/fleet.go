package console

import (
	"net/http"

	"github.com/tenantops/tenantops/trigger/store"
)

// rollouts lists the newest rollouts (GET /v1/rollouts has the same rows)
// with their state, wave and any halt reason.
func (c *Console) rollouts(w http.ResponseWriter, r *http.Request, s Session) {
	list, err := store.ListRollouts(r.Context(), c.Pool, r.URL.Query().Get("tier"), 100)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "rollouts", s, map[string]any{"Rollouts": list})
}

// drift shows what the drift sweep last found per tenant (drifted ones
// first, with the attributes that differ) and the latest drift checks.
func (c *Console) drift(w http.ResponseWriter, r *http.Request, s Session) {
	ctx := r.Context()
	records, err := store.ListDriftRecords(ctx, c.Pool)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	var drifted, failed []store.DriftRecord
	for _, d := range records {
		switch {
		case d.Drifted:
			drifted = append(drifted, d)
		case d.Error != "":
			failed = append(failed, d)
		}
	}
	rows, err := c.Pool.Query(ctx, `SELECT id FROM runs WHERE kind = 'drift' ORDER BY id DESC LIMIT 50`)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err == nil {
			ids = append(ids, id)
		}
	}
	rows.Close()
	var checks []store.Run
	for _, id := range ids {
		if run, err := store.GetRun(ctx, c.Pool, id); err == nil {
			checks = append(checks, run)
		}
	}
	c.render(w, r, http.StatusOK, "drift", s, map[string]any{"Records": len(records), "Drifted": drifted,
		"Failed": failed, "Checks": checks})
}
