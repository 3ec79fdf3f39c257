package runner

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantops/tenantops/internal/testenv"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopPostgres()
	os.Exit(code)
}

// TestTryLockTenant: a second session is refused the tenant's lock while
// the first holds it, another tenant is free, and unlock frees it.
func TestTryLockTenant(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, testenv.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	acquire := func() *pgxpool.Conn {
		c, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Release)
		return c
	}
	first, second := acquire(), acquire()

	unlock, err := TryLockTenant(ctx, first, "acme")
	if err != nil {
		t.Fatalf("first lock: %v", err)
	}
	if _, err := TryLockTenant(ctx, second, "acme"); !errors.Is(err, ErrTenantBusy) {
		t.Fatalf("second session got %v, want ErrTenantBusy", err)
	}
	other, err := TryLockTenant(ctx, second, "globex")
	if err != nil {
		t.Fatalf("another tenant: %v", err)
	}
	if err := other(); err != nil {
		t.Fatal(err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	again, err := TryLockTenant(ctx, second, "acme")
	if err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	if err := again(); err != nil {
		t.Fatal(err)
	}
}
