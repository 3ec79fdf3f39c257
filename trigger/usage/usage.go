// Package usage reports every live tenant's usage to the CRM once per
// period, as a signed tenant.usage callback through the callbacks outbox:
// the compute and storage its org VDC has allocated and uses (Cloud
// Director), the VMs its DR protects (Zerto) and its admin count. A report
// is keyed usage:<tenant>:<period start>, so a period is reported once per
// tenant however often the sweep runs, and the CRM can dedupe on the key.
package usage

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/tenantops/tenantops/trigger/callback"
	"github.com/tenantops/tenantops/trigger/store"
)

// Type is the report's type field.
const Type = "tenant.usage"

// Report is one tenant's usage in one period (a snapshot taken when the
// sweep runs in it).
type Report struct {
	Type        string    `json:"type"`
	ReportID    string    `json:"report_id"`
	Tenant      string    `json:"tenant"`
	Tier        string    `json:"tier"`
	Status      string    `json:"status"`
	PeriodStart time.Time `json:"period_start"`
	PeriodEnd   time.Time `json:"period_end"`
	MeasuredAt  time.Time `json:"measured_at"`
	CPU         Resource  `json:"cpu_mhz"`
	Memory      Resource  `json:"memory_mb"`
	Storage     Resource  `json:"storage_mb"`
	// ProtectedVMs is absent for a tenant without DR.
	ProtectedVMs *int `json:"protected_vms,omitempty"`
	Admins       int  `json:"admins"`
}

// Resource is one resource's allocation (guaranteed to the tenant), limit
// (0: unlimited) and use.
type Resource struct {
	Allocated int64 `json:"allocated"`
	Limit     int64 `json:"limit"`
	Used      int64 `json:"used"`
}

// Source reads usage from the backends, by the ids a tenant's Terraform
// outputs name (org_id, vdc_id, vpg_id).
type Source interface {
	VDCUsage(ctx context.Context, orgID, vdcID string) (cpu, mem, storage Resource, err error)
	ProtectedVMs(ctx context.Context, vpgID string) (int, error)
}

// SweepArgs is the periodic job that reports the period it runs in.
type SweepArgs struct{}

// Kind implements river.JobArgs.
func (SweepArgs) Kind() string { return "tenantops_usage_sweep" }

// InsertOpts: a sweep missed is replaced by the next one.
func (SweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: "callbacks", MaxAttempts: 1}
}

// PeriodicJob is the sweep as River's leader inserts it: at start, then
// every interval; nil when interval is 0 (no reports).
func PeriodicJob(interval time.Duration) *river.PeriodicJob {
	if interval <= 0 {
		return nil
	}
	return river.NewPeriodicJob(river.PeriodicInterval(interval), func() (river.JobArgs, *river.InsertOpts) {
		return SweepArgs{}, nil
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

// Worker writes each live tenant's report of the current period to the
// outbox, with its delivery job, unless the period's report is there.
type Worker struct {
	river.WorkerDefaults[SweepArgs]
	Pool     *pgxpool.Pool
	Interval time.Duration
	Source   Source
	Log      *slog.Logger
}

// Period is the period t falls in: interval-long windows aligned on the
// Unix epoch (UTC midnights for a day).
func Period(t time.Time, interval time.Duration) (start, end time.Time) {
	start = t.UTC().Truncate(interval)
	return start, start.Add(interval)
}

// Work reports every live tenant; a tenant whose backends do not answer is
// left for the next sweep of the period, the others go out.
func (w *Worker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	if w.Interval <= 0 {
		return nil
	}
	now := time.Now().UTC()
	start, end := Period(now, w.Interval)
	tenants, err := store.LiveTenantOutputs(ctx, w.Pool)
	if err != nil {
		return err
	}
	client := river.ClientFromContext[pgx.Tx](ctx)
	sent, failed := 0, 0
	for _, t := range tenants {
		rep, err := w.report(ctx, t, start, end, now)
		if err != nil {
			failed++
			w.Log.Warn("usage not measured", "tenant", t.Tenant, "error", err.Error())
			continue
		}
		ok, err := w.enqueue(ctx, client, rep)
		if err != nil {
			return err
		}
		if ok {
			sent++
		}
	}
	w.Log.Info("usage reported", "period_start", start, "tenants", len(tenants), "new_reports", sent, "failed", failed)
	return nil
}

func (w *Worker) report(ctx context.Context, t store.TenantOutputs, start, end, now time.Time) (Report, error) {
	rep := Report{Type: Type, ReportID: fmt.Sprintf("usage:%s:%s", t.Tenant, start.Format(time.RFC3339)), Tenant: t.Tenant,
		Tier: t.Tier, Status: string(t.Status), PeriodStart: start, PeriodEnd: end, MeasuredAt: now, Admins: t.Admins}
	orgID, _ := t.Outputs["org_id"].(string)
	vdcID, _ := t.Outputs["vdc_id"].(string)
	if orgID == "" || vdcID == "" {
		return rep, fmt.Errorf("its last run's outputs name no org_id and vdc_id")
	}
	var err error
	if rep.CPU, rep.Memory, rep.Storage, err = w.Source.VDCUsage(ctx, orgID, vdcID); err != nil {
		return rep, fmt.Errorf("reading the VDC from Cloud Director: %w", err)
	}
	if vpg, _ := t.Outputs["vpg_id"].(string); vpg != "" {
		n, err := w.Source.ProtectedVMs(ctx, vpg)
		if err != nil {
			return rep, fmt.Errorf("reading the VPG from Zerto: %w", err)
		}
		rep.ProtectedVMs = &n
	}
	return rep, nil
}

func (w *Worker) enqueue(ctx context.Context, client *river.Client[pgx.Tx], rep Report) (bool, error) {
	tx, err := w.Pool.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck
	id, inserted, err := store.EnqueueReport(ctx, tx, rep.ReportID, rep)
	if err != nil || !inserted {
		return false, err
	}
	if _, err := client.InsertTx(ctx, tx, callback.Args{CallbackID: id}, nil); err != nil {
		return false, err
	}
	return true, tx.Commit(ctx)
}
