package server

import (
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/tenantops/tenantops/trigger/usage"
)

// UsageIntervalEffective is the period of the usage reports: none without
// a CRM callback URL to send them to.
func (c Config) UsageIntervalEffective() time.Duration {
	if c.CallbackURL == "" {
		return 0
	}
	return c.UsageInterval
}

// addUsage registers the usage sweep's worker and returns its periodic
// job (nil when reports are off).
func addUsage(workers *river.Workers, pool *pgxpool.Pool, cfg Config, log *slog.Logger) *river.PeriodicJob {
	river.AddWorker(workers, &usage.Worker{Pool: pool, Interval: cfg.UsageIntervalEffective(), Source: usage.NewSource(cfg.ProviderEnv, cfg.UserAgent()),
		Log: log.With("component", "usage")})
	return usage.PeriodicJob(cfg.UsageIntervalEffective())
}
