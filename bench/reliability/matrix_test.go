package reliability

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/sim/fault"
	"github.com/tenantops/tenantops/trigger/store"
)

// backend describes how to break one external system: the paths of its
// tenant API (not its login), and a permanent refusal in its own error
// format.
type backend struct {
	name     string
	dr       bool // only the premium-dr tier uses it
	path     string
	permCT   string
	permBody string
	permCode int
	// method of the call a permanent fault refuses, per phase.
	permMethod map[string]string
	// permPath replaces path for the permanent fault of a phase.
	permPath map[string]string
	injector func(e *env) *fault.Injector
}

var backends = []backend{
	{name: "vcd", path: `^/api/(admin/|vdc/)`, permCode: http.StatusBadRequest,
		permCT:     "application/vnd.vmware.vcloud.error+xml;version=37.0",
		permBody:   `<Error xmlns="http://www.vmware.com/vcloud/v1.5" majorErrorCode="400" minorErrorCode="BAD_REQUEST" message="reliability: organization quota exhausted"/>`,
		permMethod: map[string]string{"onboard": "POST", "update": "PUT", "offboard": "DELETE"},
		injector:   func(e *env) *fault.Injector { return e.sims.vcd.Faults }},
	{name: "keycloak", path: `^/admin/realms`, permCode: http.StatusBadRequest, permCT: "application/json",
		permBody:   `{"error":"invalid_request","errorMessage":"reliability: realm limit reached"}`,
		permMethod: map[string]string{"onboard": "POST", "update": "PUT", "offboard": "DELETE"},
		injector:   func(e *env) *fault.Injector { return e.sims.kc.Faults }},
	{name: "scim", path: `/(Users|Groups)`, permCode: http.StatusBadRequest, permCT: "application/scim+json",
		permBody:   `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","detail":"reliability: user quota exceeded"}`,
		permMethod: map[string]string{"onboard": "POST", "update": "POST", "offboard": "DELETE"},
		injector:   func(e *env) *fault.Injector { return e.sims.scim.Faults }},
	{name: "zerto", dr: true, path: `^/v1/(vpgSettings|vpgs)`, permCode: http.StatusBadRequest, permCT: "application/json",
		permBody:   `{"Message":"reliability: recovery site license exhausted"}`,
		permMethod: map[string]string{"onboard": "POST", "update": "POST", "offboard": "DELETE"},
		// Reading a VPG's settings goes through a draft (POST
		// /v1/vpgSettings), so a permanent update fault refuses the commit.
		permPath: map[string]string{"update": `^/v1/vpgSettings/[^/]+/commit$`, "offboard": `^/v1/vpgs/`},
		injector: func(e *env) *fault.Injector { return e.sims.zerto.Faults }},
	{name: "crm", path: `.*`, permCode: http.StatusServiceUnavailable, permCT: "text/plain", permBody: "CRM maintenance",
		permMethod: map[string]string{"onboard": "POST", "update": "POST", "offboard": "POST"},
		injector:   func(e *env) *fault.Injector { return e.crm.Faults }},
}

// Fault kinds.
const (
	burst     = "5xx burst"
	reset     = "connection reset"
	permanent = "permanent failure"
	latency   = "latency spike"
	outage    = "outage then recovery"
	// discard503 is one 503 on discarding a Zerto settings draft (every
	// read of a VPG opens and discards one).
	discard503 = "5xx on draft discard"
)

type scenario struct {
	b     backend
	fault string
	phase string // onboard, update, offboard
}

func (s scenario) name() string {
	return fmt.Sprintf("%s-%s-%s", s.b.name, s.phase, strings.ReplaceAll(s.fault, " ", "-"))
}

// rules are the fault rules of the scenario.
func (s scenario) rules() []fault.Rule {
	switch s.fault {
	case burst:
		return []fault.Rule{{Path: s.b.path, Kind: fault.Status, Status: http.StatusServiceUnavailable,
			ContentType: "text/plain", Body: "503 Service Unavailable: overloaded", Times: 3}}
	case reset:
		return []fault.Rule{{Path: s.b.path, Kind: fault.Reset, Times: 2}}
	case latency:
		return []fault.Rule{{Path: s.b.path, Kind: fault.Latency, Delay: 3 * time.Second, Times: 2}}
	case discard503:
		return []fault.Rule{{Method: http.MethodDelete, Path: `^/v1/vpgSettings/[^/]+$`, Kind: fault.Status,
			Status: http.StatusServiceUnavailable, ContentType: "text/plain", Body: "503 Service Unavailable", Times: 1}}
	case outage:
		return []fault.Rule{{Path: s.b.path, Kind: fault.Status, Status: http.StatusServiceUnavailable,
			ContentType: "text/plain", Body: "503 Service Unavailable: outage"}}
	default:
		path := s.b.path
		if p := s.b.permPath[s.phase]; p != "" {
			path = p
		}
		return []fault.Rule{{Method: s.b.permMethod[s.phase], Path: path, Kind: fault.Status,
			Status: s.b.permCode, ContentType: s.b.permCT, Body: s.b.permBody}}
	}
}

