package console

import (
	"net/http"

	"github.com/tenantops/tenantops/trigger/store"
)

// The rollout and drift-sweep tables come with the fleet work. Until a
// database has them these pages say that nothing is there; the seam for
// that work is fleetTable: once its migration lands, the page lists its
// rows.

// fleetTables are the tables each page reads once it exists.
var fleetTables = map[string]string{"rollouts": "rollouts", "drift": "drift_sweeps"}

// fleetTable reports whether a page's table exists yet.
func (c *Console) fleetTable(r *http.Request, pageName string) (bool, error) {
	return tableExists(r.Context(), c.Pool, fleetTables[pageName])
}

func (c *Console) rollouts(w http.ResponseWriter, r *http.Request, s Session) {
	ok, err := c.fleetTable(r, "rollouts")
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "rollouts", s, map[string]any{"Available": ok})
}

// drift lists the tenants a drift check found drifted and the latest drift
// checks (runs of kind drift); sweeps appear once their table exists.
func (c *Console) drift(w http.ResponseWriter, r *http.Request, s Session) {
	ctx := r.Context()
	sweeps, err := c.fleetTable(r, "drift")
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	drifted, err := listTenants(ctx, c.Pool, tenantFilter{Status: string(store.TenantDrifted), Limit: 200})
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	rows, err := c.Pool.Query(ctx, `SELECT id FROM runs WHERE kind = 'drift' ORDER BY id DESC LIMIT 50`)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	var checks []store.Run
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err == nil {
			ids = append(ids, id)
		}
	}
	rows.Close()
	for _, id := range ids {
		if run, err := store.GetRun(ctx, c.Pool, id); err == nil {
			checks = append(checks, run)
		}
	}
	c.render(w, r, http.StatusOK, "drift", s, map[string]any{"Sweeps": sweeps, "Drifted": drifted, "Checks": checks})
}
