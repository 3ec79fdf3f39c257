package store

import (
	"context"
	"errors"
)

// Reject ends a run waiting for approval as REJECTED, with reason as its
// error, and records what that leaves of the tenant: a rejected onboarding
// built nothing (REJECTED, so a later creation onboards afresh); a
// rejected update or offboarding leaves the tenant as it was. It returns
// ErrNotFound for an unknown run and ErrNotAwaitingApproval for a run in
// another state. Call it in the transaction that also enqueues the CRM's
// callback.
func Reject(ctx context.Context, db DB, id int64, reason string) (Run, error) {
	r, err := scanRun(db.QueryRow(ctx, `UPDATE runs SET state = $2, error = $4, updated_at = now(), finished_at = now()
		WHERE id = $1 AND state = $3 RETURNING `+runCols, id, StateRejected, StateAwaitingApproval, reason))
	if errors.Is(err, ErrNotFound) {
		if _, gerr := GetRun(ctx, db, id); gerr == nil {
			return r, ErrNotAwaitingApproval
		} else if !errors.Is(gerr, ErrNotFound) {
			return r, gerr
		}
	}
	if err != nil {
		return r, err
	}
	if r.Kind == KindOnboard {
		err = SetTenantStatus(ctx, db, r.Tenant, TenantRejected, 0, "")
	}
	return r, err
}
