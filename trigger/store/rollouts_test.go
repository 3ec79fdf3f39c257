package store

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// inTx runs f in a committed transaction.
func inTx(t *testing.T, pool *pgxpool.Pool, f func(tx pgx.Tx) error) error {
	t.Helper()
	return pgx.BeginFunc(context.Background(), pool, f)
}

// live onboards tenant (tier standard) and records it ACTIVE at revision 1
// with template revision rev saved for its onboarding run.
func live(t *testing.T, pool *pgxpool.Pool, tenant string, files map[string][]byte) string {
	t.Helper()
	ctx := context.Background()
	r, err := record(t, pool, "c-"+tenant, "customer.created", tenant)
	if err != nil {
		t.Fatal(err)
	}
	rev := saveRevision(t, pool, r.RunID, "standard", files)
	if err := SetState(ctx, pool, r.RunID, StateCompleted, ""); err != nil {
		t.Fatal(err)
	}
	if err := SetTenantStatus(ctx, pool, tenant, TenantActive, 1, rev); err != nil {
		t.Fatal(err)
	}
	return rev
}

// A rollout takes the tier's live tenants; each wave's runs are created
// once, whatever how often the step runs; their outcomes become the
// tenants' statuses; rollout runs and CRM updates never coalesce.
func TestRolloutRunsAreCreatedOncePerTenant(t *testing.T) {
	pool := migrated(t)
	ctx := context.Background()
	files := map[string][]byte{"main.tf": []byte("# v1\n")}
	rev := ""
	for _, tn := range []string{"alpha", "bravo", "charlie", "delta"} {
		rev = live(t, pool, tn, files)
	}
	if err := SetTenantStatus(ctx, pool, "delta", TenantDeleted, 0, ""); err != nil {
		t.Fatal(err)
	}
	// A CRM update of alpha, queued before the rollout.
	crm, err := record(t, pool, "u-alpha", "customer.updated", "alpha")
	if err != nil {
		t.Fatal(err)
	}

	tenants, err := RolloutCandidates(ctx, pool, "standard")
	if err != nil || !slices.Equal(tenants, []string{"alpha", "bravo", "charlie"}) {
		t.Fatalf("candidates %v (%v), want the live tenants", tenants, err)
	}
	var id int64
	ro := Rollout{Tier: "standard", TemplateRevision: rev, Canary: 1, GrowthFactor: 2, Waves: 2}
	if err := inTx(t, pool, func(tx pgx.Tx) (err error) {
		id, err = CreateRollout(ctx, tx, ro, tenants, []int{0, 1, 1})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := inTx(t, pool, func(tx pgx.Tx) error {
		_, err := CreateRollout(ctx, tx, ro, nil, nil)
		return err
	}); !errors.Is(err, ErrRolloutActive) {
		t.Fatalf("a second rollout of the tier: %v, want ErrRolloutActive", err)
	}

	start := func(wave int) []int64 {
		var runs []int64
		if err := inTx(t, pool, func(tx pgx.Tx) (err error) {
			runs, err = StartRolloutRuns(ctx, tx, id, wave)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return runs
	}
	if runs := start(1); len(runs) != 2 {
		t.Fatalf("wave 1 started %d runs, want 2", len(runs))
	}
	if runs := start(1); len(runs) != 0 {
		t.Fatalf("the step taken again started %d more runs", len(runs))
	}
	wave0 := start(0)
	if len(wave0) != 1 {
		t.Fatalf("wave 0 started %v", wave0)
	}
	a, err := GetRun(ctx, pool, wave0[0])
	if err != nil || a.Tenant != "alpha" || a.Kind != KindUpdate || a.State != StatePending || a.Revision != 1 ||
		a.TemplateRevision != rev || a.RolloutID == nil || *a.RolloutID != id {
		t.Fatalf("alpha's rollout run %+v (%v)", a, err)
	}
	// Neither replaces the other: the CRM update and the rollout run both apply.
	crmRun, _ := GetRun(ctx, pool, crm.RunID)
	if n, err := NewerPendingUpdate(ctx, pool, crmRun); err != nil || n != 0 {
		t.Fatalf("the CRM update would be superseded by %d (%v)", n, err)
	}
	if later, err := record(t, pool, "u2-alpha", "customer.updated", "alpha"); err != nil || later.RunID == 0 {
		t.Fatal(err)
	}
	if n, err := NewerPendingUpdate(ctx, pool, a); err != nil || n != 0 {
		t.Fatalf("the rollout run would be superseded by %d (%v)", n, err)
	}

	if c, err := CountWave(ctx, pool, id, 1); err != nil || c != (WaveCount{Total: 2, Running: 2}) {
		t.Fatalf("wave 1: %+v (%v)", c, err)
	}
	ts, _ := RolloutTenants(ctx, pool, id)
	for _, rt := range ts {
		if rt.Tenant == "bravo" {
			_ = SetState(ctx, pool, *rt.RunID, StateCompleted, "")
		}
		if rt.Tenant == "charlie" {
			_ = SetState(ctx, pool, *rt.RunID, StateRolledBack, "x")
		}
	}
	if err := SyncRolloutTenants(ctx, pool, id); err != nil {
		t.Fatal(err)
	}
	if c, err := CountWave(ctx, pool, id, 1); err != nil || c != (WaveCount{Total: 2, Failed: 1}) {
		t.Fatalf("wave 1 after its runs: %+v (%v)", c, err)
	}
	ts, _ = RolloutTenants(ctx, pool, id)
	got := map[string]RolloutTenantStatus{}
	for _, rt := range ts {
		got[rt.Tenant] = rt.Status
	}
	if got["alpha"] != RolloutTenantRunning || got["bravo"] != RolloutTenantCompleted || got["charlie"] != RolloutTenantFailed {
		t.Fatalf("statuses %v", got)
	}

	// Transitions, and the released revision they make.
	if _, err := TransitionRollout(ctx, pool, id, []RolloutState{RolloutRunning}, RolloutPaused); err != nil {
		t.Fatal(err)
	}
	if _, err := TransitionRollout(ctx, pool, id, []RolloutState{RolloutRunning}, RolloutPaused); !errors.Is(err, ErrRolloutState) {
		t.Fatalf("pausing a paused rollout: %v", err)
	}
	if _, err := TransitionRollout(ctx, pool, id+1, []RolloutState{RolloutRunning}, RolloutPaused); !errors.Is(err, ErrNotFound) {
		t.Fatalf("pausing no rollout: %v", err)
	}
	if r, err := ReleasedTemplate(ctx, pool, "standard"); err != nil || r != rev {
		t.Fatalf("released while paused: %q (%v)", r, err)
	}
	if err := SetRolloutState(ctx, pool, id, RolloutHalted, "wave 1"); err != nil {
		t.Fatal(err)
	}
	if r, err := ReleasedTemplate(ctx, pool, "standard"); err != nil || r != "" {
		t.Fatalf("released after the halt: %q (%v), want none", r, err)
	}
}

// Pruning keeps the tier's released revision (its newest completed
// rollout's) and its newest rollout's, whatever that one's state.
func TestPruneKeepsRolloutRevisions(t *testing.T) {
	pool := migrated(t)
	ctx := context.Background()
	revs := map[string]string{}
	for _, name := range []string{"one", "two", "three", "four"} {
		r, err := record(t, pool, "c-"+name, "customer.created", name)
		if err != nil {
			t.Fatal(err)
		}
		revs[name] = saveRevision(t, pool, r.RunID, "standard", map[string][]byte{"main.tf": []byte("# " + name + "\n")})
		if err := SetState(ctx, pool, r.RunID, StateRolledBack, "x"); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range []struct {
		rev   string
		final RolloutState
	}{{"one", RolloutCompleted}, {"two", RolloutCompleted}, {"three", RolloutHalted}} {
		if err := inTx(t, pool, func(tx pgx.Tx) error {
			id, err := CreateRollout(ctx, tx, Rollout{Tier: "standard", TemplateRevision: revs[c.rev], Canary: 1, GrowthFactor: 2}, nil, nil)
			if err != nil {
				return err
			}
			return SetRolloutState(ctx, tx, id, c.final, "")
		}); err != nil {
			t.Fatalf("rollout %d: %v", i, err)
		}
	}
	if n, _, err := PruneTemplates(ctx, pool); err != nil || n != 2 {
		t.Fatalf("pruned %d revisions (%v), want one and four", n, err)
	}
	for name, kept := range map[string]bool{"one": false, "two": true, "three": true, "four": false} {
		_, err := GetTemplateRevision(ctx, pool, revs[name])
		if kept != (err == nil) {
			t.Errorf("revision %s: %v, kept should be %v", name, err, kept)
		}
	}
	if r, _ := ReleasedTemplate(ctx, pool, "standard"); r != revs["two"] {
		t.Fatalf("released %s, want two's", r)
	}
}
