package triggertest

import (
	"context"
	"fmt"
	"time"

	"github.com/tenantops/tenantops/trigger/store"
)

// seedStart is when the seeded runs started.
var seedStart = time.Date(2026, time.January, 15, 9, 0, 0, 0, time.UTC)

// SeedIDPSecret is the customer IdP client secret in the seeded specs:
// the console must never show it.
const SeedIDPSecret = "idp-client-secret-4f9a2c"

// Seeded runs of SeedConsole, by tenant.
const (
	SeedTenantDone       = "acme"    // onboarded: run COMPLETED
	SeedTenantRolledBack = "initech" // onboarding failed and rolled back
	SeedTenantWaiting    = "globex"  // onboarding waits for approval
	SeedTenantWaiting2   = "hooli"   // a second waiting onboarding
)

// SeedConsole writes tenants, spec revisions, runs, steps and callbacks
// straight into a migrated database, as the runner would have left them:
// the four named tenants above, then filler tenants tenant-0001... up to
// total tenants in all (each with a completed onboarding). It returns the
// run id of each named tenant.
func SeedConsole(ctx context.Context, db store.DB, total int) (map[string]int64, error) {
	runs := map[string]int64{}
	// A fixed start keeps the console's screenshots the same from run to run.
	t0 := seedStart
	add := func(tenant, tier string, status store.TenantStatus, state store.RunState, plan, errText string) (int64, error) {
		spec := fmt.Sprintf(`{"id": %q, "display_name": "Tenant %s", "tier": %q,
			"quotas": {"cpu_mhz": 2000, "memory_mb": 4096, "storage_mb": 10240, "vm_quota": 10},
			"sso": {"mfa": "otp", "idp": {"type": "oidc", "alias": "corp", "issuer": "https://idp.%s.example",
				"client_id": "tenantops", "client_secret": %q}},
			"admins": [{"username": "alice", "email": "alice@%s.example", "given_name": "Alice", "family_name": "Admin"}]}`,
			tenant, tenant, tier, tenant, SeedIDPSecret, tenant)
		good := "NULL"
		if status == store.TenantActive {
			good = "1"
		}
		if _, err := db.Exec(ctx, `INSERT INTO tenants (id, tier, current_revision, last_good_revision, status, created_at, updated_at)
			VALUES ($1, $2, 1, `+good+`, $3, $4, $4)`, tenant, tier, status, t0); err != nil {
			return 0, err
		}
		ev := "evt-seed-" + tenant
		if _, err := db.Exec(ctx, `INSERT INTO tenant_specs (tenant, revision, event_id, spec, created_at) VALUES ($1, 1, $2, $3, $4)`,
			tenant, ev, spec, t0); err != nil {
			return 0, err
		}
		var id int64
		err := db.QueryRow(ctx, `INSERT INTO runs (tenant, kind, state, revision, event_id, approval_required, plan_summary, error,
			outputs, created_at, started_at, updated_at, finished_at)
			VALUES ($1, 'onboard', $2, 1, $3, $4, $5, nullif($6, ''), $7, $8, $8, $8,
				CASE WHEN $2 IN ('COMPLETED', 'ROLLED_BACK') THEN $8::timestamptz + interval '12 seconds' END) RETURNING id`,
			tenant, state, ev, state == store.StateAwaitingApproval, plan, errText, outputsFor(tenant, state), t0).Scan(&id)
		return id, err
	}
	named := []struct {
		tenant, tier string
		status       store.TenantStatus
		state        store.RunState
		errText      string
	}{
		{SeedTenantDone, "standard", store.TenantActive, store.StateCompleted, ""},
		{SeedTenantRolledBack, "premium-dr", store.TenantRolledBack, store.StateRolledBack,
			"terraform apply: Unable to create DR protection group \"initech-vpg\": Zerto: Insufficient storage in recovery org vDC 'dr-vdc-1'; idp secret " + SeedIDPSecret},
		{SeedTenantWaiting, "premium-dr", store.TenantPending, store.StateAwaitingApproval, ""},
		{SeedTenantWaiting2, "standard", store.TenantPending, store.StateAwaitingApproval, ""},
	}
	for _, n := range named {
		id, err := add(n.tenant, n.tier, n.status, n.state, planJSON, n.errText)
		if err != nil {
			return nil, err
		}
		runs[n.tenant] = id
		if err := seedSteps(ctx, db, id, t0, n.state); err != nil {
			return nil, err
		}
	}
	for i := len(named); i < total; i++ {
		tier := []string{"standard", "premium-dr"}[i%2]
		id, err := add(fmt.Sprintf("tenant-%04d", i), tier, store.TenantActive, store.StateCompleted, planJSON, "")
		if err != nil {
			return nil, err
		}
		if err := seedSteps(ctx, db, id, t0, store.StateCompleted); err != nil {
			return nil, err
		}
	}
	return runs, nil
}

