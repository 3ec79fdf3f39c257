package runner

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/rivertype"

	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/store"
	"github.com/tenantops/tenantops/trigger/workspace"
)

// gateFixture is a migrated database with a runner on it.
type gateFixture struct {
	t    *testing.T
	ctx  context.Context
	pool *pgxpool.Pool
	r    *Runner
}

func newGateFixture(t *testing.T) *gateFixture {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, testenv.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := store.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	r := &Runner{Pool: pool, Log: slog.New(slog.DiscardHandler), Cfg: Config{SnoozeDelay: 2 * time.Second}}
	return &gateFixture{t: t, ctx: ctx, pool: pool, r: r}
}

// event records a CRM event and returns its run.
func (f *gateFixture) event(id, typ, tenant string) store.Run {
	f.t.Helper()
	var res store.RecordEventResult
	err := pgx.BeginFunc(f.ctx, f.pool, func(tx pgx.Tx) (err error) {
		res, err = store.RecordEvent(f.ctx, tx, store.Event{EventID: id, EventType: typ, Tenant: tenant, Tier: "standard",
			BodySHA256: id, ContentSHA256: id, OccurredAt: time.Now(), Spec: []byte(`{}`)}, false)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	run, err := store.GetRun(f.ctx, f.pool, res.RunID)
	if err != nil {
		f.t.Fatal(err)
	}
	return run
}

// complete pins tpl to run and records it as the tenant's last good run.
func (f *gateFixture) complete(run store.Run, tpl workspace.Template) string {
	f.t.Helper()
	rev := tpl.Revision()
	if err := f.r.pin(f.ctx, tpl, func(tx pgx.Tx) error { return store.SetRunTemplateRevision(f.ctx, tx, run.ID, rev) }); err != nil {
		f.t.Fatal(err)
	}
	if err := store.SetState(f.ctx, f.pool, run.ID, store.StateCompleted, ""); err != nil {
		f.t.Fatal(err)
	}
	if err := store.SetTenantStatus(f.ctx, f.pool, run.Tenant, store.TenantActive, run.Revision, rev); err != nil {
		f.t.Fatal(err)
	}
	return rev
}

func (f *gateFixture) run(id int64) store.Run {
	f.t.Helper()
	run, err := store.GetRun(f.ctx, f.pool, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return run
}

// status is tenant's status in rollout id.
func (f *gateFixture) status(id int64, tenant string) store.RolloutTenantStatus {
	f.t.Helper()
	ts, err := store.RolloutTenants(f.ctx, f.pool, id)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, rt := range ts {
		if rt.Tenant == tenant {
			return rt.Status
		}
	}
	f.t.Fatalf("%s is not in rollout %d", tenant, id)
	return ""
}

// A rollout's run that has not started: it proceeds with the tenant's
// last good spec as it is now, waits while the rollout is paused, is
// skipped for a tenant no longer live and cancelled once the rollout
// halted. Runs without a revision start from the tenant's own last good
// template revision (updates) or the tier's released one (onboardings).
func TestRolloutGateAndStartingTemplates(t *testing.T) {
	f := newGateFixture(t)
	v1 := workspace.Template{Tier: "standard", ProviderVersion: "0.1.0", Files: map[string][]byte{"main.tf": []byte("# v1\n")}}
	v2 := workspace.Template{Tier: "standard", ProviderVersion: "0.1.0", Files: map[string][]byte{"main.tf": []byte("# v2\n")}}
	tenants := []string{"go", "gone", "wait"}
	for _, tn := range tenants {
		f.complete(f.event("c-"+tn, "customer.created", tn), v1)
	}
	var id int64
	var runs []int64
	if err := pgx.BeginFunc(f.ctx, f.pool, func(tx pgx.Tx) error {
		if err := store.SaveTemplateRevision(f.ctx, tx, store.TemplateRevision{Revision: v2.Revision(), Tier: "standard",
			ProviderVersion: "0.1.0", Files: v2.FileHashes()}, v2.Files); err != nil {
			return err
		}
		var err error
		ro := store.Rollout{Tier: "standard", TemplateRevision: v2.Revision(), Canary: 3, GrowthFactor: 2, Waves: 1}
		if id, err = store.CreateRollout(f.ctx, tx, ro, tenants, []int{0, 0, 0}); err != nil {
			return err
		}
		runs, err = store.StartRolloutRuns(f.ctx, tx, id, 0)
		return err
	}); err != nil || len(runs) != 3 {
		t.Fatalf("rollout runs %v: %v", runs, err)
	}
	byTenant := map[string]store.Run{}
	for _, rid := range runs {
		run := f.run(rid)
		byTenant[run.Tenant] = run
	}
	// A CRM update of "go" completes before its rollout run starts, and
	// "gone" is offboarded.
	f.complete(f.event("u-go", "customer.updated", "go"), v1)
	if err := store.SetTenantStatus(f.ctx, f.pool, "gone", store.TenantDeleted, 0, ""); err != nil {
		t.Fatal(err)
	}
	log := f.r.Log

	run := byTenant["go"]
	if done, err := f.r.rolloutGate(f.ctx, log, &run); done || err != nil {
		t.Fatalf("go's run: done %v, %v; want it to start", done, err)
	}
	if run.Revision != 2 || f.run(run.ID).Revision != 2 {
		t.Fatalf("go's rollout run applies revision %d, want the CRM update's 2", run.Revision)
	}
	run = byTenant["gone"]
	if done, err := f.r.rolloutGate(f.ctx, log, &run); !done || err != nil {
		t.Fatalf("gone's run: done %v, %v", done, err)
	}
	if got := f.run(run.ID); got.State != store.StateSuperseded || f.status(id, "gone") != store.RolloutTenantSkipped {
		t.Fatalf("gone's run %s, status %s: want SUPERSEDED and SKIPPED", got.State, f.status(id, "gone"))
	}

	if _, err := store.TransitionRollout(f.ctx, f.pool, id, []store.RolloutState{store.RolloutRunning}, store.RolloutPaused); err != nil {
		t.Fatal(err)
	}
	run = byTenant["wait"]
	var snooze *rivertype.JobSnoozeError
	if done, err := f.r.rolloutGate(f.ctx, log, &run); !done || !errors.As(err, &snooze) || snooze.Duration != 2*time.Second {
		t.Fatalf("wait's run while paused: done %v, %v; want a snooze", done, err)
	}
	// Paused: still the tier's released revision.
	fresh := f.event("c-fresh", "customer.created", "fresh")
	if rev, err := f.r.startingTemplate(f.ctx, fresh, "standard"); err != nil || rev != v2.Revision() {
		t.Fatalf("an onboarding during the rollout starts from %q (%v), want the rollout's", rev, err)
	}
	upd := f.event("u2-go", "customer.updated", "go")
	if rev, err := f.r.startingTemplate(f.ctx, upd, "standard"); err != nil || rev != v1.Revision() {
		t.Fatalf("an update starts from %q (%v), want the tenant's own last good", rev, err)
	}
	if rev, err := f.r.startingTemplate(f.ctx, upd, "premium-dr"); err != nil || rev != "" {
		t.Fatalf("an update into another tier starts from %q (%v), want that tier's files on disk", rev, err)
	}

	if err := store.SetRolloutState(f.ctx, f.pool, id, store.RolloutHalted, "wave 0"); err != nil {
		t.Fatal(err)
	}
	if done, err := f.r.rolloutGate(f.ctx, log, &run); !done || err != nil {
		t.Fatalf("wait's run after the halt: done %v, %v", done, err)
	}
	if got := f.run(run.ID); got.State != store.StateSuperseded || f.status(id, "wait") != store.RolloutTenantCancelled {
		t.Fatalf("wait's run %s, status %s: want SUPERSEDED and CANCELLED", got.State, f.status(id, "wait"))
	}
	if rev, err := f.r.startingTemplate(f.ctx, fresh, "standard"); err != nil || rev != "" {
		t.Fatalf("after the halt an onboarding starts from %q (%v), want the files on disk", rev, err)
	}
}
