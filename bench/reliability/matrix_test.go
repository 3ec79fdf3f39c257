package reliability

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/sim/fault"
	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/server"
	"github.com/tenantops/tenantops/trigger/store"
)

// backend describes how to break one external system. The HTTP ones are
// broken through their simulator's fault injector: the paths of its tenant
// API (not its login), and a permanent refusal in its own error format.
// The directory is a real Samba DC, broken through a TCP proxy in front of
// its LDAPS port and, for its permanent refusals, by objects in its way.
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
	// refusal is what the run error of a permanent onboarding or update
	// fault carries: the system's own message.
	refusal string
	// timeout is the client's own limit on one request, which a hang
	// outlasts: the provider's HTTP clients (internal/vcd 2 min,
	// internal/keycloak and the provider's SCIM client 60 s, the
	// provider's Zerto client 2 min), the trigger's callback client 10 s,
	// and for the directory the 10 s within which internal/directory must
	// have dialled and finished the TLS handshake (each LDAP request then
	// has 30 s).
	timeout time.Duration
}

var backends = []backend{
	{name: "vcd", path: `^/api/(admin/|vdc/)`, permCode: http.StatusBadRequest,
		permCT:     "application/vnd.vmware.vcloud.error+xml;version=37.0",
		permBody:   `<Error xmlns="http://www.vmware.com/vcloud/v1.5" majorErrorCode="400" minorErrorCode="BAD_REQUEST" message="reliability: organization quota exhausted"/>`,
		permMethod: map[string]string{"onboard": "POST", "update": "PUT", "offboard": "DELETE", "suspend": "PUT", "reactivate": "PUT"},
		injector:   func(e *env) *fault.Injector { return e.sims.VCD.Faults }, timeout: 2 * time.Minute},
	{name: "keycloak", path: `^/admin/realms`, permCode: http.StatusBadRequest, permCT: "application/json",
		permBody:   `{"error":"invalid_request","errorMessage":"reliability: realm limit reached"}`,
		permMethod: map[string]string{"onboard": "POST", "update": "PUT", "offboard": "DELETE", "suspend": "PUT", "reactivate": "PUT"},
		injector:   func(e *env) *fault.Injector { return e.sims.Keycloak.Faults }, timeout: time.Minute},
	{name: "scim", path: `/(Users|Groups)`, permCode: http.StatusBadRequest, permCT: "application/scim+json",
		permBody: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","detail":"reliability: user quota exceeded"}`,
		// A suspension sets the users inactive: PATCH (PUT where PATCH is
		// not supported).
		permMethod: map[string]string{"onboard": "POST", "update": "POST", "offboard": "DELETE", "suspend": "PATCH", "reactivate": "PATCH"},
		injector:   func(e *env) *fault.Injector { return e.sims.SCIM.Faults }, timeout: time.Minute},
	{name: "zerto", dr: true, path: `^/v1/(vpgSettings|vpgs)`, permCode: http.StatusBadRequest, permCT: "application/json",
		permBody:   `{"Message":"reliability: recovery site license exhausted"}`,
		permMethod: map[string]string{"onboard": "POST", "update": "POST", "offboard": "DELETE"},
		// Reading a VPG's settings goes through a draft (POST
		// /v1/vpgSettings), so a permanent update fault refuses the commit.
		permPath: map[string]string{"update": `^/v1/vpgSettings/[^/]+/commit$`, "offboard": `^/v1/vpgs/`},
		injector: func(e *env) *fault.Injector { return e.sims.Zerto.Faults }, timeout: 2 * time.Minute},
	{name: "crm", path: `.*`, permCode: http.StatusServiceUnavailable, permCT: "text/plain", permBody: "CRM maintenance",
		permMethod: map[string]string{"onboard": "POST", "update": "POST", "offboard": "POST", "suspend": "POST", "reactivate": "POST"},
		injector:   func(e *env) *fault.Injector { return e.crm.Faults }, timeout: 10 * time.Second},
	// The directory's permanent refusals: during onboarding a group of
	// the same account name elsewhere in the domain ("samAccountName ...
	// already in use"), during offboarding an object someone put into the
	// tenant's OU (which then cannot be deleted). An update only rewrites
	// the OU's description, which AD would refuse only by an ACL; setting
	// one on the test DC from here did not work (samba-tool dsacl over
	// LDAPS cannot bind, Samba rejects an SDDL nTSecurityDescriptor), so
	// that case is left out.
	{name: "directory", refusal: "already in use", timeout: 10 * time.Second},
}

