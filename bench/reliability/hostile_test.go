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
// that walks out of templates/. Each is refused with a 4xx before anything
// is stored. Then a tenant whose free-text fields are HCL and template
// injection strings is onboarded: Terraform receives them as data, so the
// run completes and the state holds the literal strings.
func TestHostileSpecsEndToEnd(t *testing.T) {
	e := startEnv(t)
	mut := func(k string, v any) func(map[string]any) { return func(tn map[string]any) { tn[k] = v } }
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
	given := "\"\n}\nresource \"x\" \"y\" {"
	r := postWebhook(e.url, tenantSpec("evt-h10", "customer.created", "hinj", false, func(tn map[string]any) {
		tn["display_name"] = display
		tn["admins"] = []any{map[string]any{"username": "alice", "email": "alice@hinj.example", "given_name": given, "family_name": "$(id)"}}
	}))
	if r.Status != http.StatusAccepted {
		t.Fatalf("injection strings in free text refused: %d %s", r.Status, r.Raw)
	}
	run, stuck := waitRun(e.pool, r.RunID, 3*time.Minute)
	tally.run(run.State, stuck)
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
	if cbs := e.crm.WaitSettled(run.ID, time.Minute); len(cbs) != 1 || cbs[0].Outcome != store.StateCompleted {
		t.Errorf("callbacks %+v", cbs)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
