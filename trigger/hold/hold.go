// Package hold carries out held deletions: a customer.deleted suspends the
// tenant at once and is held for the tier's retention period (the tenant
// can be reactivated meanwhile, or an operator can bring the destroy
// forward or cancel it); when the hold expires, DestroyWorker starts the
// offboarding run the deletion was held for.
package hold

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/tenantops/tenantops/trigger/runner"
	"github.com/tenantops/tenantops/trigger/store"
)

// DefaultRetention is how long a deletion is held when the configuration
// names no other period: 30 days.
const DefaultRetention = 30 * 24 * time.Hour

// Retention is the hold of a deletion by tier, with a default for the
// tiers it does not name; 0 offboards at once.
type Retention struct {
	Default time.Duration
	Tiers   map[string]time.Duration
}

// For is the retention period of tier.
func (r Retention) For(tier string) time.Duration {
	if d, ok := r.Tiers[tier]; ok {
		return d
	}
	return r.Default
}

// ParseTiers reads "tier=duration" pairs, comma-separated
// ("standard=720h,premium-dr=2160h").
func ParseTiers(s string) (map[string]time.Duration, error) {
	out := map[string]time.Duration{}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		tier, v, ok := strings.Cut(pair, "=")
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if !ok || strings.TrimSpace(tier) == "" || err != nil || d < 0 {
			return nil, fmt.Errorf("%q: want tier=duration, e.g. standard=720h", pair)
		}
		out[strings.TrimSpace(tier)] = d
	}
	return out, nil
}

// DestroyArgs is the job that destroys a tenant when its hold expires.
type DestroyArgs struct {
	Tenant string `json:"tenant"`
}

// Kind implements river.JobArgs.
func (DestroyArgs) Kind() string { return "tenantops_held_destroy" }

// InsertOpts puts held destroys on the runs queue.
func (DestroyArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: "runs", MaxAttempts: 25}
}

// Schedule enqueues, in tx, the destroy of a hold at its time.
func Schedule(ctx context.Context, tx pgx.Tx, client *river.Client[pgx.Tx], h store.Hold) error {
	opts := DestroyArgs{}.InsertOpts()
	opts.ScheduledAt = h.DestroyAt
	_, err := client.InsertTx(ctx, tx, DestroyArgs{Tenant: h.Tenant}, &opts)
	return err
}

// DestroyWorker starts the offboarding of a tenant whose hold expired. A
// hold cancelled, or brought forward and carried out already, makes the
// job a no-op; so does one not due yet (its own job comes later).
type DestroyWorker struct {
	river.WorkerDefaults[DestroyArgs]
	Pool *pgxpool.Pool
	Log  *slog.Logger
}

// Work starts the offboarding run and its job in one transaction.
func (w *DestroyWorker) Work(ctx context.Context, job *river.Job[DestroyArgs]) error {
	tx, err := w.Pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck
	run, err := store.StartHeldDestroy(ctx, tx, job.Args.Tenant)
	if err != nil || run == 0 {
		return err
	}
	if _, err := river.ClientFromContext[pgx.Tx](ctx).InsertTx(ctx, tx, runner.Args{RunID: run}, nil); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	w.Log.Info("hold expired: offboarding", "tenant", job.Args.Tenant, "run", run)
	return nil
}

// ErrNoHold is returned for a tenant without a running hold.
var ErrNoHold = errors.New("the tenant has no offboarding hold in force")

// Service is what operators do to holds (the API).
type Service struct {
	Pool  *pgxpool.Pool
	River *river.Client[pgx.Tx]
}

// Shorten brings the destroy forward to at (at the earliest now).
func (s *Service) Shorten(ctx context.Context, tenant string, at time.Time) (store.Hold, error) {
	if now := time.Now(); at.Before(now) {
		at = now
	}
	tx, err := s.Pool.Begin(ctx)
	if err != nil {
		return store.Hold{}, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck
	h, err := store.ShortenHold(ctx, tx, tenant, at)
	if errors.Is(err, store.ErrNotFound) {
		return h, ErrNoHold
	}
	if err != nil {
		return h, err
	}
	// The job scheduled for the old time finds the hold carried out.
	if err := Schedule(ctx, tx, s.River, h); err != nil {
		return h, err
	}
	return h, tx.Commit(ctx)
}

// Cancel cancels the destroy: the tenant stays suspended until a
// customer.reactivated (or a new customer.deleted holds it again).
func (s *Service) Cancel(ctx context.Context, tenant, reason string) (store.Hold, error) {
	ok, err := store.CancelHold(ctx, s.Pool, tenant, reason)
	if err != nil {
		return store.Hold{}, err
	}
	if !ok {
		return store.Hold{}, ErrNoHold
	}
	return store.GetHold(ctx, s.Pool, tenant)
}