// Fault kinds.
const (
	burst     = "5xx burst"
	reset     = "connection reset"
	permanent = "permanent failure"
	latency   = "latency spike"
	hang      = "hang until timeout"
	outage    = "outage then recovery"
	// discard503 is one 503 on discarding a Zerto settings draft (every
	// read of a VPG opens and discards one).
	discard503 = "5xx on draft discard"
)

// outageFor is how long an outage lasts before the system comes back.
const outageFor = 30 * time.Second

type scenario struct {
	b     backend
	fault string
	phase string // onboard, update, offboard, suspend, reactivate, held-destroy
}

// heldDestroy is how long the held lane holds a deletion before the
// destroy its scenarios break.
const heldDestroy = 8 * time.Second

// offboarding reports whether the scenario's run destroys the tenant: a
// deletion, at once or when its hold expires.
func (s scenario) offboarding() bool { return s.phase == "offboard" || s.phase == "held-destroy" }

// call is the phase whose backend calls the scenario's run makes.
func (s scenario) call() string {
	if s.phase == "held-destroy" {
		return "offboard"
	}
	return s.phase
}

func (s scenario) name() string {
	return fmt.Sprintf("%s-%s-%s", s.b.name, s.phase, strings.ReplaceAll(s.fault, " ", "-"))
}

// rules are the fault rules of an HTTP backend's scenario.
func (s scenario) rules() []fault.Rule {
	switch s.fault {
	case burst:
		return []fault.Rule{{Path: s.b.path, Kind: fault.Status, Status: http.StatusServiceUnavailable,
			ContentType: "text/plain", Body: "503 Service Unavailable: overloaded", Times: 3}}
	case reset:
		return []fault.Rule{{Path: s.b.path, Kind: fault.Reset, Times: 2}}
	case latency:
		return []fault.Rule{{Path: s.b.path, Kind: fault.Latency, Delay: 3 * time.Second, Times: 2}}
	case hang:
		// One request is never answered: the client's own timeout must
		// end it (the rule drops the connection a little later, in case
		// it does not).
		return []fault.Rule{{Path: s.b.path, Kind: fault.Hang, Delay: s.b.timeout + 15*time.Second, Times: 1}}
	case discard503:
		return []fault.Rule{{Method: http.MethodDelete, Path: `^/v1/vpgSettings/[^/]+$`, Kind: fault.Status,
			Status: http.StatusServiceUnavailable, ContentType: "text/plain", Body: "503 Service Unavailable", Times: 1}}
	case outage:
		return []fault.Rule{{Path: s.b.path, Kind: fault.Status, Status: http.StatusServiceUnavailable,
			ContentType: "text/plain", Body: "503 Service Unavailable: outage"}}
	default:
		path := s.b.path
		if p := s.b.permPath[s.call()]; p != "" {
			path = p
		}
		return []fault.Rule{{Method: s.b.permMethod[s.call()], Path: path, Kind: fault.Status,
			Status: s.b.permCode, ContentType: s.b.permCT, Body: s.b.permBody}}
	}
}

// needsProxy says whether the scenario breaks the directory's connections,
// which takes the fault proxy in front of a DC the campaign started itself.
func (s scenario) needsProxy() bool {
	return s.b.name == "directory" && s.fault != permanent
}

