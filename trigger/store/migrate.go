package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// versionTable is where tern records the schema version (one row).
const versionTable = "tenantops_schema_version"

// legacyTable is where the trigger's own migration runner, before tern,
// recorded each migration it applied (one row per migration).
const legacyTable = "tenantops_migrations"

// migrateLock is the advisory key (migrateLock, 1) that lets several
// replicas start at once: one adopts a legacy record and migrates, the
// others then find nothing to do.
const migrateLock = 7261

// Migrate applies the trigger's numbered migrations (migrations/NNN_*.sql,
// through tern) and River's.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1, 1)`, migrateLock); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1, 1)`, migrateLock) //nolint:errcheck
	if err := adoptLegacy(ctx, conn.Conn()); err != nil {
		return fmt.Errorf("adopting %s: %w", legacyTable, err)
	}
	m, err := migrate.NewMigrator(ctx, conn.Conn(), versionTable)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	files, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		return err
	}
	if err := m.LoadMigrations(files); err != nil {
		return fmt.Errorf("loading migrations: %w", err)
	}
	if err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	rm, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return err
	}
	if _, err := rm.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return nil
}

// adoptLegacy starts tern's version table at the highest migration the old
// runner recorded, on a database that runner migrated, so that tern goes on
// from there instead of applying 001 again to existing tables. The legacy
// table stays, as a record. The old runner applied the files in order, one
// transaction each, so its highest version is also the count.
func adoptLegacy(ctx context.Context, conn *pgx.Conn) error {
	var legacy, adopted bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL, to_regclass($2) IS NOT NULL`,
		legacyTable, versionTable).Scan(&legacy, &adopted); err != nil {
		return err
	}
	if !legacy || adopted {
		return nil
	}
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TABLE `+versionTable+` (version int4 NOT NULL)`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO `+versionTable+` (version) SELECT coalesce(max(version), 0) FROM `+legacyTable)
		return err
	})
}
