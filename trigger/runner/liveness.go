package runner

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// LivenessClass is the first key of the session advisory lock
// (LivenessClass, hashtext(River client id)) that a trigger process holds
// for as long as its River client may run jobs. River records in a job's
// attempted_by which client took it last; the stale-job check resumes a
// running job only when that client's lock is free, that is when its
// process, or the process's database session, is gone. The tenant lock
// alone cannot say so: a live worker that has not taken it yet (a slow
// start on a loaded machine) or has already released it (River records the
// job's completion a moment later) looks dead by it.
const LivenessClass = LockClass + 2

// HoldLiveness takes the liveness lock of River client id, waiting for it,
// and keeps it on a connection of its own until release is called. When
// that connection's session is lost (a database restart), it takes the lock
// again on a new one as soon as the database answers.
func HoldLiveness(ctx context.Context, pool *pgxpool.Pool, id string, log *slog.Logger) (release func(), err error) {
	conn, err := lockLiveness(ctx, pool, id)
	if err != nil {
		return nil, err
	}
	hctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-hctx.Done():
				if conn != nil {
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					_, _ = conn.Exec(ctx, `SELECT pg_advisory_unlock($1, hashtext($2))`, LivenessClass, id)
					cancel()
					conn.Release()
				}
				return
			case <-tick.C:
			}
			if conn != nil {
				if err := conn.Ping(hctx); err == nil || hctx.Err() != nil {
					continue
				}
				log.Warn("liveness lock lost with its database session; taking it again")
				conn.Release()
				conn = nil
			}
			c, err := lockLiveness(hctx, pool, id)
			if err == nil {
				conn = c
			}
		}
	}()
	return func() { stop(); <-done }, nil
}

func lockLiveness(ctx context.Context, pool *pgxpool.Pool, id string) (*pgxpool.Conn, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("liveness lock: %w", err)
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1, hashtext($2))`, LivenessClass, id); err != nil {
		conn.Release()
		return nil, fmt.Errorf("liveness lock: %w", err)
	}
	return conn, nil
}

// ClientAlive reports whether the process of River client id still holds
// its liveness lock. It must be asked on a connection other than the
// holder's (a session's own advisory locks are re-entrant).
func ClientAlive(ctx context.Context, conn *pgxpool.Conn, id string) (bool, error) {
	var free bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, hashtext($2))`, LivenessClass, id).Scan(&free); err != nil {
		return false, fmt.Errorf("liveness lock: %w", err)
	}
	if !free {
		return true, nil
	}
	_, err := conn.Exec(ctx, `SELECT pg_advisory_unlock($1, hashtext($2))`, LivenessClass, id)
	return false, err
}