// tcpRule is the directory proxy's rule of a transient scenario: the
// same faults on new LDAPS connections (an LDAP server has no 5xx, so
// there is no burst).
func (s scenario) tcpRule() fault.TCPRule {
	switch s.fault {
	case reset:
		return fault.TCPRule{Kind: fault.Reset, Times: 2}
	case latency:
		return fault.TCPRule{Kind: fault.Latency, Delay: 3 * time.Second, Times: 2}
	case hang:
		// Longer than the dial limit and the 30 s per request.
		return fault.TCPRule{Kind: fault.Hang, Delay: 45 * time.Second, Times: 1}
	default: // outage
		return fault.TCPRule{Kind: fault.Refuse}
	}
}

// cost guesses how long a scenario takes, to spread the lanes evenly.
func (s scenario) cost() time.Duration {
	d := 5 * time.Second
	if s.phase == "held-destroy" {
		d += heldDestroy
	}
	if s.phase != "onboard" {
		d += 3 * time.Second
	}
	switch s.fault {
	case hang:
		d += s.b.timeout + 3*time.Second
	case outage:
		d += outageFor
	case latency:
		d += 5 * time.Second
	case permanent:
		if s.offboarding() {
			d += 3 * time.Second // the refusal is waited out
		}
	}
	return d
}

// matrix lists the scenarios of this mode. The short campaign takes one
// transient and one permanent HTTP fault, a CRM burst, one hang (of the
// CRM, whose client gives up soonest), the directory's permanent
// onboarding refusal, a permanent refusal during a suspension, a burst
// during a reactivation and a burst during the destroy of a held deletion
// (on a lane of its own, whose trigger holds deletions 8 s). The full one takes every backend × burst, reset,
// permanent, latency and hang during onboarding; burst, permanent, reset,
// latency and hang during update and offboarding; and a 30 s outage of
// every system, each phase covered; and a burst and a permanent refusal
// of Cloud Director, Keycloak and SCIM during a suspension, during a
// reactivation and during a held deletion's destroy. Hangs of Cloud Director and Zerto (2 min client timeouts) stay
// in onboarding: their clients are the same in every phase, and the
// phases' handling of a timed-out request is covered by the directory,
// SCIM and Keycloak hangs.
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
			{by["crm"], hang, "onboard"},
			{by["directory"], permanent, "onboard"},
			{by["keycloak"], permanent, "suspend"},
			{by["vcd"], burst, "reactivate"},
			{by["keycloak"], burst, "held-destroy"},
		}
	}
	var out []scenario
	for _, b := range backends {
		for _, f := range []string{burst, reset, permanent, latency, hang} {
			if f == burst && b.name == "directory" {
				continue
			}
			out = append(out, scenario{b, f, "onboard"})
		}
	}
	for _, b := range backends {
		switch b.name {
		case "crm":
			continue
		case "directory":
			out = append(out, scenario{b, reset, "update"}, scenario{b, hang, "update"},
				scenario{b, reset, "offboard"}, scenario{b, permanent, "offboard"}, scenario{b, hang, "offboard"})
			continue
		}
		out = append(out, scenario{b, burst, "update"}, scenario{b, reset, "update"}, scenario{b, permanent, "update"},
			scenario{b, burst, "offboard"}, scenario{b, reset, "offboard"}, scenario{b, permanent, "offboard"})
	}
	// A latency spike in every phase of every backend.
	for _, b := range backends {
		if b.name != "crm" {
			out = append(out, scenario{b, latency, "update"}, scenario{b, latency, "offboard"})
		}
	}
	// A 30 s outage of every system, each phase covered.
	out = append(out, scenario{by["keycloak"], hang, "update"}, scenario{by["scim"], hang, "offboard"},
		scenario{by["vcd"], outage, "onboard"}, scenario{by["scim"], outage, "update"},
		scenario{by["directory"], outage, "offboard"}, scenario{by["zerto"], outage, "onboard"},
		scenario{by["keycloak"], outage, "offboard"}, scenario{by["crm"], outage, "update"},
		scenario{by["zerto"], discard503, "update"},
		scenario{by["crm"], burst, "update"}, scenario{by["crm"], permanent, "offboard"})
	// Suspension and reactivation (ordinary updates of the suspended flag)
	// on each system they change, and the CRM told of them.
	for _, name := range []string{"vcd", "keycloak", "scim"} {
		for _, phase := range []string{"suspend", "reactivate"} {
			out = append(out, scenario{by[name], burst, phase}, scenario{by[name], permanent, phase})
		}
	}
	out = append(out, scenario{by["crm"], burst, "suspend"}, scenario{by["crm"], permanent, "reactivate"})
	// The destroy of a held deletion, when the hold expires.
	for _, name := range []string{"vcd", "keycloak", "scim"} {
		out = append(out, scenario{by[name], burst, "held-destroy"}, scenario{by[name], permanent, "held-destroy"})
	}
	return out
}