const planJSON = `{"create": 5, "update": 0, "replace": 0, "delete": 0, "changes": [
	{"address": "tenantops_tenant.this", "action": "create"}, {"address": "tenantops_tenant_vdc.this", "action": "create"},
	{"address": "tenantops_sso_realm.this", "action": "create"}, {"address": "tenantops_vapp.workloads", "action": "create"},
	{"address": "tenantops_dr_protection_group.this", "action": "create"}]}`

func outputsFor(tenant string, state store.RunState) any {
	if state != store.StateCompleted {
		return nil
	}
	return fmt.Sprintf(`{"org_name": %q, "realm": %q, "portal_url": "https://portal.example/tenant/%s"}`, tenant, tenant, tenant)
}

// seedSteps writes the resource steps a run in state would have: five
// apply steps; a rolled-back run's last one failed, the others undone,
// and its compensation's destroy steps after them.
func seedSteps(ctx context.Context, db store.DB, runID int64, t0 time.Time, state store.RunState) error {
	if state == store.StateAwaitingApproval {
		return nil
	}
	addrs := []string{"tenantops_tenant.this", "tenantops_tenant_vdc.this", "tenantops_sso_realm.this",
		"tenantops_vapp.workloads", "tenantops_dr_protection_group.this"}
	step := func(phase, addr, action string, status store.StepStatus, from, to time.Duration, errText string) error {
		_, err := db.Exec(ctx, `INSERT INTO run_steps (run_id, phase, address, action, status, started_at, finished_at, error)
			VALUES ($1, $2, $3, $4, $5, $6, $7, nullif($8, ''))`, runID, phase, addr, action, status, t0.Add(from), t0.Add(to), errText)
		return err
	}
	for i, a := range addrs {
		status, errText := store.StepCompleted, ""
		switch {
		case state == store.StateRolledBack && i == len(addrs)-1:
			status, errText = store.StepFailed, "Zerto: Insufficient storage in recovery org vDC 'dr-vdc-1'"
		case state == store.StateRolledBack:
			status = store.StepCompensated
		}
		from := time.Duration(i) * 1500 * time.Millisecond
		if err := step("apply", a, "create", status, from, from+1200*time.Millisecond, errText); err != nil {
			return err
		}
	}
	if state == store.StateRolledBack {
		for i := len(addrs) - 2; i >= 0; i-- {
			from := 8*time.Second + time.Duration(len(addrs)-2-i)*700*time.Millisecond
			if err := step("compensate", addrs[i], "delete", store.StepCompleted, from, from+600*time.Millisecond, ""); err != nil {
				return err
			}
		}
		_, err := db.Exec(ctx, `INSERT INTO callbacks (run_id, event_id, payload, attempts, created_at, delivered_at)
			VALUES ($1, $2, '{}', 1, $3, $3)`, runID, "evt-seed-initech", t0.Add(13*time.Second))
		return err
	}
	return nil
}
