package reliability

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/trigger/store"
)

// TestHostileSpecsEndToEnd sends hostile specs to a running trigger:
// oversized, deeply nested, confusable and path-like identifiers, a tier
// that walks out of templates/, strings PostgreSQL cannot store (a lone
// surrogate, invalid UTF-8, NUL), control characters in names, a time
// years ahead. Each is refused with a 4xx before anything is stored. Then
// a tenant whose free-text fields are HCL and template injection strings
// is onboarded: Terraform receives them as data, so the run completes and
// the state holds the literal strings. Against that live tenant, a
// deletion naming a hostile tier, a second event reusing an event id with
// another body and a late update are refused or recorded as stale, and
// leave the tenant as it was.
func TestHostileSpecsEndToEnd(t *testing.T) {
	e := startEnv(t)
	cases := map[string][]byte{
		"oversized":            tenantSpec("evt-h1", "customer.created", "hacme", false, mut("display_name", strings.Repeat("A", 2<<20))),
		"deep JSON":            []byte(`{"event_id":"evt-h2","tenant":` + strings.Repeat(`{"x":`, 50000) + `1` + strings.Repeat(`}`, 50000) + `}`),
		"confusable tenant id": tenantSpec("evt-h3", "customer.created", "h\u0430cme", false, nil),
		"traversal tenant id":  tenantSpec("evt-h4", "customer.created", "../../etc", false, nil),
		"traversal tier":       tenantSpec("evt-h5", "customer.created", "hacme", false, mut("tier", "../../../tmp")),
		"hidden tier":          tenantSpec("evt-h6", "customer.created", "hacme", false, mut("tier", ".terraform")),
		"injection in tier":    tenantSpec("evt-h7", "customer.created", "hacme", false, mut("tier", `standard" { } #`)),
		"traversal in admin":   tenantSpec("evt-h8", "customer.created", "hacme", false, mut("admins", []any{map[string]any{"username": "../../root", "email": "r@x.example", "given_name": "R", "family_name": "X"}})),
		"not JSON":             []byte("tenant=acme&tier=standard"),
		"two documents":        append(tenantSpec("evt-h9", "customer.created", "hacme", false, nil), []byte(`{}`)...),
		"lone surrogate":       displayName("evt-h11", `"H\ud800acme"`),
		"invalid UTF-8":        displayName("evt-h12", "\"H\xed\xa0\x80acme\""),
		"NUL escape":           displayName("evt-h13", `"Hacme\u0000"`),
		"newline in a name":    tenantSpec("evt-h14", "customer.created", "hacme", false, mut("display_name", "Hacme\nlevel=ERROR forged")),
		"257 characters":       tenantSpec("evt-h15", "customer.created", "hacme", false, mut("display_name", strings.Repeat("é", 257))),
		"occurred in 9999":     occurredAt(tenantSpec("evt-h16", "customer.created", "hacme", false, nil), "9999-12-31T23:59:59Z"),
	}
	for name, body := range cases {
		r := postWebhook(e.url, body)
		if r.Status != http.StatusBadRequest && r.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("%s: answered %d %s, want 400 or 413", name, r.Status, tail(r.Raw, 300))
		}
		if r.RunID != 0 {
			t.Errorf("%s: got run %d", name, r.RunID)
		}
	}
	tally.add(func(c *counts) { c.hostileSpecs += len(cases) + 1 })
	var events, tenants int
	_ = e.pool.QueryRow(context.Background(), `SELECT count(*) FROM events`).Scan(&events)
	_ = e.pool.QueryRow(context.Background(), `SELECT count(*) FROM tenants`).Scan(&tenants)
	if events != 0 || tenants != 0 {
		t.Fatalf("hostile specs left %d events and %d tenants", events, tenants)
	}

	display := `${file("/etc/passwd")} %{ for x in [1] }${x}%{ endfor } {{ .Secret }}`
	given := `"} resource "x" "y" {`
	r := postWebhook(e.url, tenantSpec("evt-h10", "customer.created", "hinj", false, func(tn map[string]any) {
		tn["display_name"] = display
		tn["admins"] = []any{map[string]any{"username": "alice", "email": "alice@hinj.example", "given_name": given, "family_name": "$(id)"}}
	}))
	if r.Status != http.StatusAccepted {
		t.Fatalf("injection strings in free text refused: %d %s", r.Status, r.Raw)
	}
	run, stuck := waitRun(e.pool, r.RunID, 3*time.Minute)
	tally.run(string(run.State), stuck)
	if run.State != store.StateCompleted {
		t.Fatalf("%s", describe(run))
	}
	var state string
	if err := e.pool.QueryRow(context.Background(), `SELECT data FROM terraform_remote_state.states WHERE name = 'hinj'`).Scan(&state); err != nil {
		t.Fatal(err)
	}
	lit, _ := json.Marshal(display)
	if !strings.Contains(state, strings.Trim(string(lit), `"`)) {
		t.Errorf("the state does not hold the literal display name %s", lit)
	}
	if strings.Contains(state, "root:x:0:0") {
		t.Errorf("file() was evaluated: /etc/passwd is in the state")
	}
	if !strings.Contains(state, strings.Trim(mustJSON(given), `"`)) {
		t.Errorf("the admin's given name did not reach the state literally")
	}
	if cbs := e.crm.WaitSettled(run.ID, time.Minute); len(cbs) != 1 || cbs[0].Outcome != string(store.StateCompleted) {
		t.Errorf("callbacks %+v", cbs)
	}
	hostileAgainstALiveTenant(t, e)
}