// lane is a list of scenarios (indexes into the matrix) that one trigger
// runs in order, and how that trigger's configuration differs.
type lane struct {
	name  string
	idx   []int
	tweak func(*server.Config)
}

// plan spreads the matrix over n lanes, longest scenario first onto the
// least loaded lane, each lane keeping the matrix order. Outages get a
// lane of their own whose trigger retries on the service's default
// schedule (3 retries, 10 s doubling): the harness's 300 ms backoff is
// over long before a 30 s outage is, and then the run's fate says nothing
// about the service as shipped.
func plan(scs []scenario, n int) []lane {
	var order, outages, held []int
	for i, sc := range scs {
		switch {
		case sc.fault == outage:
			outages = append(outages, i)
		case sc.phase == "held-destroy":
			held = append(held, i)
		default:
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return scs[order[a]].cost() > scs[order[b]].cost() })
	out := make([]lane, n)
	load := make([]time.Duration, n)
	for _, i := range order {
		l := 0
		for j := range load {
			if load[j] < load[l] {
				l = j
			}
		}
		out[l].idx = append(out[l].idx, i)
		load[l] += scs[i].cost()
	}
	for l := range out {
		out[l].name = fmt.Sprintf("lane%d", l+1)
		sort.Ints(out[l].idx)
	}
	if len(held) > 0 {
		// Deletions held briefly, so the destroy the scenario breaks comes
		// within the scenario.
		out = append(out, lane{name: "held", idx: held, tweak: func(c *server.Config) { c.OffboardRetention = heldDestroy }})
	}
	if len(outages) > 0 {
		out = append(out, lane{name: "outages", idx: outages, tweak: func(c *server.Config) {
			d := server.Defaults()
			c.Retries, c.RetryBackoff = d.Retries, d.RetryBackoff
		}})
	}
	return out
}

