package server

import (
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/tenantops/tenantops/trigger/callback"
	"github.com/tenantops/tenantops/trigger/drift"
	"github.com/tenantops/tenantops/trigger/metrics"
)

// driftConfig is the sweep's part of the configuration.
func (c *Config) driftConfig() drift.Config {
	return drift.Config{Interval: c.DriftInterval, Concurrency: c.DriftConcurrency, NotifyURL: c.DriftNotifyURL,
		NotifySecret: c.DriftNotifySecret, Remediate: c.DriftRemediate}
}

// addDriftWorkers registers the sweep, its checks and the delivery of its
// notifications (retried as CRM callbacks are, with their backoff).
func addDriftWorkers(workers *river.Workers, pool *pgxpool.Pool, cfg Config, log *slog.Logger, m *metrics.Metrics) {
	dc := cfg.driftConfig()
	log = log.With("component", "drift")
	river.AddWorker(workers, &drift.SweepWorker{Pool: pool, Cfg: dc, Log: log})
	river.AddWorker(workers, &drift.CheckWorker{Pool: pool, Cfg: dc, Log: log, Metrics: m})
	river.AddWorker(workers, &drift.NotifyWorker{Delivery: &callback.Worker{Pool: pool, Log: log, Cfg: callback.Config{
		URL: dc.NotifyURL, Secret: []byte(dc.NotifySecret), Timeout: 10 * time.Second,
		Backoff: cfg.CallbackBackoff, MaxBackoff: 10 * time.Minute, UserAgent: cfg.UserAgent(),
	}}})
}

// driftPeriodicJobs is the sweep's periodic job, none when it is disabled.
func driftPeriodicJobs(cfg Config) []*river.PeriodicJob {
	if pj := drift.PeriodicJob(cfg.driftConfig()); pj != nil {
		return []*river.PeriodicJob{pj}
	}
	return nil
}
