package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tenantops/tenantops/trigger/store"
)

// driftCounters are the drift checks this replica recorded.
type driftCounters struct {
	checks   *prometheus.CounterVec
	failures *prometheus.CounterVec
	skipped  *prometheus.CounterVec
}

func newDriftCounters() driftCounters {
	return driftCounters{
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tenantops_trigger_drift_checks_total",
			Help: "Drift checks recorded, by tier and result (clean, drifted, failed).",
		}, []string{"tier", "result"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tenantops_trigger_drift_check_failures_total",
			Help: "Drift checks that could not plan, by tier.",
		}, []string{"tier"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tenantops_trigger_drift_checks_skipped_total",
			Help: "Scheduled drift checks skipped because the tenant had a run in progress all along, by tier.",
		}, []string{"tier"}),
	}
}

// DriftChecked counts a recorded drift check.
func (m *Metrics) DriftChecked(tier, result string) {
	if m == nil {
		return
	}
	m.drift.checks.WithLabelValues(tier, result).Inc()
	if result == "failed" {
		m.drift.failures.WithLabelValues(tier).Inc()
	}
}

// DriftSkipped counts a scheduled check skipped for a busy tenant.
func (m *Metrics) DriftSkipped(tier string) {
	if m == nil {
		return
	}
	m.drift.skipped.WithLabelValues(tier).Inc()
}

var (
	driftedDesc = prometheus.NewDesc("tenantops_trigger_drift_tenants_drifted",
		"Live tenants whose latest drift check found drift, by tier.", []string{"tier"}, nil)
	driftFailedDesc = prometheus.NewDesc("tenantops_trigger_drift_tenants_check_failed",
		"Live tenants whose latest drift check could not plan, by tier.", []string{"tier"}, nil)
	driftLastDesc = prometheus.NewDesc("tenantops_trigger_drift_last_check_timestamp_seconds",
		"Unix time of the newest drift check of a tenant of the tier.", []string{"tier"}, nil)
)

// driftCollector reads the drift gauges from the tenants' drift records
// at scrape time, so every replica reports the fleet's state.
type driftCollector struct{ db store.DB }

func (c *driftCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- driftedDesc
	ch <- driftFailedDesc
	ch <- driftLastDesc
}

func (c *driftCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	tiers, err := store.DriftByTier(ctx, c.db)
	if err != nil {
		// dbCollector reports the database as unreadable.
		return
	}
	for _, t := range tiers {
		ch <- prometheus.MustNewConstMetric(driftedDesc, prometheus.GaugeValue, float64(t.Drifted), t.Tier)
		ch <- prometheus.MustNewConstMetric(driftFailedDesc, prometheus.GaugeValue, float64(t.Failed), t.Tier)
		if t.LastCheck != nil {
			ch <- prometheus.MustNewConstMetric(driftLastDesc, prometheus.GaugeValue, float64(t.LastCheck.UnixNano())/1e9, t.Tier)
		}
	}
}