// TestFaultMatrix injects each scenario's fault into one system during a
// run and checks the end conditions: the run ends COMPLETED (transient) or
// ROLLED_BACK to nothing / the last good revision (permanent), never stuck;
// the CRM receives exactly one callback carrying that outcome; and no
// simulator, nor the directory, holds an object that no tenant's state
// records.
//
// The full campaign runs its lanes at once (3, plus the outages), each a
// trigger with its own simulators, database, directory OU and directory
// proxy, so a lane's faults never hit another's runs; tenants are
// numbered across lanes (account names are unique in the whole domain).
func TestFaultMatrix(t *testing.T) {
	scs := matrix()
	if dc, err := testenv.SambaForTests(); err == nil && dc.Host == "" {
		// An external DC (TENANTOPS_TEST_LDAP_URL) has no fault proxy in
		// front of it: its connection faults are left out, and the table
		// says so.
		var kept []scenario
		for _, sc := range scs {
			if sc.needsProxy() {
				tally.note("NOT RUN %s: an external directory has no fault proxy", sc.name())
				continue
			}
			kept = append(kept, sc)
		}
		scs = kept
	}
	n := 1
	if full() {
		n = 3
	}
	var mu sync.Mutex
	var bases []string // the lanes' directory OUs
	var wg sync.WaitGroup
	for _, ln := range plan(scs, n) {
		wg.Add(1)
		// Goroutines rather than t.Parallel, which -parallel (GOMAXPROCS)
		// would cap: the lanes mostly wait.
		go func() {
			defer wg.Done()
			t.Run(ln.name, func(t *testing.T) {
				e := startDirectoryEnv(t, ln.name, ln.tweak)
				mu.Lock()
				bases = append(bases, strings.ToLower(e.dir.base))
				mu.Unlock()
				for _, i := range ln.idx {
					sc, tenant := scs[i], fmt.Sprintf("m%02d", i+1)
					tally.add(func(c *counts) { c.scenarios++ })
					if !t.Run(sc.name(), func(t *testing.T) { e.scenario(t, sc, tenant) }) {
						tally.add(func(c *counts) { c.scenariosFailed++ })
						tally.note("FAILED %s (tenant %s, %s)", sc.name(), tenant, ln.name)
					}
				}
				if o := e.orphans(); len(o) > 0 {
					t.Errorf("orphans at the end of %s: %v", ln.name, o)
				}
			})
		}()
	}
	wg.Wait()
	// Whatever the runs or the fixtures left in the domain outside the
	// lanes' OUs (those were checked above).
	if dc, err := testenv.SambaForTests(); err == nil {
		var stray []string
		for _, dn := range dc.Inventory() {
			under := false
			for _, b := range bases {
				under = under || dn == b || strings.HasSuffix(dn, ","+b)
			}
			if !under {
				stray = append(stray, dn)
			}
		}
		if len(stray) > 0 {
			tally.add(func(c *counts) { c.orphans += len(stray) })
			t.Errorf("directory objects outside the lanes' OUs: %v", stray)
		}
	}
}

// breaker is a fault in force: how often it hit, and how to end it.
type breaker interface {
	Fired() int
	Clear()
}

// dirBreaker breaks the directory: a proxy rule, or a fixture in the way
// of the tenant's objects that Clear removes.
type dirBreaker struct {
	t       testing.TB
	e       *env
	tenant  string
	rule    bool
	fixture string // DN
	marker  string // what the run error shows once the fixture was hit
	seen    bool
}

func (d *dirBreaker) Fired() int {
	if d.rule {
		return d.e.dir.proxy.Fired()
	}
	if d.fixture == "" {
		return 0
	}
	if !d.seen {
		var n int
		_ = d.e.pool.QueryRow(context.Background(), `SELECT count(*) FROM runs WHERE tenant = $1 AND error ILIKE $2`,
			d.tenant, "%"+d.marker+"%").Scan(&n)
		d.seen = n > 0
	}
	if d.seen {
		return 1
	}
	return 0
}

func (d *dirBreaker) Clear() {
	if d.rule {
		if err := d.e.dir.proxy.Clear(); err != nil {
			d.t.Errorf("directory proxy: %v", err)
		}
		d.rule = false
	}
	if d.fixture != "" {
		if err := d.e.dir.del(d.fixture); err != nil {
			d.t.Errorf("removing %s: %v", d.fixture, err)
		}
		d.fixture = ""
	}
}

