package store

import (
	"context"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantops/tenantops/internal/testenv"
)

// legacyMigrate is the trigger's own migration runner as it was before
// tern: each file once, recorded by number in tenantops_migrations.
func legacyMigrate(t *testing.T, ctx context.Context, pool *pgxpool.Pool, upTo int) {
	t.Helper()
	if _, err := pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS tenantops_migrations (
		version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	files, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	for _, f := range files {
		base := strings.TrimPrefix(f, "migrations/")
		num, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			t.Fatal(err)
		}
		if num > upTo {
			break
		}
		sql, _ := migrationFS.ReadFile(f)
		if _, err := pool.Exec(ctx, string(sql)); err != nil {
			t.Fatalf("legacy %s: %v", base, err)
		}
		if _, err := pool.Exec(ctx, `INSERT INTO tenantops_migrations (version, name) VALUES ($1, $2)`, num, base); err != nil {
			t.Fatal(err)
		}
	}
}

func schemaVersion(t *testing.T, ctx context.Context, pool *pgxpool.Pool) int {
	t.Helper()
	var v int
	if err := pool.QueryRow(ctx, `SELECT version FROM `+versionTable).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func migrationCount(t *testing.T) int {
	t.Helper()
	files, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	return len(files)
}

// TestMigrateAdoptsTheLegacyRunner: a database the old runner migrated
// fully keeps its rows, is not migrated again, and gets tern's version.
func TestMigrateAdoptsTheLegacyRunner(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, testenv.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	legacyMigrate(t, ctx, pool, migrationCount(t))
	if _, err := pool.Exec(ctx, `INSERT INTO tenants (id, tier) VALUES ('acme', 'standard')`); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := Migrate(ctx, pool); err != nil {
			t.Fatalf("Migrate on a legacy database: %v", err)
		}
	}
	if v := schemaVersion(t, ctx, pool); v != migrationCount(t) {
		t.Errorf("schema version %d, want %d", v, migrationCount(t))
	}
	if _, err := GetTenant(ctx, pool, "acme"); err != nil {
		t.Errorf("tenant written before the switch: %v", err)
	}
}

// TestMigrateFinishesAPartlyMigratedLegacyDatabase: a database the old
// runner left at 001 gets the rest from tern.
func TestMigrateFinishesAPartlyMigratedLegacyDatabase(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, testenv.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	legacyMigrate(t, ctx, pool, 1)
	if err := Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if v := schemaVersion(t, ctx, pool); v != migrationCount(t) {
		t.Errorf("schema version %d, want %d", v, migrationCount(t))
	}
	var tbl *string
	if err := pool.QueryRow(ctx, `SELECT to_regclass('template_revisions')::text`).Scan(&tbl); err != nil || tbl == nil {
		t.Errorf("002's table is missing after Migrate: %v", err)
	}
}

// TestMigrateFreshDatabase: tern alone builds the schema, and a second run
// (another replica starting) changes nothing.
func TestMigrateFreshDatabase(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, testenv.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	for range 2 {
		if err := Migrate(ctx, pool); err != nil {
			t.Fatal(err)
		}
	}
	if v := schemaVersion(t, ctx, pool); v != migrationCount(t) {
		t.Errorf("schema version %d, want %d", v, migrationCount(t))
	}
	var legacy *string
	if err := pool.QueryRow(ctx, `SELECT to_regclass('tenantops_migrations')::text`).Scan(&legacy); err != nil {
		t.Fatal(err)
	}
	if legacy != nil {
		t.Errorf("a fresh database got the legacy table %s", *legacy)
	}
}
