package runner

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"
	"github.com/jackc/pgx/v5/pgxpool"
)

// LockClass is the first key of the per-tenant advisory lock
// pg_try_advisory_lock(LockClass, hashtext(tenant)). The two-int4 key space
// never collides with the single-bigint locks of Terraform's pg backend.
const LockClass = 7262

// ErrTenantBusy is TryLockTenant's answer when another session holds the
// tenant's lock: a worker is running one of its runs.
var ErrTenantBusy = errors.New("tenant busy")

// TryLockTenant takes the tenant's session advisory lock on conn without
// waiting. Workers hold it for a whole attempt at a run, so that runs of one
// tenant never overlap; the stale-job check takes it briefly to learn that
// no live worker holds it. The lock belongs to conn's session: unlock must
// run on the same connection, before conn goes back to its pool, and a
// session that dies releases it.
func TryLockTenant(ctx context.Context, conn *pgxpool.Conn, tenant string) (unlock func() error, err error) {
	var locked bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, hashtext($2))`, LockClass, tenant).Scan(&locked); err != nil {
		return nil, fmt.Errorf("tenant lock: %w", err)
	}
	if !locked {
		return nil, ErrTenantBusy
	}
	return func() error {
		// Unlock even when the caller's context is done: the session outlives it.
		_, err := conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1, hashtext($2))`, LockClass, tenant)
		return err
	}, nil
}

// workspaceCreateLockClass is the first key of the two-int4 advisory key (LockClass+1, 0) that
// serializes `terraform workspace new` across this replica's workers and
// other replicas.
const workspaceCreateLockClass = LockClass + 1

// pgCreationLocked matches the pg backend's answer when its global
// workspace-creation lock is held by another Terraform process.
var pgCreationLocked = regexp.MustCompile(`locked for workspace creation`)

// newWorkspace creates the tenant's Terraform workspace. The pg backend
// takes its global creation lock exactly once, without -lock-timeout
// (hashicorp/terraform#33217), and every other state lock touches that key
// briefly, so concurrent onboardings would fail at random. We serialize our
// own creations with an advisory lock and retry the remaining collisions
// until the lock timeout.
func (r *Runner) newWorkspace(ctx context.Context, tf *tfexec.Terraform, name string) error {
	if r.Cfg.LocalBackend || r.Pool == nil {
		// A local backend (plan-only runs) has no creation lock to share.
		return tf.WorkspaceNew(ctx, name, tfexec.LockTimeout(r.lockTimeout()))
	}
	conn, err := r.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1, 0)`, workspaceCreateLockClass); err != nil {
		return fmt.Errorf("workspace creation lock: %w", err)
	}
	defer func() {
		if _, err := conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1, 0)`, workspaceCreateLockClass); err != nil {
			r.Log.Warn("releasing the workspace creation lock", "error", err.Error())
		}
	}()
	deadline := time.Now().Add(r.Cfg.LockTimeout)
	wait := 50 * time.Millisecond
	for {
		err := tf.WorkspaceNew(ctx, name, tfexec.LockTimeout(r.lockTimeout()))
		if err == nil || !pgCreationLocked.MatchString(err.Error()) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		if wait < time.Second {
			wait *= 2
		}
	}
}
