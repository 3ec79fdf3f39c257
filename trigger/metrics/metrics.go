// Package metrics holds the trigger's Prometheus collectors: run outcomes
// and durations observed by the runner, drift checks, and gauges read from
// the database at scrape time (runs by state, queue depth, callback
// backlog, drifted tenants by tier).
package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/tenantops/tenantops/trigger/store"
)

// Metrics is one set of collectors, registered on its own registry.
type Metrics struct {
	Registry     *prometheus.Registry
	RunsFinished *prometheus.CounterVec
	RunDuration  *prometheus.HistogramVec
	Callbacks    *prometheus.CounterVec
	drift        driftCounters
}

// New registers the collectors; db feeds the gauges (may be nil).
func New(db store.DB) *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		RunsFinished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tenantops_trigger_runs_finished_total", Help: "Runs that reached a final state, by kind and state.",
		}, []string{"kind", "state"}),
		RunDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tenantops_trigger_run_duration_seconds", Help: "Wall time from a run's start to its final state.",
			Buckets: []float64{1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600},
		}, []string{"kind", "state"}),
		Callbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tenantops_trigger_callback_attempts_total", Help: "CRM callback delivery attempts, by result.",
		}, []string{"result"}),
	}
	m.drift = newDriftCounters()
	m.Registry.MustRegister(m.RunsFinished, m.RunDuration, m.Callbacks, m.drift.checks, m.drift.failures, m.drift.skipped,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if db != nil {
		m.Registry.MustRegister(&dbCollector{db: db}, &driftCollector{db: db})
	}
	return m
}

// Finished records a run reaching a final state.
func (m *Metrics) Finished(kind, state string, d time.Duration) {
	if m == nil {
		return
	}
	m.RunsFinished.WithLabelValues(kind, state).Inc()
	m.RunDuration.WithLabelValues(kind, state).Observe(d.Seconds())
}

// Callback records a delivery attempt.
func (m *Metrics) Callback(ok bool) {
	if m == nil {
		return
	}
	r := "failed"
	if ok {
		r = "delivered"
	}
	m.Callbacks.WithLabelValues(r).Inc()
}

var (
	runsDesc     = prometheus.NewDesc("tenantops_trigger_runs", "Runs currently recorded, by state.", []string{"state"}, nil)
	queueDesc    = prometheus.NewDesc("tenantops_trigger_queue_depth", "River jobs waiting or running.", nil, nil)
	backlogDesc  = prometheus.NewDesc("tenantops_trigger_callback_backlog", "CRM callbacks not yet delivered.", nil, nil)
	scrapeFailed = prometheus.NewDesc("tenantops_trigger_db_scrape_error", "1 when reading the gauges from PostgreSQL failed.", nil, nil)
)

type dbCollector struct{ db store.DB }

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- runsDesc
	ch <- queueDesc
	ch <- backlogDesc
	ch <- scrapeFailed
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	g, err := store.ReadGauges(ctx, c.db)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(scrapeFailed, prometheus.GaugeValue, 1)
		return
	}
	ch <- prometheus.MustNewConstMetric(scrapeFailed, prometheus.GaugeValue, 0)
	for _, s := range store.AllStates {
		ch <- prometheus.MustNewConstMetric(runsDesc, prometheus.GaugeValue, float64(g.RunsByState[s]), string(s))
	}
	ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(g.QueueDepth))
	ch <- prometheus.MustNewConstMetric(backlogDesc, prometheus.GaugeValue, float64(g.CallbackBacklog))
}
