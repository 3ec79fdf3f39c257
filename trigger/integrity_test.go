package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/sim/fault"
	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/api"
	"github.com/tenantops/tenantops/trigger/store"
	"github.com/tenantops/tenantops/trigger/triggertest"
)

// webhookAnswer is the trigger's whole answer to a webhook.
type webhookAnswer struct {
	status          int
	raw             string
	RunID           int64      `json:"run_id"`
	Duplicate       bool       `json:"duplicate"`
	Stale           bool       `json:"stale"`
	NewerEventID    string     `json:"newer_event_id"`
	FirstReceivedAt *time.Time `json:"first_received_at"`
	FirstOccurredAt *time.Time `json:"first_occurred_at"`
	Error           string     `json:"error"`
	Errors          []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// sendRaw signs and posts body and returns the answer, whatever its status.
func sendRaw(t *testing.T, base string, body []byte) webhookAnswer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/webhooks/crm", bytesReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Tenantops-Signature", signHeader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("webhook: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var a webhookAnswer
	_ = json.Unmarshal(raw, &a)
	a.status, a.raw = resp.StatusCode, string(raw)
	return a
}

func (a webhookAnswer) names(field, text string) bool {
	for _, e := range a.Errors {
		if e.Field == field && strings.Contains(e.Message, text) {
			return true
		}
	}
	return false
}

func count(t *testing.T, tr *trigger, query string, args ...any) int {
	t.Helper()
	var n int
	if err := tr.pool.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Hostile and malformed events against a live tenant: a deletion naming a
// tier (one that walks out of templates/, or a real one), and an update
// whose display name holds a lone surrogate or bytes that are not UTF-8,
// are each answered 400 naming the field, store nothing, and leave the
// tenant exactly as it was. A plain deletion then offboards what the
// tenant's last good revision built, with that revision's templates.
func TestE2EHostileEventsLeaveTheTenantUntouched(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	crm := startCRM(t)
	tr := startTrigger(t, testConfig(t, testenv.NewDatabase(t), t.TempDir(), s, crm))

	// A lone surrogate in a new tenant's spec never reaches PostgreSQL.
	body := []byte(strings.Replace(string(event("evt-kilo-0", "customer.created", "kilo", nil)),
		`"display_name":"Tenant kilo"`, `"display_name":"Kilo \ud800"`, 1))
	if a := sendRaw(t, tr.url, body); a.status != http.StatusBadRequest || !a.names("tenant.display_name", `lone surrogate \ud800`) {
		t.Fatalf("lone surrogate: %d %s, want 400 naming tenant.display_name", a.status, a.raw)
	}
	if n := count(t, tr, `SELECT count(*) FROM events`); n != 0 {
		t.Fatalf("%d events stored for a refused webhook", n)
	}

	r := postWebhook(t, tr.url, event("evt-kilo-1", "customer.created", "kilo", nil))
	onboard := waitRun(t, tr.url, r.RunID, 2*time.Minute)
	if onboard.State != store.StateCompleted || onboard.TemplateRevision == "" {
		t.Fatalf("onboarding %s (template revision %q): %s", onboard.State, onboard.TemplateRevision, onboard.Error)
	}
	var before api.TenantView
	apiGet(t, tr.url, "/v1/tenants/kilo", &before)
	inventory := s.Inventory()

	del := func(id, extra string) []byte {
		return []byte(fmt.Sprintf(`{"event_id":%q,"event_type":"customer.deleted","occurred_at":%q,"tenant":{"id":"kilo"%s}}`,
			id, time.Now().UTC().Format(time.RFC3339Nano), extra))
	}
	update := func(display string) []byte {
		return []byte(strings.Replace(string(event("evt-kilo-u", "customer.updated", "kilo", nil)),
			`"display_name":"Tenant kilo"`, `"display_name":`+display, 1))
	}
	for name, c := range map[string]struct {
		body        []byte
		field, text string
	}{
		"deletion with a traversal tier": {del("evt-kilo-d1", `,"tier":"../../../tmp"`), "tenant.tier", "carries only tenant.id"},
		"deletion with a real tier":      {del("evt-kilo-d2", `,"tier":"premium-dr","display_name":"x"`), "tenant.tier", "carries only tenant.id"},
		"update with a lone surrogate":   {update(`"Kilo \udc00"`), "tenant.display_name", "lone surrogate"},
		"update with invalid UTF-8":      {update("\"Kilo \xff\""), "tenant.display_name", "not UTF-8"},
		"update with a NUL escape":       {update(`"Kilo\u0000"`), "tenant.display_name", `\u0000`},
	} {
		a := sendRaw(t, tr.url, c.body)
		if a.status != http.StatusBadRequest || !a.names(c.field, c.text) || a.RunID != 0 {
			t.Errorf("%s: %d %s, want 400 naming %s", name, a.status, a.raw, c.field)
		}
	}
	var after api.TenantView
	apiGet(t, tr.url, "/v1/tenants/kilo", &after)
	if after.Tier != "standard" || after.Status != "ACTIVE" || after.CurrentRevision != 1 || len(after.Runs) != 1 ||
		after.LastEventID != "evt-kilo-1" || !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Fatalf("tenant changed by refused events:\nbefore %+v\nafter  %+v", before.Tenant, after.Tenant)
	}
	if n := count(t, tr, `SELECT count(*) FROM events`); n != 1 {
		t.Fatalf("%d events stored, want only the onboarding's", n)
	}
	if got := s.Inventory(); !slices.Equal(got, inventory) {
		t.Fatalf("backends changed: %v, were %v", got, inventory)
	}

	// The real deletion: no spec revision, the tier kept, the onboarding's
	// spec and template revisions offboarded.
	rd := postWebhook(t, tr.url, del("evt-kilo-d3", ""))
	off := waitRun(t, tr.url, rd.RunID, 2*time.Minute)
	if off.State != store.StateCompleted || off.Kind != store.KindOffboard || off.Revision != 1 || off.TemplateRevision != onboard.TemplateRevision {
		t.Fatalf("offboarding %s rev %d template %s: %s (want revision 1 and %s)", off.State, off.Revision, off.TemplateRevision, off.Error, onboard.TemplateRevision)
	}
	if inv := s.Inventory(); len(inv) != 0 {
		t.Fatalf("objects left after offboarding: %v", inv)
	}
	apiGet(t, tr.url, "/v1/tenants/kilo", &after)
	if after.Status != "DELETED" || after.Tier != "standard" || after.CurrentRevision != 1 || after.LastGoodTemplateRevision != nil {
		t.Fatalf("tenant after offboarding %+v", after.Tenant)
	}
	if n := count(t, tr, `SELECT count(*) FROM tenant_specs`); n != 1 {
		t.Fatalf("%d spec revisions, want 1: a deletion stores none", n)
	}
}

// A CRM delivering late: update B (newer) arrives before update A (older).
// A is recorded and answered 200 stale naming B, starts nothing, and the
// tenant ends with B's spec. Two updates of the same instant are ordered
// by event id, whichever arrives first; an update before the tenant's
// creation keeps its 409.
func TestE2EOutOfOrderEventsEndWithTheNewest(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	crm := startCRM(t)
	tr := startTrigger(t, testConfig(t, testenv.NewDatabase(t), t.TempDir(), s, crm))
	named := func(display string) func(map[string]any) {
		return func(tn map[string]any) { tn["display_name"] = display }
	}
	tenant := func(display string) map[string]any {
		tn := map[string]any{"id": "lima", "tier": "standard",
			"quotas": map[string]any{"cpu_mhz": 2000, "memory_mb": 4096, "storage_mb": 10240, "vm_quota": 10},
			"sso":    map[string]any{"mfa": "otp"},
			"admins": []any{map[string]any{"username": "alice", "email": "alice@lima.example", "given_name": "Alice", "family_name": "Admin"}}}
		named(display)(tn)
		return tn
	}
	if a := sendRaw(t, tr.url, event("evt-lima-early", "customer.updated", "lima", named("Too early"))); a.status != http.StatusConflict {
		t.Fatalf("update before creation: %d %s, want 409", a.status, a.raw)
	}
	t0 := time.Now().Add(-time.Minute)
	r := postWebhook(t, tr.url, eventAt("evt-lima-1", "customer.created", t0, tenant("Lima Zero")))
	if run := waitRun(t, tr.url, r.RunID, 2*time.Minute); run.State != store.StateCompleted {
		t.Fatalf("onboarding %s: %s", run.State, run.Error)
	}

	older := eventAt("evt-lima-3", "customer.updated", t0.Add(10*time.Second), tenant("Lima Older"))
	newer := eventAt("evt-lima-2", "customer.updated", t0.Add(20*time.Second), tenant("Lima Newer"))
	rb := postWebhook(t, tr.url, newer)
	a := sendRaw(t, tr.url, older)
	if a.status != http.StatusOK || !a.Stale || a.NewerEventID != "evt-lima-2" || a.RunID != 0 || a.Duplicate {
		t.Fatalf("older update after the newer: %d %s, want 200 stale naming evt-lima-2", a.status, a.raw)
	}
	if again := sendRaw(t, tr.url, older); again.status != http.StatusOK || !again.Stale || !again.Duplicate || again.NewerEventID != "evt-lima-2" {
		t.Fatalf("redelivered stale update: %d %s", again.status, again.raw)
	}
	if run := waitRun(t, tr.url, rb.RunID, 2*time.Minute); run.State != store.StateCompleted || run.Revision != 2 {
		t.Fatalf("newer update %s rev %d: %s", run.State, run.Revision, run.Error)
	}
	if got := s.Keycloak.Realm("lima")["displayName"]; got != "Lima Newer" {
		t.Fatalf("realm display name %v, want the newer event's", got)
	}

	// The same instant: evt-lima-t2 wins over evt-lima-t1 in either order.
	same := t0.Add(30 * time.Second)
	rt := postWebhook(t, tr.url, eventAt("evt-lima-t2", "customer.updated", same, tenant("Lima Tie Winner")))
	tie := sendRaw(t, tr.url, eventAt("evt-lima-t1", "customer.updated", same, tenant("Lima Tie Loser")))
	if tie.status != http.StatusOK || !tie.Stale || tie.NewerEventID != "evt-lima-t2" {
		t.Fatalf("same-instant event with the smaller id: %d %s, want stale", tie.status, tie.raw)
	}
	if run := waitRun(t, tr.url, rt.RunID, 2*time.Minute); run.State != store.StateCompleted {
		t.Fatalf("tie winner %s: %s", run.State, run.Error)
	}
	if got := s.Keycloak.Realm("lima")["displayName"]; got != "Lima Tie Winner" {
		t.Fatalf("realm display name %v after the tie", got)
	}
	var tn api.TenantView
	apiGet(t, tr.url, "/v1/tenants/lima", &tn)
	if tn.CurrentRevision != 3 || tn.LastEventID != "evt-lima-t2" || len(tn.Runs) != 3 {
		t.Fatalf("tenant %+v with %d runs: want revision 3 after three accepted events", tn.Tenant, len(tn.Runs))
	}
	var spec string
	if err := tr.pool.QueryRow(context.Background(), `SELECT spec->'tenant'->>'display_name' FROM tenant_specs
		WHERE tenant = 'lima' AND revision = $1`, *tn.LastGoodRevision).Scan(&spec); err != nil || spec != "Lima Tie Winner" {
		t.Fatalf("last good spec %q (%v)", spec, err)
	}
	if n := count(t, tr, `SELECT count(*) FROM events WHERE stale_of IS NOT NULL`); n != 2 {
		t.Fatalf("%d stale events recorded, want 2", n)
	}
}

// An event id names one event: the same id with another body is refused
// with 409 naming when the first arrived, and nothing of it is stored; the
// same event serialised differently (blanks, key order) is a redelivery.
func TestE2EEventIDReuseWithAnotherBodyIsRefused(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	crm := startCRM(t)
	tr := startTrigger(t, testConfig(t, testenv.NewDatabase(t), t.TempDir(), s, crm))
	at := time.Now().Add(-time.Second)
	tn := func(display string) map[string]any {
		return map[string]any{"id": "mike", "display_name": display, "tier": "standard",
			"quotas": map[string]any{"cpu_mhz": 2000, "memory_mb": 4096, "storage_mb": 10240, "vm_quota": 10},
			"sso":    map[string]any{"mfa": "otp"},
			"admins": []any{map[string]any{"username": "alice", "email": "alice@mike.example", "given_name": "Alice", "family_name": "Admin"}}}
	}
	first := eventAt("evt-mike-1", "customer.created", at, tn("Mike"))
	r := postWebhook(t, tr.url, first)
	run := waitRun(t, tr.url, r.RunID, 2*time.Minute)
	if run.State != store.StateCompleted {
		t.Fatalf("onboarding %s: %s", run.State, run.Error)
	}

	other := eventAt("evt-mike-1", "customer.created", at, tn("Mike Evil Twin"))
	a := sendRaw(t, tr.url, other)
	if a.status != http.StatusConflict || a.FirstReceivedAt == nil || a.FirstOccurredAt == nil ||
		!a.FirstOccurredAt.Equal(at.Truncate(time.Microsecond)) || !strings.Contains(a.Error, "first received at") ||
		!strings.Contains(a.Error, a.FirstReceivedAt.UTC().Format(time.RFC3339Nano)) || a.RunID != 0 {
		t.Fatalf("same id, other body: %d %s, want 409 naming the first event's time", a.status, a.raw)
	}
	if n := count(t, tr, `SELECT count(*) FROM runs`); n != 1 {
		t.Fatalf("%d runs after the conflicting event, want 1", n)
	}
	if n := count(t, tr, `SELECT count(*) FROM tenant_specs WHERE spec->'tenant'->>'display_name' <> 'Mike'`); n != 0 {
		t.Fatal("the conflicting event's spec was stored")
	}
	if got := s.Keycloak.Realm("mike")["displayName"]; got != "Mike" {
		t.Fatalf("realm display name %v", got)
	}

	// The same event, re-serialised with indentation and keys reordered.
	var m map[string]any
	_ = json.Unmarshal(first, &m)
	reordered, _ := json.MarshalIndent(map[string]any{"tenant": m["tenant"], "occurred_at": m["occurred_at"],
		"event_type": m["event_type"], "event_id": m["event_id"]}, "", "    ")
	if d := sendRaw(t, tr.url, reordered); d.status != http.StatusOK || !d.Duplicate || d.RunID != run.ID {
		t.Fatalf("reformatted redelivery: %d %s, want 200 with run %d", d.status, d.raw, run.ID)
	}
}

// usersV2 replaces the scim module's main.tf in the test's own copy of
// the templates: the admins group is gone, an operators group and an
// auditor account (created after the group) are new.
const scimModule = "modules/scim/main.tf"

const usersV2 = `resource "tenantops_scim_user" "admin" {
  for_each = { for a in var.admins : a.username => a }

  user_name    = "${var.tenant_id}.${each.key}"
  given_name   = each.value.given_name
  family_name  = each.value.family_name
  display_name = "${each.value.given_name} ${each.value.family_name}"
  organization = var.tenant_id
  emails = [{
    value = each.value.email
    type  = "work"
  }]
}

resource "tenantops_scim_group" "operators" {
  display_name = "${var.tenant_id}-operators"
  members      = [for u in tenantops_scim_user.admin : u.id]
}

resource "tenantops_scim_user" "auditor" {
  user_name   = "${var.tenant_id}.auditor"
  given_name  = "Audit"
  family_name = "Account"
  external_id = tenantops_scim_group.operators.id
}
`

// The templates change on disk: a CRM update still renders the tenant's
// last good template revision, so the change reaches the tenant only
// through a rollout. The rollout's run fails, and its compensation
// re-applies the last good spec revision (the CRM update's) with the
// template revision it was applied with, read back from PostgreSQL: the
// resource the new templates added is destroyed and the one they removed
// is created again. Runs and the tenant show both revisions; a drift check
// finds nothing; once a second rollout of the same revision applies
// cleanly, the old revision, which no tenant needs any more, is pruned.
func TestE2ETemplateChangeThenFailedRolloutRestoresTheOldTemplates(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	crm := startCRM(t)
	cfg := testConfig(t, testenv.NewDatabase(t), t.TempDir(), s, crm)
	cfg.TemplatesDir = triggertest.CopyTemplates(t, "standard")
	tr := startTrigger(t, cfg)

	r1 := postWebhook(t, tr.url, event("evt-nov-1", "customer.created", "november", nil))
	onboard := waitRun(t, tr.url, r1.RunID, 2*time.Minute)
	if onboard.State != store.StateCompleted {
		t.Fatalf("onboarding %s: %s", onboard.State, onboard.Error)
	}
	v1 := onboard.TemplateRevision
	var ov api.RunView
	apiGet(t, tr.url, fmt.Sprintf("/v1/runs/%d", onboard.ID), &ov)
	if ov.Template == nil || ov.Template.Revision != v1 || ov.Template.Tier != "standard" || ov.Template.ProviderVersion == "" ||
		ov.Template.Files[scimModule] == "" {
		t.Fatalf("onboarding's template %+v, want revision %s with its files", ov.Template, v1)
	}
	if !slices.Contains(s.Inventory(), "scim:group/november-admins") {
		t.Fatalf("inventory %v lacks the admins group", s.Inventory())
	}

	// New templates on disk; a CRM update renders the tenant's own.
	if err := os.WriteFile(filepath.Join(cfg.TemplatesDir, "..", filepath.FromSlash(scimModule)), []byte(usersV2), 0o644); err != nil {
		t.Fatal(err)
	}
	r2 := postWebhook(t, tr.url, event("evt-nov-2", "customer.updated", "november", func(tn map[string]any) {
		tn["display_name"] = "November Renamed"
	}))
	if up := waitRun(t, tr.url, r2.RunID, 2*time.Minute); up.State != store.StateCompleted || up.TemplateRevision != v1 {
		t.Fatalf("CRM update %s with template %s, want COMPLETED with the tenant's own %s: %s", up.State, up.TemplateRevision, v1, up.Error)
	}
	if inv := s.Inventory(); !slices.Contains(inv, "scim:group/november-admins") || slices.Contains(inv, "scim:group/november-operators") {
		t.Fatalf("a CRM update applied the templates on disk: %v", inv)
	}

	// A rollout of the new templates, whose auditor account fails.
	remove := s.SCIM.Faults.Add(fault.Rule{Method: http.MethodPost, Path: `/Users$`, Kind: fault.Status, Status: http.StatusBadRequest,
		ContentType: "application/scim+json",
		Body:        `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","detail":"user quota exceeded"}`})
	ro := startRollout(t, tr.url, `{"tier": "standard"}`)
	halted := waitRollout(t, tr.url, ro.ID, 3*time.Minute, "halted", settledIn(store.RolloutHalted))
	remove()
	v2 := ro.TemplateRevision
	failed := waitRun(t, tr.url, *halted.Tenants[0].RunID, time.Minute)
	if failed.State != store.StateRolledBack || !strings.Contains(failed.Error, "user quota exceeded") {
		t.Fatalf("rollout run %s (%q), want ROLLED_BACK with the backend's message", failed.State, failed.Error)
	}
	if failed.TemplateRevision != v2 || v2 == v1 || failed.Revision != 2 || failed.CompensationTemplateRevision != v1 ||
		failed.CompensationRevision == nil || *failed.CompensationRevision != 2 {
		t.Fatalf("rollout run applied %d with %s, compensated with %s at revision %v; want 2 with %s, then %s at 2",
			failed.Revision, failed.TemplateRevision, failed.CompensationTemplateRevision, failed.CompensationRevision, v2, v1)
	}
	step := func(phase, addr, action string) bool {
		for _, st := range failed.Steps {
			if st.Phase == phase && st.Address == addr && st.Action == action && st.Status == "completed" {
				return true
			}
		}
		return false
	}
	for _, want := range []struct{ phase, addr, action string }{
		{"apply", "module.scim.tenantops_scim_group.operators", "create"},
		{"apply", "module.scim.tenantops_scim_group.admins", "delete"},
		{"compensate", "module.scim.tenantops_scim_group.operators", "delete"},
		{"compensate", "module.scim.tenantops_scim_group.admins", "create"},
	} {
		if !step(want.phase, want.addr, want.action) {
			t.Errorf("no completed %s of %s in the %s phase: %+v", want.action, want.addr, want.phase, failed.Steps)
		}
	}
	inv := s.Inventory()
	if !slices.Contains(inv, "scim:group/november-admins") || slices.Contains(inv, "scim:group/november-operators") {
		t.Fatalf("after the compensation the backends hold %v: want the admins group back and no operators group", inv)
	}
	if got := s.Keycloak.Realm("november")["displayName"]; got != "November Renamed" {
		t.Fatalf("realm display name %v, want the last good revision's", got)
	}
	// The run shows both revisions; the details of the one its
	// compensation re-applied come from the database.
	var rv api.RunView
	apiGet(t, tr.url, fmt.Sprintf("/v1/runs/%d", failed.ID), &rv)
	if rv.TemplateRevision != v2 || rv.CompensationTemplate == nil || rv.CompensationTemplate.Revision != v1 ||
		rv.CompensationTemplate.Files[scimModule] != ov.Template.Files[scimModule] {
		t.Fatalf("run view: template %s, compensation template %+v", rv.TemplateRevision, rv.CompensationTemplate)
	}
	var tn api.TenantView
	apiGet(t, tr.url, "/v1/tenants/november", &tn)
	if tn.LastGoodRevision == nil || *tn.LastGoodRevision != 2 || tn.LastGoodTemplateRevision == nil || *tn.LastGoodTemplateRevision != v1 ||
		tn.LastGoodTemplate == nil || tn.LastGoodTemplate.Revision != v1 {
		t.Fatalf("tenant %+v, want last good revision 2 with template %s", tn.Tenant, v1)
	}

	// A drift check renders the last good template revision, not the
	// files on disk: nothing has drifted.
	var drift struct {
		RunID int64 `json:"run_id"`
	}
	apiPost(t, tr.url, "/v1/tenants/november/drift", &drift)
	d := waitRun(t, tr.url, drift.RunID, time.Minute)
	if d.State != store.StateCompleted || d.TemplateRevision != v1 || !strings.Contains(string(d.Outputs), `"drift":false`) {
		t.Fatalf("drift run %s template %s outputs %s: %s", d.State, d.TemplateRevision, d.Outputs, d.Error)
	}

	// With the backend healthy a rollout of the same revision (kept as
	// the tier's newest rollout's) applies; the old revision is no
	// tenant's last good one any more and is pruned.
	again := startRollout(t, tr.url, `{"tier": "standard", "template_revision": "`+v2+`"}`)
	done := waitRollout(t, tr.url, again.ID, 3*time.Minute, "completed", settledIn(store.RolloutCompleted))
	ok := waitRun(t, tr.url, *done.Tenants[0].RunID, time.Minute)
	if ok.State != store.StateCompleted || ok.TemplateRevision != v2 {
		t.Fatalf("rollout of the new templates %s (template %s): %s", ok.State, ok.TemplateRevision, ok.Error)
	}
	inv = s.Inventory()
	if slices.Contains(inv, "scim:group/november-admins") || !slices.Contains(inv, "scim:group/november-operators") ||
		!slices.Contains(inv, "scim:user/november.auditor") {
		t.Fatalf("after the new templates applied: %v", inv)
	}
	// The runner prunes right after it records the run's end.
	deadline := time.Now().Add(10 * time.Second)
	for count(t, tr, `SELECT count(*) FROM template_revisions WHERE revision = $1`, v1) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("template revision %s kept though no tenant needs it", v1)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := count(t, tr, `SELECT count(*) FROM template_revisions WHERE revision = $1`, v2); n != 1 {
		t.Fatalf("the tenant's last good template revision %s was pruned", v2)
	}
	ov = api.RunView{}
	apiGet(t, tr.url, fmt.Sprintf("/v1/runs/%d", onboard.ID), &ov)
	if ov.TemplateRevision != v1 || ov.Template != nil {
		t.Fatalf("a finished run keeps the id of its pruned revision and shows no details: %q %+v", ov.TemplateRevision, ov.Template)
	}
}

// A failure to record the run in the trigger's own database (here: the
// plan summary of an update, refused once) no longer passes unnoticed: the
// job is retried and the run completes, neither failed nor compensated,
// with the summary recorded.
func TestE2EDatabaseFailureRetriesTheRun(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	crm := startCRM(t)
	tr := startTrigger(t, testConfig(t, testenv.NewDatabase(t), t.TempDir(), s, crm))
	r1 := postWebhook(t, tr.url, event("evt-osc-1", "customer.created", "oscar", nil))
	if run := waitRun(t, tr.url, r1.RunID, 2*time.Minute); run.State != store.StateCompleted {
		t.Fatalf("onboarding %s: %s", run.State, run.Error)
	}
	if _, err := tr.pool.Exec(context.Background(), `
		CREATE SEQUENCE plan_summary_fault;
		CREATE FUNCTION plan_summary_fault() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			-- nextval is not rolled back with the failed statement: once only.
			IF NEW.kind = 'update' AND NEW.plan_summary IS DISTINCT FROM OLD.plan_summary
				AND nextval('plan_summary_fault') = 1 THEN
				RAISE EXCEPTION 'injected: could not extend file';
			END IF;
			RETURN NEW;
		END $$;
		CREATE TRIGGER plan_summary_fault BEFORE UPDATE ON runs FOR EACH ROW EXECUTE FUNCTION plan_summary_fault();`); err != nil {
		t.Fatal(err)
	}
	r2 := postWebhook(t, tr.url, event("evt-osc-2", "customer.updated", "oscar", func(tn map[string]any) {
		tn["display_name"] = "Oscar Renamed"
	}))
	run := waitRun(t, tr.url, r2.RunID, 2*time.Minute)
	if run.State != store.StateCompleted || run.Attempts != 2 || !strings.Contains(string(run.PlanSummary), "module.sso.tenantops_sso_realm.this") {
		t.Fatalf("update %s after %d attempts, plan %s, error %q: want COMPLETED on the second attempt with its plan recorded",
			run.State, run.Attempts, run.PlanSummary, run.Error)
	}
	for _, st := range run.Steps {
		if st.Phase != "apply" || st.Status != "completed" {
			t.Errorf("step %+v: nothing was compensated", st)
		}
	}
	if got := s.Keycloak.Realm("oscar")["displayName"]; got != "Oscar Renamed" {
		t.Fatalf("realm display name %v", got)
	}
	if cbs := crm.ForRun(run.ID); len(cbs) > 1 || (len(cbs) == 1 && cbs[0].Outcome != string(store.StateCompleted)) {
		t.Fatalf("callbacks %+v", cbs)
	}
	if cb := crm.WaitFor(t, run.ID, 30*time.Second); cb.Outcome != string(store.StateCompleted) {
		t.Fatalf("callback %+v", cb)
	}
}
