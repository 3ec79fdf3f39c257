package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// saveRevision stores files as a revision of tier for run runID and
// returns the revision id (here simply the hash of the file hashes).
func saveRevision(t *testing.T, pool *pgxpool.Pool, runID int64, tier string, files map[string][]byte) string {
	t.Helper()
	ctx := context.Background()
	rev := TemplateRevision{Tier: tier, ProviderVersion: "0.1.0", Files: map[string]string{}}
	h := sha256.New()
	for _, name := range slices.Sorted(maps.Keys(files)) {
		sum := sha256.Sum256(files[name])
		rev.Files[name] = hex.EncodeToString(sum[:])
		h.Write([]byte(name + rev.Files[name]))
	}
	rev.Revision = hex.EncodeToString(h.Sum(nil))
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	if err := SaveTemplateRevision(ctx, tx, rev, files); err != nil {
		t.Fatal(err)
	}
	if err := SetRunTemplateRevision(ctx, tx, runID, rev.Revision); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return rev.Revision
}

// Files are stored once by content, a revision loads back byte for byte,
// and pruning keeps every revision a tenant's last good run applied or an
// unfinished run renders, with their files, and nothing else.
func TestTemplateRevisionsAreKeptWhileNeeded(t *testing.T) {
	pool := migrated(t)
	ctx := context.Background()
	shared := []byte("terraform {}\n")
	var runs []int64
	for _, tn := range []string{"alpha", "bravo", "charlie"} {
		r, err := record(t, pool, "c-"+tn, "customer.created", tn)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r.RunID)
	}
	revA := saveRevision(t, pool, runs[0], "standard", map[string][]byte{"versions.tf": shared, "a.tf": []byte("# a\n")})
	revB := saveRevision(t, pool, runs[1], "standard", map[string][]byte{"versions.tf": shared, "b.tf": []byte("# b\n")})
	revC := saveRevision(t, pool, runs[2], "standard", map[string][]byte{"versions.tf": shared, "c.tf": []byte("# c\n")})
	var files int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM template_files`).Scan(&files)
	if files != 4 {
		t.Fatalf("%d files stored, want 4 (versions.tf once)", files)
	}
	rev, got, err := LoadTemplateRevision(ctx, pool, revB)
	if err != nil || rev.Tier != "standard" || string(got["b.tf"]) != "# b\n" || string(got["versions.tf"]) != string(shared) || len(got) != 2 {
		t.Fatalf("load: %+v %q %v", rev, got, err)
	}
	if run, _ := GetRun(ctx, pool, runs[1]); run.TemplateRevision != revB {
		t.Fatalf("run names %q, want %s", run.TemplateRevision, revB)
	}

	// alpha completed with A; bravo's run completed but the tenant was
	// rolled back; charlie's run still runs with C.
	if err := SetState(ctx, pool, runs[0], StateCompleted, ""); err != nil {
		t.Fatal(err)
	}
	if err := SetTenantStatus(ctx, pool, "alpha", "ACTIVE", 1, revA); err != nil {
		t.Fatal(err)
	}
	if err := SetState(ctx, pool, runs[1], StateRolledBack, "x"); err != nil {
		t.Fatal(err)
	}
	if err := SetState(ctx, pool, runs[2], StateApplying, ""); err != nil {
		t.Fatal(err)
	}
	nr, nf, err := PruneTemplates(ctx, pool)
	if err != nil || nr != 1 || nf != 1 {
		t.Fatalf("prune removed %d revisions, %d files (%v); want B and b.tf", nr, nf, err)
	}
	for _, keep := range []string{revA, revC} {
		if _, _, err := LoadTemplateRevision(ctx, pool, keep); err != nil {
			t.Errorf("%s pruned: %v", keep, err)
		}
	}
	if _, _, err := LoadTemplateRevision(ctx, pool, revB); !errors.Is(err, ErrTemplateGone) {
		t.Fatalf("B after prune: %v", err)
	}
	// The finished run still names its (pruned) revision: history.
	if run, _ := GetRun(ctx, pool, runs[1]); run.TemplateRevision != revB {
		t.Fatalf("finished run lost its revision: %q", run.TemplateRevision)
	}
	// Once charlie's run is over and alpha is deleted, nothing is needed.
	if err := SetState(ctx, pool, runs[2], StateRolledBack, "x"); err != nil {
		t.Fatal(err)
	}
	if err := SetTenantStatus(ctx, pool, "alpha", "DELETED", 0, ""); err != nil {
		t.Fatal(err)
	}
	if nr, nf, err := PruneTemplates(ctx, pool); err != nil || nr != 2 || nf != 3 {
		t.Fatalf("second prune: %d revisions, %d files (%v), want 2 and 3", nr, nf, err)
	}
	// A revision whose bytes do not match a hash is refused.
	tx, _ := pool.Begin(ctx)
	defer tx.Rollback(ctx) //nolint:errcheck
	bad := TemplateRevision{Revision: "r", Tier: "standard", Files: map[string]string{"x.tf": "00"}}
	if err := SaveTemplateRevision(ctx, tx, bad, map[string][]byte{"x.tf": []byte("x")}); err == nil {
		t.Fatal("a file that does not match its hash was stored")
	}
}