// matrix lists the scenarios of this mode: the short campaign takes one
// transient and one permanent backend fault and a CRM burst; the full one
// every backend × fault during onboarding, and the update and offboarding
// phases for the main kinds.
func matrix() []scenario {
	by := map[string]backend{}
	for _, b := range backends {
		by[b.name] = b
	}
	if !full() {
		return []scenario{
			{by["vcd"], burst, "onboard"},
			{by["keycloak"], permanent, "onboard"},
			{by["crm"], burst, "onboard"},
		}
	}
	var out []scenario
	for _, b := range backends {
		for _, f := range []string{burst, reset, permanent, latency} {
			out = append(out, scenario{b, f, "onboard"})
		}
	}
	for _, b := range backends {
		if b.name == "crm" {
			continue
		}
		out = append(out, scenario{b, burst, "update"}, scenario{b, permanent, "update"},
			scenario{b, reset, "offboard"}, scenario{b, permanent, "offboard"})
	}
	out = append(out, scenario{by["vcd"], outage, "onboard"}, scenario{by["scim"], outage, "update"},
		scenario{by["zerto"], discard503, "update"},
		scenario{by["crm"], burst, "update"}, scenario{by["crm"], permanent, "offboard"})
	return out
}

// TestFaultMatrix injects each scenario's fault into one system during a
// run and checks the end conditions: the run ends COMPLETED (transient) or
// ROLLED_BACK to nothing / the last good revision (permanent), never stuck;
// the CRM receives exactly one callback carrying that outcome; and no
// simulator holds an object that no ACTIVE tenant owns.
func TestFaultMatrix(t *testing.T) {
	e := startEnv(t)
	for i, sc := range matrix() {
		tenant := fmt.Sprintf("m%02d", i+1)
		if !t.Run(sc.name(), func(t *testing.T) { e.scenario(t, sc, tenant) }) {
			tally.note("FAILED %s (tenant %s)", sc.name(), tenant)
		}
	}
	if o := e.orphans(); len(o) > 0 {
		t.Errorf("orphans at the end of the matrix: %v", o)
	}
}

