package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// DriftRecord is what a tenant's latest drift check found. Changes is the
// plan's summary (addresses, actions and the names of the attributes that
// differ, never their values). A check that could not plan sets Error and
// keeps the verdict of the check before it.
type DriftRecord struct {
	Tenant         string          `json:"tenant"`
	Tier           string          `json:"tier"`
	RunID          int64           `json:"run_id"`
	CheckedAt      time.Time       `json:"checked_at"`
	Drifted        bool            `json:"drifted"`
	DriftedSince   *time.Time      `json:"drifted_since,omitempty"`
	Changes        json.RawMessage `json:"changes"`
	Error          string          `json:"error,omitempty"`
	RemediationRun *int64          `json:"remediation_run,omitempty"`
}

const driftCols = `d.tenant, t.tier, d.run_id, d.checked_at, d.drifted, d.drifted_since, d.changes,
	coalesce(d.error, ''), d.remediation_run`

func scanDrift(row pgx.Row) (DriftRecord, error) {
	var d DriftRecord
	err := row.Scan(&d.Tenant, &d.Tier, &d.RunID, &d.CheckedAt, &d.Drifted, &d.DriftedSince, &d.Changes, &d.Error, &d.RemediationRun)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, ErrNotFound
	}
	return d, err
}

// GetDriftRecord loads a tenant's drift record (ErrNotFound before its
// first check).
func GetDriftRecord(ctx context.Context, db DB, tenant string) (DriftRecord, error) {
	return scanDrift(db.QueryRow(ctx, `SELECT `+driftCols+` FROM drift_records d JOIN tenants t ON t.id = d.tenant
		WHERE d.tenant = $1`, tenant))
}