// inject puts the scenario's fault in force.
func (e *env) inject(t *testing.T, sc scenario, tenant string) breaker {
	if sc.b.name != "directory" {
		inj := sc.b.injector(e)
		for _, r := range sc.rules() {
			inj.Add(r)
		}
		return inj
	}
	d := &dirBreaker{t: t, e: e, tenant: tenant}
	switch {
	case sc.fault == permanent && sc.phase == "onboard":
		// Account names are unique in the whole domain.
		d.fixture, d.marker = "CN="+tenant+"-users,CN=Users,"+e.dir.dc.BaseDN, "already in use"
		if err := e.dir.add(d.fixture, "group", map[string]string{"sAMAccountName": tenant + "-users"}); err != nil {
			t.Fatalf("fixture %s: %v", d.fixture, err)
		}
	case sc.fault == permanent && sc.phase == "offboard":
		// Someone's object in the tenant's OU: it cannot be deleted.
		d.fixture, d.marker = "CN="+tenant+"-stray,OU="+tenant+","+e.dir.base, "Non Leaf"
		if err := e.dir.add(d.fixture, "contact", nil); err != nil {
			t.Fatalf("fixture %s: %v", d.fixture, err)
		}
	case e.dir.proxy == nil:
		t.Fatalf("%s needs the directory's fault proxy", sc.name())
	default:
		d.rule = true
		e.dir.proxy.Set(sc.tcpRule())
	}
	return d
}

func (e *env) scenario(t *testing.T, sc scenario, tenant string) {
	defer e.sims.ClearFaults()
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
		tally.run(string(run.State), stuck)
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
	if sc.phase == "reactivate" {
		if run := finish(send("customer.suspended", nil), 3*time.Minute); run.State != store.StateCompleted {
			t.Fatalf("clean suspension before the fault: %s", describe(run))
		}
	}
	if sc.phase == "held-destroy" {
		// The deletion suspends the tenant at once; the fault is for the
		// destroy when the hold expires.
		if run := finish(send("customer.deleted", nil), 3*time.Minute); run.State != store.StateCompleted || run.Kind != store.KindUpdate {
			t.Fatalf("the held deletion's suspension: %s", describe(run))
		}
	}
	before := e.inventory()
	known := e.orphans()
	brk := e.inject(t, sc, tenant)
	defer brk.Clear()
	fired := 0
	recordFired := func() {
		n := brk.Fired()
		fired += n
		tally.add(func(c *counts) { c.faults += n })
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
	case "suspend":
		id = send("customer.suspended", nil)
	case "reactivate":
		id = send("customer.reactivated", nil)
	case "held-destroy":
		id = e.destroyRun(t, tenant)
	}
	transient := sc.fault != permanent
	switch {
	case sc.fault == outage:
		// The system is down for a while, then comes back.
		time.Sleep(outageFor)
		recordFired()
		brk.Clear()
	case sc.fault == permanent && (sc.offboarding() || sc.b.name == "crm"):
		// Offboarding is retried, never compensated; callbacks wait in the
		// outbox: both must survive a long refusal and finish once it ends.
		e.waitRefused(t, sc, id)
		recordFired()
		brk.Clear()
		transient = true
	}
	// A hang costs the client's whole timeout before the retry.
	limit := 4 * time.Minute
	if sc.fault == hang {
		limit += sc.b.timeout
	}
	run := finish(id, limit)

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
	case !transient && !strings.Contains(run.Error, refusal(sc.b)):
		t.Errorf("the run error does not carry the backend's message %q: %q", refusal(sc.b), run.Error)
	}
	// The CRM gets exactly one callback, with the run's outcome.
	cbs := e.crm.WaitSettled(run.ID, 90*time.Second)
	if len(cbs) != 1 || cbs[0].Outcome != string(run.State) {
		tally.add(func(c *counts) { c.callbacksWrong++ })
		t.Errorf("CRM callbacks for run %d: %+v, want exactly one with outcome %s", run.ID, cbs, run.State)
	}
	if len(cbs) > 1 {
		tally.add(func(c *counts) { c.duplicateRuns += len(cbs) - 1 })
	}
	recordFired()
	brk.Clear()
	if fired == 0 {
		t.Errorf("the fault never fired")
	}
	// What the tenant's state says must be what the systems hold.
	ten := e.tenant(tenant)
	inv := e.inventory()
	mine := 0
	for _, o := range inv {
		if owner(o, []string{tenant}) == tenant {
			mine++
		}
	}
	switch {
	case sc.phase == "onboard" && run.State == store.StateRolledBack, sc.offboarding() && run.State == store.StateCompleted:
		if mine != 0 {
			t.Errorf("tenant %s (%s) still has %d objects: %v", tenant, ten.Status, mine, inv)
		}
	case sc.phase != "onboard" && !sc.offboarding() && run.State == store.StateRolledBack:
		// Back at the last good revision: the onboarding's (1), or the
		// clean suspension's (2) before a reactivation.
		status, good := "ACTIVE", 1
		if sc.phase == "reactivate" {
			status, good = "SUSPENDED", 2
		}
		if string(ten.Status) != status || ten.LastGoodRevision == nil || *ten.LastGoodRevision != good {
			t.Errorf("tenant after a rolled back %s: %+v, want %s at last good revision %d", sc.phase, ten, status, good)
		}
		if !equal(before, inv) {
			t.Errorf("rolled back %s changed the systems:\nbefore %v\nafter  %v", sc.phase, before, inv)
		}
		e.checkEnabled(t, tenant, status == "ACTIVE")
	case run.State == store.StateCompleted:
		want := "ACTIVE"
		if sc.phase == "suspend" {
			want = "SUSPENDED"
		}
		if string(ten.Status) != want && !sc.offboarding() {
			t.Errorf("tenant status %s after a completed %s, want %s", ten.Status, sc.phase, want)
		}
		if sc.phase == "suspend" || sc.phase == "reactivate" {
			e.checkEnabled(t, tenant, want == "ACTIVE")
			if !equal(before, inv) {
				t.Errorf("the %s changed what exists:\nbefore %v\nafter  %v", sc.phase, before, inv)
			}
		}
		if mine == 0 && !sc.offboarding() {
			t.Errorf("completed tenant %s holds no objects", tenant)
		}
		if e.dir != nil && !sc.offboarding() && !hasPrefix(inv, "directory:"+e.dir.name+"/"+tenant+"/"+tenant+"-admins") {
			t.Errorf("completed tenant %s has no directory groups: %v", tenant, inv)
		}
	}
	if o := e.newOrphans(known); len(o) > 0 {
		tally.add(func(c *counts) { c.orphans += len(o) })
		t.Errorf("orphaned objects: %v", o)
	}
	// Keep the systems small for the next scenario.
	if run.State == store.StateCompleted && !sc.offboarding() {
		e.sims.ClearFaults()
		e.crm.Faults.Clear()
		off := finish(send("customer.deleted", nil), 3*time.Minute)
		if off.State != store.StateCompleted {
			t.Errorf("clean offboarding after the scenario: %s", describe(off))
		}
	}
}