// hostileAgainstALiveTenant sends, to the onboarded tenant hinj, events a
// hostile or confused CRM sends: a deletion naming a tier that walks out
// of templates/ (400), the onboarding's event id with another body (409),
// an update older than the newest accepted event (200, stale). None may
// start a run or change the tenant.
func hostileAgainstALiveTenant(t *testing.T, e *env) {
	before, err := store.GetTenant(context.Background(), e.pool, "hinj")
	if err != nil {
		t.Fatal(err)
	}
	deletion := []byte(`{"event_id":"evt-h20","event_type":"customer.deleted","occurred_at":"` +
		time.Now().UTC().Format(time.RFC3339Nano) + `","tenant":{"id":"hinj","tier":"../../../tmp"}}`)
	reuse := tenantSpec("evt-h10", "customer.created", "hinj", false, mut("display_name", "Hinj Impostor"))
	late := occurredAt(tenantSpec("evt-h21", "customer.updated", "hinj", false, mut("display_name", "Hinj Late")), "2001-01-01T00:00:00Z")
	for name, c := range map[string]struct {
		body   []byte
		status int
		want   string
	}{
		"deletion with a traversal tier":   {deletion, http.StatusBadRequest, `"field":"tenant.tier"`},
		"event id reused, other body":      {reuse, http.StatusConflict, "first received at"},
		"update older than the newest one": {late, http.StatusOK, `"stale":true`},
	} {
		r := postWebhook(e.url, c.body)
		if r.Status != c.status || !strings.Contains(r.Raw, c.want) || r.RunID != 0 {
			t.Errorf("%s: %d %s, want %d with %s", name, r.Status, tail(r.Raw, 300), c.status, c.want)
		}
	}
	tally.add(func(c *counts) { c.hostileSpecs += 3 })
	after, err := store.GetTenant(context.Background(), e.pool, "hinj")
	if err != nil {
		t.Fatal(err)
	}
	if after.Tier != before.Tier || after.CurrentRevision != before.CurrentRevision || after.Status != before.Status ||
		after.LastEventID != before.LastEventID || !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("the tenant changed:\nbefore %+v\nafter  %+v", before, after)
	}
	var runs int
	_ = e.pool.QueryRow(context.Background(), `SELECT count(*) FROM runs WHERE tenant = 'hinj'`).Scan(&runs)
	if runs != 1 {
		t.Errorf("%d runs of hinj, want only its onboarding", runs)
	}
}

// mut sets one tenant field.
func mut(k string, v any) func(map[string]any) { return func(tn map[string]any) { tn[k] = v } }

// occurredAt gives a webhook body another occurred_at.
func occurredAt(body []byte, at string) []byte {
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	m["occurred_at"] = at
	b, _ := json.Marshal(m)
	return b
}

// displayName is a created event for hacme whose display name is the raw
// JSON string s, escapes and bytes as written.
func displayName(eventID, s string) []byte {
	b := tenantSpec(eventID, "customer.created", "hacme", false, nil)
	return []byte(strings.Replace(string(b), `"display_name":"Tenant hacme"`, `"display_name":`+s, 1))
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