// ListDriftRecords lists the records of the tenants that drifted or whose
// last check failed, by tenant.
func ListDriftRecords(ctx context.Context, db DB) ([]DriftRecord, error) {
	rows, err := db.Query(ctx, `SELECT `+driftCols+` FROM drift_records d JOIN tenants t ON t.id = d.tenant
		WHERE (d.drifted OR d.error IS NOT NULL) AND t.status IN ('ACTIVE', 'DRIFTED') ORDER BY d.tenant`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DriftRecord
	for rows.Next() {
		d, err := scanDrift(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// SaveDriftCheck records a finished drift check of tenant by run: its
// verdict and changes, or errText when it could not plan (the verdict
// then stays). It returns the record before (nil for a first check) and
// after.
func SaveDriftCheck(ctx context.Context, tx pgx.Tx, tenant string, runID int64, drifted bool, changes any,
	errText string) (*DriftRecord, DriftRecord, error) {
	prev, err := scanDrift(tx.QueryRow(ctx, `SELECT `+driftCols+` FROM drift_records d JOIN tenants t ON t.id = d.tenant
		WHERE d.tenant = $1 FOR UPDATE OF d`, tenant))
	var before *DriftRecord
	switch {
	case err == nil:
		before = &prev
	case !errors.Is(err, ErrNotFound):
		return nil, DriftRecord{}, err
	}
	b, err := json.Marshal(changes)
	if err != nil {
		return nil, DriftRecord{}, err
	}
	failed := errText != ""
	_, err = tx.Exec(ctx, `INSERT INTO drift_records AS d (tenant, run_id, checked_at, drifted, drifted_since, changes, error)
		VALUES ($1, $2, now(), $3 AND NOT $6, CASE WHEN $3 AND NOT $6 THEN now() END, $4, nullif($5, ''))
		ON CONFLICT (tenant) DO UPDATE SET run_id = $2, checked_at = now(), error = nullif($5, ''),
			drifted = CASE WHEN $6 THEN d.drifted ELSE $3 END,
			changes = CASE WHEN $6 THEN d.changes ELSE $4 END,
			drifted_since = CASE WHEN $6 THEN d.drifted_since WHEN NOT $3 THEN NULL
				ELSE coalesce(d.drifted_since, now()) END`, tenant, runID, drifted, b, errText, failed)
	if err != nil {
		return nil, DriftRecord{}, err
	}
	after, err := scanDrift(tx.QueryRow(ctx, `SELECT `+driftCols+` FROM drift_records d JOIN tenants t ON t.id = d.tenant
		WHERE d.tenant = $1`, tenant))
	return before, after, err
}

// CreateRemediation adds the run that puts a drifted tenant back in line:
// an update of its last good revision with that revision's templates,
// stopping for an approval when its plan destroys or replaces anything,
// and names it on the tenant's drift record.
func CreateRemediation(ctx context.Context, db DB, tenant string, driftRun int64) (int64, error) {
	var id int64
	err := db.QueryRow(ctx, `INSERT INTO runs (tenant, kind, state, revision, template_revision, remediation_of, approve_destructive)
		SELECT id, $2, $3, last_good_revision, last_good_template_revision, $4, true
		FROM tenants WHERE id = $1 AND last_good_revision IS NOT NULL RETURNING id`,
		tenant, KindUpdate, StatePending, driftRun).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	_, err = db.Exec(ctx, `UPDATE drift_records SET remediation_run = $2 WHERE tenant = $1`, tenant, id)
	return id, err
}

// SetApprovalRequired makes a run wait for an approval it did not ask for
// when it was created (a remediation whose plan is destructive).
func SetApprovalRequired(ctx context.Context, db DB, id int64) error {
	_, err := db.Exec(ctx, `UPDATE runs SET approval_required = true, updated_at = now() WHERE id = $1`, id)
	return err
}

// SweepTenant is a tenant the drift sweep checks, with when it was last
// checked (nil: never).
type SweepTenant struct {
	ID        string
	Tier      string
	CheckedAt *time.Time
}

// SweepTenants lists the live tenants (ACTIVE or DRIFTED, with a revision
// that applied cleanly), by id.
func SweepTenants(ctx context.Context, db DB) ([]SweepTenant, error) {
	rows, err := db.Query(ctx, `SELECT t.id, t.tier, d.checked_at FROM tenants t LEFT JOIN drift_records d ON d.tenant = t.id
		WHERE t.status IN ('ACTIVE', 'DRIFTED') AND t.last_good_revision IS NOT NULL ORDER BY t.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SweepTenant
	for rows.Next() {
		var s SweepTenant
		if err := rows.Scan(&s.ID, &s.Tier, &s.CheckedAt); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// LockTenant locks the tenant's row until tx ends: whoever adds a run of
// the tenant after looking at its runs takes it first.
func LockTenant(ctx context.Context, tx pgx.Tx, tenant string) error {
	var id string
	err := tx.QueryRow(ctx, `SELECT id FROM tenants WHERE id = $1 FOR UPDATE`, tenant).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// UnfinishedRun returns the id of a run of tenant that has not finished
// (0 when none): the tenant is busy.
func UnfinishedRun(ctx context.Context, db DB, tenant string) (int64, error) {
	var id int64
	err := db.QueryRow(ctx, `SELECT id FROM runs WHERE tenant = $1 AND `+unfinished("")+` ORDER BY id LIMIT 1`, tenant).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// DriftTier counts the live tenants of one tier by what their drift
// records say.
type DriftTier struct {
	Tier      string     `json:"tier"`
	Tenants   int        `json:"tenants"`
	Checked   int        `json:"checked"`
	Drifted   int        `json:"drifted"`
	Failed    int        `json:"failed"`
	LastCheck *time.Time `json:"last_check_at,omitempty"`
}

// DriftByTier counts, per tier, the live tenants, those checked, drifted,
// whose last check failed, and the time of the newest check.
func DriftByTier(ctx context.Context, db DB) ([]DriftTier, error) {
	rows, err := db.Query(ctx, `SELECT t.tier, count(*), count(d.tenant), count(*) FILTER (WHERE d.drifted),
		count(*) FILTER (WHERE d.error IS NOT NULL), max(d.checked_at)
		FROM tenants t LEFT JOIN drift_records d ON d.tenant = t.id
		WHERE t.status IN ('ACTIVE', 'DRIFTED') AND t.last_good_revision IS NOT NULL GROUP BY t.tier ORDER BY t.tier`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DriftTier
	for rows.Next() {
		var d DriftTier
		if err := rows.Scan(&d.Tier, &d.Tenants, &d.Checked, &d.Drifted, &d.Failed, &d.LastCheck); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
