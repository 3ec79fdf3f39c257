package store

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func saveCheck(t *testing.T, pool *pgxpool.Pool, tenant string, run int64, drifted bool, changes, errText string) (*DriftRecord, DriftRecord) {
	t.Helper()
	var prev *DriftRecord
	var cur DriftRecord
	err := pgx.BeginFunc(context.Background(), pool, func(tx pgx.Tx) (err error) {
		prev, cur, err = SaveDriftCheck(context.Background(), tx, tenant, run, drifted, json.RawMessage(changes), errText)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return prev, cur
}

// A tenant's drift record follows its checks: drifted_since is the first
// check that found drift, a failed check keeps the verdict before it, and
// a clean check clears it.
func TestDriftRecordFollowsChecks(t *testing.T) {
	pool := open(t)
	ctx := context.Background()
	if err := Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO tenants (id, tier, status, last_good_revision) VALUES ('acme', 'standard', 'ACTIVE', 1)`); err != nil {
		t.Fatal(err)
	}
	if _, err := GetDriftRecord(ctx, pool, "acme"); err != ErrNotFound {
		t.Fatalf("record before any check: %v", err)
	}
	prev, cur := saveCheck(t, pool, "acme", 1, false, `{"update":0}`, "")
	if prev != nil || cur.Drifted || cur.DriftedSince != nil || cur.Tier != "standard" {
		t.Fatalf("first clean check: prev %v cur %+v", prev, cur)
	}
	_, drifted := saveCheck(t, pool, "acme", 2, true, `{"update":1}`, "")
	if !drifted.Drifted || drifted.DriftedSince == nil || string(drifted.Changes) != `{"update": 1}` {
		t.Fatalf("drifted check: %+v %s", drifted, drifted.Changes)
	}
	_, still := saveCheck(t, pool, "acme", 3, true, `{"update":2}`, "")
	if !still.DriftedSince.Equal(*drifted.DriftedSince) {
		t.Errorf("drifted_since moved from %s to %s", drifted.DriftedSince, still.DriftedSince)
	}
	prev, failed := saveCheck(t, pool, "acme", 4, false, `{}`, "plan: connection refused")
	if prev == nil || prev.RunID != 3 || !failed.Drifted || failed.Error == "" || string(failed.Changes) != `{"update": 2}` || failed.RunID != 4 {
		t.Fatalf("failed check: prev %+v cur %+v", prev, failed)
	}
	_, clean := saveCheck(t, pool, "acme", 5, false, `{"update":0}`, "")
	if clean.Drifted || clean.DriftedSince != nil || clean.Error != "" {
		t.Fatalf("clean check after drift: %+v", clean)
	}
	if tiers, err := DriftByTier(ctx, pool); err != nil || len(tiers) != 1 || tiers[0].Checked != 1 || tiers[0].Drifted != 0 {
		t.Fatalf("by tier: %+v %v", tiers, err)
	}
}