// refusal is the text a permanent fault's run error must carry.
func refusal(b backend) string {
	if b.refusal != "" {
		return b.refusal
	}
	return "reliability:"
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

func hasPrefix(list []string, prefix string) bool {
	for _, v := range list {
		if strings.HasPrefix(v, prefix) {
			return true
		}
	}
	return false
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

// checkEnabled checks that the tenant's org and realm are enabled, or
// both disabled (suspended).
func (e *env) checkEnabled(t *testing.T, tenant string, want bool) {
	org, ok := e.sims.VCD.OrgEnabled(tenant)
	realm, _ := e.sims.Keycloak.Realm(tenant)["enabled"].(bool)
	if !ok || org != want || realm != want {
		t.Errorf("tenant %s: org enabled %t (exists %t), realm enabled %t; want both %t", tenant, org, ok, realm, want)
	}
}

// destroyRun waits for the tenant's hold to expire and returns the
// offboarding run it started.
func (e *env) destroyRun(t *testing.T, tenant string) int64 {
	deadline := time.Now().Add(heldDestroy + 2*time.Minute)
	for time.Now().Before(deadline) {
		h, err := store.GetHold(context.Background(), e.pool, tenant)
		if err == nil && h.DestroyRun != nil {
			return *h.DestroyRun
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s: the held deletion never started its destroy", tenant)
	return 0
}
