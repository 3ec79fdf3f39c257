package store

import "context"

// StateWorkspaces returns the names of the Terraform workspaces the pg
// backend holds a state for (one per tenant that has run), read without
// any lock: the fleet plan never plans a tenant whose workspace is missing,
// since Terraform would create it.
func StateWorkspaces(ctx context.Context, db DB) (map[string]bool, error) {
	rows, err := db.Query(ctx, `SELECT name FROM terraform_remote_state.states`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		out[name] = true
	}
	return out, rows.Err()
}
