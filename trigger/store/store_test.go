package store

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantops/tenantops/internal/testenv"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopPostgres()
	os.Exit(code)
}

func open(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), testenv.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// t0 is when the test events occurred; at(n) is n minutes later.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }

func record(t *testing.T, pool *pgxpool.Pool, id, typ, tenant string) (RecordEventResult, error) {
	t.Helper()
	return recordEvent(t, pool, Event{EventID: id, EventType: typ, Tenant: tenant, Tier: "standard",
		BodySHA256: "x", ContentSHA256: "c-" + id, OccurredAt: nextTime(), Spec: []byte(`{}`)})
}

var clock = t0

// nextTime hands out increasing event times.
func nextTime() time.Time {
	clock = clock.Add(time.Second)
	return clock
}

func recordEvent(t *testing.T, pool *pgxpool.Pool, ev Event) (RecordEventResult, error) {
	t.Helper()
	ctx := context.Background()
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	res, err := RecordEvent(ctx, tx, ev, false)
	if err == nil {
		err = tx.Commit(ctx)
	}
	return res, err
}

func TestMigrateTwiceAndEventLifecycle(t *testing.T) {
	pool := open(t)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := Migrate(ctx, pool); err != nil {
			t.Fatalf("migrate #%d: %v", i+1, err)
		}
	}
	var tables int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name IN
		('events', 'tenant_specs', 'tenants', 'runs', 'run_steps', 'callbacks', 'river_job', 'states')`).Scan(&tables); err != nil || tables != 8 {
		t.Fatalf("tables: %d (%v)", tables, err)
	}

	if _, err := record(t, pool, "u0", "customer.updated", "acme"); !errors.Is(err, ErrNoTenant) {
		t.Fatalf("update of an unknown tenant: %v", err)
	}
	r1, err := record(t, pool, "c1", "customer.created", "acme")
	if err != nil || r1.Kind != KindOnboard || r1.Revision != 1 {
		t.Fatalf("created: %+v %v", r1, err)
	}
	dup, err := record(t, pool, "c1", "customer.created", "acme")
	if err != nil || !dup.Duplicate || dup.RunID != r1.RunID {
		t.Fatalf("duplicate: %+v %v", dup, err)
	}
	r2, err := record(t, pool, "c2", "customer.created", "acme")
	if err != nil || r2.Kind != KindUpdate || r2.Revision != 2 {
		t.Fatalf("created again for a live tenant is an update: %+v %v", r2, err)
	}
	if err := SetTenantStatus(ctx, pool, "acme", "DELETED", 0, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := record(t, pool, "u1", "customer.updated", "acme"); !errors.Is(err, ErrNoTenant) {
		t.Fatalf("update of a deleted tenant: %v", err)
	}
	r3, err := record(t, pool, "c3", "customer.created", "acme")
	if err != nil || r3.Kind != KindOnboard {
		t.Fatalf("created for a deleted tenant onboards again: %+v %v", r3, err)
	}
	run, err := GetRun(ctx, pool, r3.RunID)
	if err != nil || run.State != StatePending || run.Revision != r3.Revision {
		t.Fatalf("run %+v %v", run, err)
	}
	if err := SetState(ctx, pool, run.ID, StateFailed, "boom"); err != nil {
		t.Fatal(err)
	}
	if err := SetState(ctx, pool, run.ID, StateCompensating, ""); err != nil {
		t.Fatal(err)
	}
	if run, _ = GetRun(ctx, pool, run.ID); run.Error != "boom" || run.FinishedAt != nil {
		t.Fatalf("the error survives later states: %+v", run)
	}
	if err := SetState(ctx, pool, run.ID, StateCompleted, ""); err != nil {
		t.Fatal(err)
	}
	if run, _ = GetRun(ctx, pool, run.ID); run.Error != "" || run.FinishedAt == nil {
		t.Fatalf("COMPLETED clears the error and stamps the end: %+v", run)
	}
}
