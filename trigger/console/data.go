package console

import (
	"context"
	"encoding/json"
	"time"

	"github.com/tenantops/tenantops/trigger/store"
)

// tenantRow is a line of the tenants page: the tenant and its newest run.
type tenantRow struct {
	ID, Tier     string
	Status       store.TenantStatus
	Revision     int
	UpdatedAt    time.Time
	LastRunID    *int64
	LastRunState *string
	LastRunKind  *string
	LastRunAt    *time.Time
}

// tenantFilter is the tenants page's query: a search on the id, tier and
// status filters and the keyset cursor (the last id of the previous page).
type tenantFilter struct {
	Q, Tier, Status, After string
	Limit                  int
}

// listTenants answers one keyset page (Limit+1 rows tell whether another
// follows), by id: the primary key index serves every page alike.
func listTenants(ctx context.Context, db store.DB, f tenantFilter) ([]tenantRow, error) {
	// The page is cut first, then only its tenants look up their newest run.
	rows, err := db.Query(ctx, `SELECT t.id, t.tier, t.status, t.current_revision, t.updated_at, r.id, r.state, r.kind, r.created_at
		FROM (SELECT * FROM tenants
			WHERE id > $1 AND ($2 = '' OR strpos(id, lower($2)) > 0) AND ($3 = '' OR tier = $3) AND ($4 = '' OR status = $4)
			ORDER BY id LIMIT $5) t
		LEFT JOIN LATERAL (SELECT id, state, kind, created_at FROM runs WHERE tenant = t.id ORDER BY id DESC LIMIT 1) r ON true
		ORDER BY t.id`, f.After, f.Q, f.Tier, f.Status, f.Limit+1)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []tenantRow
	for rows.Next() {
		var t tenantRow
		if err := rows.Scan(&t.ID, &t.Tier, &t.Status, &t.Revision, &t.UpdatedAt, &t.LastRunID, &t.LastRunState,
			&t.LastRunKind, &t.LastRunAt); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// tiers lists the tiers tenants use, for the filter.
func tiers(ctx context.Context, db store.DB) ([]string, error) {
	rows, err := db.Query(ctx, `SELECT DISTINCT tier FROM tenants ORDER BY tier`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// specRevision is a line of a tenant's history: a spec revision, the
// event that brought it and the runs that rendered it with their template
// revisions.
type specRevision struct {
	Revision  int
	EventID   string
	CreatedAt time.Time
	Runs      []revisionRun
}

type revisionRun struct {
	ID               int64
	Kind, State      string
	TemplateRevision string
}

func specHistory(ctx context.Context, db store.DB, tenant string) ([]specRevision, error) {
	rows, err := db.Query(ctx, `SELECT s.revision, s.event_id, s.created_at,
		coalesce(json_agg(json_build_object('ID', r.id, 'Kind', r.kind, 'State', r.state, 'TemplateRevision', coalesce(r.template_revision, ''))
			ORDER BY r.id) FILTER (WHERE r.id IS NOT NULL), '[]')
		FROM tenant_specs s LEFT JOIN runs r ON r.tenant = s.tenant AND r.revision = s.revision
		WHERE s.tenant = $1 GROUP BY s.revision, s.event_id, s.created_at ORDER BY s.revision DESC LIMIT 50`, tenant)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []specRevision
	for rows.Next() {
		var s specRevision
		var runs []byte
		if err := rows.Scan(&s.Revision, &s.EventID, &s.CreatedAt, &runs); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(runs, &s.Runs); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// lastOutputs returns the outputs of the tenant's newest run that has
// them (already redacted by the runner when stored).
func lastOutputs(ctx context.Context, db store.DB, tenant string) (json.RawMessage, error) {
	var b json.RawMessage
	err := db.QueryRow(ctx, `SELECT coalesce((SELECT outputs FROM runs WHERE tenant = $1 AND outputs IS NOT NULL
		AND kind <> 'drift' ORDER BY id DESC LIMIT 1), 'null')`, tenant).Scan(&b)
	return b, err
}

// callbackState is a delivery of the run's outcome to the CRM.
type callbackState struct {
	ID          int64
	Attempts    int
	LastError   string
	CreatedAt   time.Time
	DeliveredAt *time.Time
}

func callbacks(ctx context.Context, db store.DB, runID int64) ([]callbackState, error) {
	rows, err := db.Query(ctx, `SELECT id, attempts, coalesce(last_error, ''), created_at, delivered_at
		FROM callbacks WHERE run_id = $1 ORDER BY id`, runID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []callbackState
	for rows.Next() {
		var c callbackState
		if err := rows.Scan(&c.ID, &c.Attempts, &c.LastError, &c.CreatedAt, &c.DeliveredAt); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// runsInState lists runs in one state, oldest first (the approvals queue).
func runsInState(ctx context.Context, db store.DB, state store.RunState, limit int) ([]store.Run, error) {
	var out []store.Run
	rows, err := db.Query(ctx, `SELECT id FROM runs WHERE state = $1 ORDER BY id LIMIT $2`, state, limit)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, id := range ids {
		r, err := store.GetRun(ctx, db, id)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