func (e *env) scenario(t *testing.T, sc scenario, tenant string) {
	defer e.sims.clearFaults()
	defer e.crm.Faults.Clear()
	seq := 0
	send := func(typ string, mutate func(map[string]any)) int64 {
		seq++
		r := postWebhook(e.url, tenantSpec(fmt.Sprintf("evt-%s-%d", tenant, seq), typ, tenant, sc.b.dr, mutate))
		if r.Status != http.StatusAccepted || r.RunID == 0 {
			tally.add(func(c *counts) { c.lostWebhooks++ })
			t.Fatalf("%s webhook answered %d: %s %s", typ, r.Status, r.Raw, r.Error)
		}
		return r.RunID
	}
	finish := func(id int64, timeout time.Duration) store.Run {
		run, stuck := waitRun(e.pool, id, timeout)
		tally.run(run.State, stuck)
		if stuck {
			t.Fatalf("stuck: %s", describe(run))
		}
		return run
	}
	if sc.phase != "onboard" {
		if run := finish(send("customer.created", nil), 3*time.Minute); run.State != store.StateCompleted {
			t.Fatalf("clean onboarding before the fault: %s", describe(run))
		}
	}
	before := e.sims.inventory()
	known := e.orphans()
	inj := sc.b.injector(e)
	fired := 0
	recordFired := func() {
		n := inj.Fired()
		fired += n
		tally.add(func(c *counts) { c.faults += n })
	}
	for _, r := range sc.rules() {
		inj.Add(r)
	}
	var id int64
	switch sc.phase {
	case "onboard":
		id = send("customer.created", nil)
	case "update":
		id = send("customer.updated", func(tn map[string]any) {
			tn["display_name"] = "Tenant " + tenant + " renamed"
			tn["admins"] = append(tn["admins"].([]any), map[string]any{"username": "bob", "email": "bob@" + tenant + ".example", "given_name": "Bob", "family_name": "Admin"})
			if sc.b.dr {
				tn["dr"] = map[string]any{"rpo_seconds": 600, "journal_hours": 48, "priority": "High"}
			}
		})
	case "offboard":
		id = send("customer.deleted", nil)
	}
	transient := sc.fault != permanent
	switch {
	case sc.fault == outage:
		// The system is down for a while, then comes back.
		time.Sleep(8 * time.Second)
		recordFired()
		inj.Clear()
	case sc.fault == permanent && (sc.phase == "offboard" || sc.b.name == "crm"):
		// Offboarding is retried, never compensated; callbacks wait in the
		// outbox: both must survive a long refusal and finish once it ends.
		e.waitRefused(t, sc, id)
		recordFired()
		inj.Clear()
		transient = true
	}
	run := finish(id, 4*time.Minute)

	switch {
	case sc.fault == outage:
		// Depending on its length an outage is ridden out or compensated;
		// either way it ends cleanly.
		if run.State != store.StateCompleted && run.State != store.StateRolledBack {
			t.Errorf("after an outage: %s", describe(run))
		}
	case transient && run.State != store.StateCompleted:
		t.Errorf("transient fault: want COMPLETED, got %s", describe(run))
	case !transient && run.State != store.StateRolledBack:
		t.Errorf("permanent fault: want ROLLED_BACK, got %s", describe(run))
	case !transient && !strings.Contains(run.Error, "reliability:"):
		t.Errorf("the run error does not carry the backend's message: %q", run.Error)
	}
	// The CRM gets exactly one callback, with the run's outcome.
	cbs := e.crm.waitFor(run.ID, 90*time.Second)
	if len(cbs) != 1 || cbs[0].Outcome != run.State {
		tally.add(func(c *counts) { c.callbacksWrong++ })
		t.Errorf("CRM callbacks for run %d: %+v, want exactly one with outcome %s", run.ID, cbs, run.State)
	}
	if len(cbs) > 1 {
		tally.add(func(c *counts) { c.duplicateRuns += len(cbs) - 1 })
	}
	recordFired()
	inj.Clear()
	if fired == 0 {
		t.Errorf("the fault never fired")
	}
	// What the tenant's state says must be what the systems hold.
	ten := e.tenant(tenant)
	inv := e.sims.inventory()
	mine := 0
	for _, o := range inv {
		if owner(o, []string{tenant}) == tenant {
			mine++
		}
	}
	switch {
	case sc.phase == "onboard" && run.State == store.StateRolledBack, sc.phase == "offboard" && run.State == store.StateCompleted:
		if mine != 0 {
			t.Errorf("tenant %s (%s) still has %d objects: %v", tenant, ten.Status, mine, inv)
		}
	case sc.phase == "update" && run.State == store.StateRolledBack:
		if ten.Status != "ACTIVE" || ten.LastGoodRevision == nil || *ten.LastGoodRevision != 1 {
			t.Errorf("tenant after a rolled back update: %+v, want ACTIVE at last good revision 1", ten)
		}
		if !equal(before, inv) {
			t.Errorf("rolled back update changed the systems:\nbefore %v\nafter  %v", before, inv)
		}
	case run.State == store.StateCompleted:
		if ten.Status != "ACTIVE" && sc.phase != "offboard" {
			t.Errorf("tenant status %s after a completed run", ten.Status)
		}
		if mine == 0 && sc.phase != "offboard" {
			t.Errorf("completed tenant %s holds no objects", tenant)
		}
	}
	if o := e.newOrphans(known); len(o) > 0 {
		tally.add(func(c *counts) { c.orphans += len(o) })
		t.Errorf("orphaned objects: %v", o)
	}
	// Keep the systems small for the next scenario.
	if run.State == store.StateCompleted && sc.phase != "offboard" {
		e.sims.clearFaults()
		e.crm.Faults.Clear()
		off := finish(send("customer.deleted", nil), 3*time.Minute)
		if off.State != store.StateCompleted {
			t.Errorf("clean offboarding after the scenario: %s", describe(off))
		}
	}
}

// waitRefused waits until the refusal has visibly hit: an offboarding run
// that failed at least once, or a callback that could not be delivered.
func (e *env) waitRefused(t *testing.T, sc scenario, id int64) {
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		if sc.b.name == "crm" {
			var attempts int
			_ = e.pool.QueryRow(context.Background(), `SELECT coalesce(max(attempts), 0) FROM callbacks
				WHERE run_id = $1 AND delivered_at IS NULL`, id).Scan(&attempts)
			if attempts >= 2 {
				return
			}
		} else {
			run, err := store.GetRun(context.Background(), e.pool, id)
			if err == nil && run.Error != "" && run.Attempts >= 2 {
				if store.Terminal(run.State) {
					t.Errorf("offboarding ended %s instead of being retried: %s", run.State, run.Error)
				}
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Errorf("the refusal never showed (run %d)", id)
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
