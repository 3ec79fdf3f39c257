package main

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/store"
)

// Suspension and reactivation of a premium-dr tenant: every backend is
// looked at before, while suspended and after. Suspended, the org is
// disabled, the realm refuses sign-in and the SCIM admins are inactive,
// while the VPG and everything else stay; a second suspension changes
// nothing; an update while suspended keeps the tenant suspended; the
// reactivation restores exactly what was there.
func TestE2ESuspendAndReactivate(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	crm := startCRM(t)
	tr := startTrigger(t, testConfig(t, testenv.NewDatabase(t), t.TempDir(), s, crm))
	const id = "pausco"
	premium := func(tn map[string]any) {
		tn["tier"] = "premium-dr"
		tn["dr"] = map[string]any{"rpo_seconds": 300, "journal_hours": 24, "priority": "High"}
	}
	step := 0
	send := func(typ string, mutate func(map[string]any)) store.Run {
		t.Helper()
		step++
		r := postWebhook(t, tr.url, event("evt-"+id+"-"+string(rune('a'+step)), typ, id, mutate))
		return waitRun(t, tr.url, r.RunID, 3*time.Minute)
	}
	type look struct {
		org, realm, scim bool
		vpg              string
		inventory        []string
	}
	observe := func() look {
		t.Helper()
		var l look
		l.org, _ = s.VCD.OrgEnabled(id)
		l.realm, _ = s.Keycloak.Realm(id)["enabled"].(bool)
		uid, ok := s.SCIM.UserID(id + ".alice")
		if !ok {
			t.Fatalf("no SCIM user %s.alice", id)
		}
		l.scim, _ = s.SCIM.User(uid)["active"].(bool)
		vpgs := s.Zerto.VPGs()
		if len(vpgs) != 1 {
			t.Fatalf("VPGs: %+v, want the tenant's one", vpgs)
		}
		l.vpg = vpgs[0].ID
		for _, inv := range [][]string{s.VCD.Inventory(), s.Keycloak.Inventory(), s.Zerto.Inventory(), s.SCIM.Inventory()} {
			l.inventory = append(l.inventory, inv...)
		}
		return l
	}
	status := func() store.TenantStatus {
		t.Helper()
		var st store.TenantStatus
		if err := tr.pool.QueryRow(context.Background(), `SELECT status FROM tenants WHERE id = $1`, id).Scan(&st); err != nil {
			t.Fatal(err)
		}
		return st
	}

	if run := send("customer.created", premium); run.State != store.StateCompleted {
		t.Fatalf("onboarding: %s %s", run.State, run.Error)
	}
	before := observe()
	if !before.org || !before.realm || !before.scim {
		t.Fatalf("onboarded tenant not enabled: %+v", before)
	}

	run := send("customer.suspended", nil)
	if run.State != store.StateCompleted || run.Kind != store.KindUpdate {
		t.Fatalf("suspension: %s %s %s", run.Kind, run.State, run.Error)
	}
	suspended := observe()
	if suspended.org || suspended.realm || suspended.scim {
		t.Errorf("suspended tenant still enabled somewhere: %+v", suspended)
	}
	if suspended.vpg != before.vpg || !slices.Equal(suspended.inventory, before.inventory) {
		t.Errorf("the suspension changed what exists:\nbefore %v (VPG %s)\nafter  %v (VPG %s)", before.inventory, before.vpg, suspended.inventory, suspended.vpg)
	}
	if st := status(); st != store.TenantSuspended {
		t.Errorf("tenant status %s, want SUSPENDED", st)
	}
	for _, st := range run.Steps {
		if st.Action != "update" {
			t.Errorf("the suspension %ss %s: it should only update", st.Action, st.Address)
		}
	}

	// Idempotent: suspended again, nothing to do.
	if run := send("customer.suspended", nil); run.State != store.StateCompleted || len(run.Steps) != 0 {
		t.Errorf("second suspension: %s with %d steps, want COMPLETED with none", run.State, len(run.Steps))
	}
	// A CRM update while suspended changes the quotas and keeps the tenant suspended.
	if run := send("customer.updated", func(tn map[string]any) {
		premium(tn)
		tn["quotas"] = map[string]any{"cpu_mhz": 3000, "memory_mb": 4096, "storage_mb": 10240, "vm_quota": 10}
	}); run.State != store.StateCompleted {
		t.Fatalf("update while suspended: %s %s", run.State, run.Error)
	}
	if l := observe(); l.org || l.realm || l.scim || status() != store.TenantSuspended {
		t.Errorf("an update reactivated the tenant: %+v, status %s", l, status())
	}

	if run := send("customer.reactivated", nil); run.State != store.StateCompleted {
		t.Fatalf("reactivation: %s %s", run.State, run.Error)
	}
	after := observe()
	if !after.org || !after.realm || !after.scim || after.vpg != before.vpg || !slices.Equal(after.inventory, before.inventory) {
		t.Errorf("reactivated tenant differs from before the suspension:\nbefore %+v\nafter  %+v", before, after)
	}
	if st := status(); st != store.TenantActive {
		t.Errorf("tenant status %s, want ACTIVE", st)
	}

	// Only the id: anything else in a suspension is refused, naming it;
	// a tenant that does not exist cannot be suspended.
	bad := postRaw(t, tr.url, event("evt-"+id+"-bad", "customer.suspended", id, nil), func(b string) string {
		return strings.Replace(b, `"tenant":{"id":"pausco"}`, `"tenant":{"id":"pausco","tier":"standard"}`, 1)
	})
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.raw, "tenant.tier") {
		t.Errorf("suspension with a tier: %d %s", bad.status, bad.raw)
	}
	if r := postRaw(t, tr.url, event("evt-nobody-s", "customer.suspended", "nobody", nil), nil); r.status == http.StatusAccepted {
		t.Errorf("suspension of an unknown tenant accepted: %s", r.raw)
	}
}
