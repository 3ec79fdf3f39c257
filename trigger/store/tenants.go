package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// Tenant is a row of tenants.
type Tenant struct {
	ID               string `json:"id"`
	Tier             string `json:"tier"`
	CurrentRevision  int    `json:"current_revision"`
	LastGoodRevision *int   `json:"last_good_revision"`
	// LastGoodTemplateRevision is the template revision the last good
	// revision was applied with (nil for a run from before revisions were
	// recorded: the templates on disk are used then).
	LastGoodTemplateRevision *string      `json:"last_good_template_revision"`
	Status                   TenantStatus `json:"status"`
	// LastEventAt and LastEventID name the newest event accepted for the
	// tenant; an older one is stale.
	LastEventAt *time.Time `json:"last_event_at,omitempty"`
	LastEventID string     `json:"last_event_id,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

const tenantCols = `id, tier, current_revision, last_good_revision, last_good_template_revision, status,
	last_event_at, coalesce(last_event_id, ''), created_at, updated_at`

func scanTenant(row pgx.Row) (Tenant, error) {
	var t Tenant
	err := row.Scan(&t.ID, &t.Tier, &t.CurrentRevision, &t.LastGoodRevision, &t.LastGoodTemplateRevision, &t.Status,
		&t.LastEventAt, &t.LastEventID, &t.CreatedAt, &t.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, ErrNotFound
	}
	return t, err
}

// Spec returns the spec JSON of a tenant revision.
func Spec(ctx context.Context, db DB, tenant string, revision int) (json.RawMessage, error) {
	var b json.RawMessage
	err := db.QueryRow(ctx, `SELECT spec FROM tenant_specs WHERE tenant = $1 AND revision = $2`, tenant, revision).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	return b, err
}

// GetTenant loads a tenant.
func GetTenant(ctx context.Context, db DB, id string) (Tenant, error) {
	return scanTenant(db.QueryRow(ctx, `SELECT `+tenantCols+` FROM tenants WHERE id = $1`, id))
}

// ListTenants lists every tenant by id.
func ListTenants(ctx context.Context, db DB) ([]Tenant, error) {
	return ListTenantsPage(ctx, db, "", 0)
}

// ListTenantsPage lists up to limit tenants (0: all) whose ids sort after
// after, by id: a keyset page, as cheap at the end of the list as at its
// start.
func ListTenantsPage(ctx context.Context, db DB, after string, limit int) ([]Tenant, error) {
	rows, err := db.Query(ctx, `SELECT `+tenantCols+` FROM tenants WHERE id > $1 ORDER BY id LIMIT nullif($2, 0)`, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Tenant
	for rows.Next() {
		t, err := scanTenant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// SetTenantStatus sets a tenant's status; goodRevision > 0 also records the
// last revision that applied cleanly, with the template revision it was
// applied with (goodTemplate, "" when none was recorded).
func SetTenantStatus(ctx context.Context, db DB, id string, status TenantStatus, goodRevision int, goodTemplate string) error {
	_, err := db.Exec(ctx, `UPDATE tenants SET status = $2, updated_at = now(),
		last_good_revision = CASE WHEN $2 IN ('DELETED', 'ROLLED_BACK') THEN NULL
			WHEN $3 > 0 THEN $3 ELSE last_good_revision END,
		last_good_template_revision = CASE WHEN $2 IN ('DELETED', 'ROLLED_BACK') THEN NULL
			WHEN $3 > 0 THEN nullif($4, '') ELSE last_good_template_revision END
		WHERE id = $1`, id, status, goodRevision, goodTemplate)
	return err
}

// SetDriftStatus records a drift check's verdict on a tenant that is live
// and healthy (other statuses need an operator and are kept).
func SetDriftStatus(ctx context.Context, db DB, id string, drifted bool) error {
	status := TenantActive
	if drifted {
		status = TenantDrifted
	}
	_, err := db.Exec(ctx, `UPDATE tenants SET status = $2, updated_at = now() WHERE id = $1 AND status IN ('ACTIVE', 'DRIFTED')`,
		id, status)
	return err
}
