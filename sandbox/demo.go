package sandbox

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/tenantops/tenantops/internal/sim/crm"
	"github.com/tenantops/tenantops/internal/sim/zerto"
	"github.com/tenantops/tenantops/trigger/store"
)

// DemoCase is one CRM customer the demo onboards.
type DemoCase struct {
	// File is the sample webhook under the webhooks directory.
	File string
	// Want is the run's expected final state.
	Want store.RunState
	// Fault, when set, is installed before the webhook is sent and removed
	// once the run has finished.
	Fault func(e *Env) (remove func(), what string)
}

// DemoCases are the three customers of `make demo`: two onboardings that
// complete, sent together, then one whose Zerto commit is refused so the
// run goes FAILED -> COMPENSATING -> ROLLED_BACK.
var DemoCases = [][]DemoCase{
	{
		{File: "standard.json", Want: store.StateCompleted},
		{File: "premium-dr.json", Want: store.StateCompleted},
	},
	{
		{File: "failing-dr.json", Want: store.StateRolledBack, Fault: zertoCommitRefused},
	},
}

// zertoCommitRefused fills the recovery org VDC's storage, so the ZVM
// fails the VPG's commit task with its own reason, as it does when the
// recovery site cannot hold the recovery volumes.
func zertoCommitRefused(e *Env) (func(), string) {
	e.Zerto.SetStorageFull(zerto.RecoveryVdc, true)
	return func() { e.Zerto.SetStorageFull(zerto.RecoveryVdc, false) },
		"the recovery org VDC " + zerto.RecoveryVdc + " has no free storage: Zerto fails the VPG's commit task"
}

// DemoOptions configure RunDemo.
type DemoOptions struct {
	Options
	// WebhooksDir holds the sample webhooks (examples/webhooks).
	WebhooksDir string
	// Timeout bounds the whole demo.
	Timeout time.Duration
	// Out receives the timeline and the summary.
	Out io.Writer
	// Cases replaces DemoCases (tests).
	Cases [][]DemoCase
}

// DemoMain implements `tenantops-sandbox demo`: it starts the dev
// environment in-process, onboards the sample customers, prints a live
// timeline and a summary, and fails unless everything happened as expected.
func DemoMain(ctx context.Context, args []string) error {
	var o DemoOptions
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	o.register(fs)
	fs.StringVar(&o.WebhooksDir, "webhooks", defaultPath("examples/webhooks", "examples/webhooks"), "directory of the sample CRM webhooks")
	fs.DurationVar(&o.Timeout, "timeout", 10*time.Minute, "time limit of the whole demo")
	verbose := fs.Bool("verbose", false, "stream the trigger's log to stderr (default: a temporary file, kept when the demo fails)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: tenantops-sandbox demo [flags]\n\n"+
			"Starts the dev environment in-process, sends a standard and a premium-dr customer, then one\n"+
			"whose Zerto commit fails on purpose, prints a live timeline and a summary. Exits non-zero\n"+
			"unless two tenants were created, the third was rolled back with nothing left behind, and\n"+
			"the CRM got a verified callback for each.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.Out = os.Stdout
	if *verbose {
		o.Log = os.Stderr
	} else {
		f, err := os.CreateTemp("", "tenantops-demo-*.log")
		if err != nil {
			return err
		}
		o.Log, o.LogJSON = f, true
		err = RunDemo(ctx, o)
		f.Close()
		if err == nil {
			os.Remove(f.Name())
		} else {
			fmt.Fprintf(os.Stderr, "the trigger's log is in %s\n", f.Name())
		}
		return err
	}
	return RunDemo(ctx, o)
}

// demoRun is what the demo knows about one customer.
type demoRun struct {
	c        DemoCase
	tenant   string
	eventID  string
	runID    int64
	body     []byte
	sentAt   time.Time
	final    store.Run
	states   []store.RunState
	callback *crm.Callback
	err      error
}

type demo struct {
	e     *Env
	out   io.Writer
	t0    time.Time
	mu    sync.Mutex
	width int
	// failedAt holds when the trigger logged a run's failure, by run id:
	// FAILED lasts milliseconds before COMPENSATING, too short to poll.
	failedAt map[int64]time.Time
}

func (d *demo) observe(t time.Time, msg string, attrs map[string]slog.Value) {
	if msg != "run failed" {
		return
	}
	v, ok := attrs["run"]
	if !ok || v.Kind() != slog.KindInt64 {
		return
	}
	d.mu.Lock()
	d.failedAt[v.Int64()] = t
	d.mu.Unlock()
}

func (d *demo) failedTime(run int64) (time.Time, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.failedAt[run]
	return t, ok
}

// RunDemo runs the demo; the error lists every expectation that failed.
func RunDemo(ctx context.Context, o DemoOptions) error {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Minute
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	cases := o.Cases
	if cases == nil {
		cases = DemoCases
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	d := &demo{out: o.Out, t0: time.Now(), width: 8, failedAt: map[int64]time.Time{}}
	o.Options.Observe = d.observe
	d.printf("", "starting simulators, PostgreSQL and the trigger")
	e, err := Start(ctx, o.Options)
	if err != nil {
		return err
	}
	defer func() {
		d.printf("", "stopping everything")
		_ = e.Stop()
	}()
	d.e = e
	d.printf("", "trigger ready at %s (directory resources %s)", e.TriggerURL, onOff(e.DirectoryEnabled))
	for _, l := range e.ConsoleLines() {
		d.printf("", "%s", l)
	}

	var all []*demoRun
	for _, wave := range cases {
		var runs []*demoRun
		var removes []func()
		for _, c := range wave {
			r := &demoRun{c: c}
			body, err := loadSample(filepath.Join(o.WebhooksDir, c.File), &r.tenant, &r.eventID)
			if err != nil {
				return err
			}
			if len(r.tenant) > d.width {
				d.width = len(r.tenant)
			}
			if c.Fault != nil {
				remove, what := c.Fault(e)
				removes = append(removes, remove)
				d.printf(r.tenant, "fault injected: %s", what)
			}
			runs = append(runs, r)
			all = append(all, r)
			r.body = body
			r.sentAt = time.Now()
			if err := d.send(ctx, r, body); err != nil {
				r.err = err
			}
		}
		var wg sync.WaitGroup
		for _, r := range runs {
			if r.err != nil {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.err = d.watch(ctx, r)
			}()
		}
		wg.Wait()
		for _, remove := range removes {
			remove()
		}
	}
	// A CRM retries deliveries: the same event must map to the same run.
	var redelivery error
	if len(all) > 0 && all[0].err == nil {
		redelivery = d.redeliver(ctx, all[0])
	}
	// Callbacks go through the outbox after the final state: wait for them.
	for _, r := range all {
		if r.err != nil {
			continue
		}
		wctx, wcancel := context.WithTimeout(ctx, 60*time.Second)
		cb, err := e.CRM.WaitCallback(wctx, func(c crm.Callback) bool { return c.WebhookEventID == r.eventID })
		wcancel()
		if err == nil {
			r.callback = &cb
		}
	}
	return d.summary(all, redelivery)
}

// redeliver sends r's webhook again and expects the original run back.
func (d *demo) redeliver(ctx context.Context, r *demoRun) error {
	del, err := d.e.CRM.Send(ctx, nil, d.e.WebhookURL(), r.body)
	if err != nil {
		return fmt.Errorf("redelivery of %s: %w", r.eventID, err)
	}
	var resp struct {
		RunID     int64 `json:"run_id"`
		Duplicate bool  `json:"duplicate"`
	}
	_ = json.Unmarshal(del.Response, &resp)
	if del.Status != http.StatusOK || !resp.Duplicate || resp.RunID != r.runID {
		d.printf(r.tenant, "CRM redelivered webhook %s -> %d %s", r.eventID, del.Status, strings.TrimSpace(string(del.Response)))
		return fmt.Errorf("redelivery of %s answered %d run %d (duplicate %v), want 200 and run %d",
			r.eventID, del.Status, resp.RunID, resp.Duplicate, r.runID)
	}
	d.printf(r.tenant, "CRM redelivered webhook %s -> 200 duplicate, same run %d (no second run)", r.eventID, r.runID)
	return nil
}

func (d *demo) send(ctx context.Context, r *demoRun, body []byte) error {
	del, err := d.e.CRM.Send(ctx, nil, d.e.WebhookURL(), body)
	if err != nil {
		d.printf(r.tenant, "webhook %s not delivered: %v", r.eventID, err)
		return err
	}
	var resp struct {
		RunID int64  `json:"run_id"`
		Error string `json:"error"`
	}
	_ = json.Unmarshal(del.Response, &resp)
	if del.Status != http.StatusAccepted || resp.RunID == 0 {
		d.printf(r.tenant, "webhook %s answered %d: %s", r.eventID, del.Status, strings.TrimSpace(string(del.Response)))
		return fmt.Errorf("webhook for %s answered %d", r.tenant, del.Status)
	}
	r.runID = resp.RunID
	d.printf(r.tenant, "CRM webhook %s signed and accepted (202) -> run %d", r.eventID, r.runID)
	return nil
}

// watch polls the run through the API and prints every state change and
// step change until the run reaches a terminal state.
func (d *demo) watch(ctx context.Context, r *demoRun) error {
	type stepKey struct{ phase, address string }
	type stepSeen struct{ status, err string }
	seen := map[stepKey]stepSeen{}
	var state store.RunState
	runErr := ""
	for {
		run, err := d.getRun(ctx, r.runID)
		if err != nil {
			if ctx.Err() != nil {
				d.printf(r.tenant, "gave up waiting for run %d (last state %s)", r.runID, state)
				return fmt.Errorf("run %d of %s: %w", r.runID, r.tenant, ctx.Err())
			}
			// The API may be briefly busy; keep polling.
			time.Sleep(300 * time.Millisecond)
			continue
		}
		// Steps first: a run's last steps finish before its final state.
		steps := run.Steps
		sort.SliceStable(steps, func(i, j int) bool { return steps[i].StartedAt.Before(steps[j].StartedAt) })
		undone := 0
		for _, s := range steps {
			k := stepKey{s.Phase, s.Address}
			now := stepSeen{string(s.Status), s.Error}
			prev, known := seen[k]
			if known && prev == now {
				continue
			}
			seen[k] = now
			switch {
			case s.Status == "compensated":
				// The rollback marks every applied step undone at once.
				undone++
			case known && prev.status == now.status:
				d.printf(r.tenant, "  ERR %-7s %s: %s", s.Action, s.Address, firstLine(s.Error, 160))
			default:
				d.step(r.tenant, s)
			}
		}
		if undone > 0 {
			d.printf(r.tenant, "  <-  %d applied step(s) marked compensated", undone)
		}
		if run.State != state {
			note := ""
			if run.Error != "" && run.Error != runErr && (run.State == store.StateFailed || run.State == store.StateCompensating ||
				run.State == store.StateRolledBack || run.State == store.StateCompensationFailed) {
				note = "  (" + firstLine(run.Error, 200) + ")"
				runErr = run.Error
			}
			if at, ok := d.failedTime(r.runID); ok && !contains(r.states, store.StateFailed) && run.State != store.StateFailed &&
				(run.State == store.StateCompensating || run.State == store.StateRolledBack || run.State == store.StateCompensationFailed) {
				// Passed through FAILED between two polls: show it at the
				// time the trigger recorded the failure.
				d.printfAt(at, r.tenant, "run %d %s -> %s%s", r.runID, state, store.StateFailed, note)
				note = ""
				state = store.StateFailed
				r.states = append(r.states, state)
			}
			if state == "" {
				d.printf(r.tenant, "run %d (%s) %s%s", r.runID, run.Kind, run.State, note)
			} else {
				d.printf(r.tenant, "run %d %s -> %s%s", r.runID, state, run.State, note)
			}
			state = run.State
			r.states = append(r.states, state)
		}
		if store.Terminal(run.State) {
			r.final = run
			return nil
		}
		select {
		case <-ctx.Done():
			d.printf(r.tenant, "gave up waiting for run %d (last state %s)", r.runID, state)
			return fmt.Errorf("run %d of %s stuck in %s: %w", r.runID, r.tenant, state, ctx.Err())
		case <-time.After(150 * time.Millisecond):
		}
	}
}

func (d *demo) step(tenant string, s store.Step) {
	verb := s.Action
	if s.Phase == "compensate" && verb == "" {
		verb = "delete"
	}
	var mark, dur string
	switch s.Status {
	case "started":
		mark = "..."
	case "completed":
		mark = "ok "
	case "failed":
		mark = "ERR"
	case "compensated":
		mark = "<- "
	default:
		mark = string(s.Status)
	}
	if s.FinishedAt != nil {
		dur = fmt.Sprintf("  %6.2fs", s.FinishedAt.Sub(s.StartedAt).Seconds())
	}
	phase := ""
	if s.Phase == "compensate" {
		phase = " [rollback]"
	}
	line := fmt.Sprintf("  %s %-7s %s%s%s", mark, verb, s.Address, phase, dur)
	if s.Status == "failed" && s.Error != "" {
		line += ": " + firstLine(s.Error, 160)
	}
	d.printf(tenant, "%s", line)
}

func (d *demo) getRun(ctx context.Context, id int64) (store.Run, error) {
	var run store.Run
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/v1/runs/%d", d.e.TriggerURL, id), nil)
	if err != nil {
		return run, err
	}
	req.Header.Set("Authorization", "Bearer "+d.e.APIToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return run, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return run, fmt.Errorf("GET run %d: %s: %s", id, resp.Status, strings.TrimSpace(string(b)))
	}
	return run, json.NewDecoder(resp.Body).Decode(&run)
}

func (d *demo) printf(tenant, format string, a ...any) {
	d.printfAt(time.Now(), tenant, format, a...)
}

func (d *demo) printfAt(at time.Time, tenant, format string, a ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	fmt.Fprintf(d.out, "%+8.2fs  %-*s  %s\n", at.Sub(d.t0).Seconds(), d.width, tenant, fmt.Sprintf(format, a...))
}

// summary prints the outcome of every customer and checks the
// expectations; the returned error lists the ones that failed.
func (d *demo) summary(runs []*demoRun, redelivery error) error {
	var problems []string
	fail := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	if redelivery != nil {
		fail("%v", redelivery)
	}
	inv := d.e.Inventories()
	backends := make([]string, 0, len(inv))
	for k := range inv {
		backends = append(backends, k)
	}
	sort.Strings(backends)
	p := func(format string, a ...any) { fmt.Fprintf(d.out, format+"\n", a...) }

	p("")
	p("Summary")
	p("")
	p("  %-*s  %-11s %-12s %-22s %s", d.width, "tenant", "expected", "final state", "webhook -> callback", "objects in the backends")
	for _, r := range runs {
		counts, total := d.objectsOf(inv, r.tenant)
		if d.e.Samba != nil {
			n, err := d.directoryObjects(r.tenant)
			if err != nil {
				fail("%s: cannot search the directory: %v", r.tenant, err)
			}
			counts = append(counts, fmt.Sprintf("directory %d", n))
			total += n
		}
		cb := "none"
		if r.callback != nil {
			cb = fmt.Sprintf("%.2fs (%s)", r.callback.ReceivedAt.Sub(r.sentAt).Seconds(), r.callback.State)
		}
		final := r.final.State
		if final == "" {
			final = "-"
		}
		p("  %-*s  %-11s %-12s %-22s %s", d.width, r.tenant, r.c.Want, final, cb, strings.Join(counts, ", "))

		switch {
		case r.err != nil:
			fail("%s: %v", r.tenant, r.err)
		case r.final.State != r.c.Want:
			fail("%s: run %d ended %s, expected %s (%s)", r.tenant, r.runID, r.final.State, r.c.Want, firstLine(r.final.Error, 200))
		}
		if r.callback == nil {
			fail("%s: the CRM got no callback for event %s", r.tenant, r.eventID)
		} else if r.callback.State != string(r.c.Want) {
			fail("%s: the CRM callback says %q, expected %q", r.tenant, r.callback.State, r.c.Want)
		}
		switch r.c.Want {
		case store.StateCompleted:
			if total == 0 {
				fail("%s: completed but no object of the tenant exists in any backend", r.tenant)
			}
		case store.StateRolledBack:
			if total != 0 {
				fail("%s: rolled back but %d object(s) were left behind: %s", r.tenant, total,
					strings.Join(d.leftovers(inv, r.tenant), ", "))
			}
			if !contains(r.states, store.StateCompensating) && !hasCompensated(r.final.Steps) {
				fail("%s: no compensation was observed", r.tenant)
			}
		}
	}
	// Settings objects are not tenant-named; any left over is an orphan.
	for _, o := range inv["zerto"] {
		if strings.HasPrefix(o, "vpgSettings/") {
			fail("zerto: settings object left behind: %s", o)
		}
	}
	if rej := d.e.CRM.Rejections(); len(rej) > 0 {
		fail("the CRM refused %d callback(s): %s", len(rej), rej[0].Reason)
	}
	p("")
	for _, b := range backends {
		p("  %-9s %d object(s): %s", b, len(inv[b]), abbreviate(inv[b], 12))
	}
	p("")
	for _, v := range d.e.Zerto.VPGs() {
		p("  disaster recovery: VPG %s protects vApp %s (%d VM(s)) into org VDC %s at %s: %s", v.Name,
			strings.Join(v.VApps, ", "), len(v.VMs), v.RecoveryOrgVdc, zerto.RecoverySiteName, v.Status)
	}
	p("")
	if len(problems) > 0 {
		p("DEMO FAILED (%d problem(s)) after %.1fs:", len(problems), time.Since(d.t0).Seconds())
		for _, pr := range problems {
			p("  - %s", pr)
		}
		return fmt.Errorf("demo failed: %s", strings.Join(problems, "; "))
	}
	p("DEMO OK after %.1fs: %d tenant(s) created, %d rolled back with nothing left behind, every callback verified.",
		time.Since(d.t0).Seconds(), countWant(runs, store.StateCompleted), countWant(runs, store.StateRolledBack))
	return nil
}

// objectsOf counts, per backend, the inventory entries naming tenant.
func (d *demo) objectsOf(inv map[string][]string, tenant string) ([]string, int) {
	names := make([]string, 0, len(inv))
	for k := range inv {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []string
	total := 0
	for _, b := range names {
		n := 0
		for _, o := range inv[b] {
			if mentions(o, tenant) {
				n++
			}
		}
		total += n
		out = append(out, fmt.Sprintf("%s %d", b, n))
	}
	return out, total
}

func (d *demo) leftovers(inv map[string][]string, tenant string) []string {
	var out []string
	for b, list := range inv {
		for _, o := range list {
			if mentions(o, tenant) {
				out = append(out, b+":"+o)
			}
		}
	}
	sort.Strings(out)
	return out
}

// directoryObjects counts the directory entries whose name mentions tenant.
func (d *demo) directoryObjects(tenant string) (int, error) {
	s := d.e.Samba
	cfg, err := s.TLSConfig()
	if err != nil {
		return 0, err
	}
	c, err := ldap.DialURL(s.URL, ldap.DialWithTLSConfig(cfg))
	if err != nil {
		return 0, err
	}
	defer c.Close()
	if err := c.Bind(s.BindDN, s.BindPassword); err != nil {
		return 0, err
	}
	v := ldap.EscapeFilter(tenant)
	res, err := c.Search(ldap.NewSearchRequest(s.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		fmt.Sprintf("(|(ou=*%s*)(cn=*%s*)(sAMAccountName=*%s*))", v, v, v), []string{"dn"}, nil))
	if err != nil {
		return 0, err
	}
	return len(res.Entries), nil
}

// mentions reports whether an inventory entry names tenant: one of its
// path segments is the tenant id or starts with it followed by a separator.
func mentions(entry, tenant string) bool {
	for _, seg := range strings.Split(entry, "/") {
		if seg == tenant || strings.HasPrefix(seg, tenant+"-") || strings.HasPrefix(seg, tenant+".") ||
			strings.HasPrefix(seg, tenant+"_") || strings.HasSuffix(seg, "-"+tenant) {
			return true
		}
	}
	return false
}

// loadSample reads a sample webhook and gives it a fresh event id and
// occurrence time, so the demo also runs against a database that saw it
// before.
func loadSample(path string, tenant, eventID *string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sample webhook: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("sample webhook %s: %w", path, err)
	}
	t, _ := m["tenant"].(map[string]any)
	id, _ := t["id"].(string)
	if id == "" {
		return nil, fmt.Errorf("sample webhook %s has no tenant.id", path)
	}
	orig, _ := m["event_id"].(string)
	*tenant = id
	*eventID = orig + "-" + randomHex(3)
	m["event_id"] = *eventID
	m["occurred_at"] = time.Now().UTC().Format(time.RFC3339)
	return json.Marshal(m)
}

func hasCompensated(steps []store.Step) bool {
	for _, s := range steps {
		if s.Phase == "compensate" || s.Status == "compensated" {
			return true
		}
	}
	return false
}

func contains(list []store.RunState, s store.RunState) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func countWant(runs []*demoRun, want store.RunState) int {
	n := 0
	for _, r := range runs {
		if r.c.Want == want && r.final.State == want {
			n++
		}
	}
	return n
}

func abbreviate(list []string, max int) string {
	if len(list) == 0 {
		return "-"
	}
	if len(list) <= max {
		return strings.Join(list, " ")
	}
	return strings.Join(list[:max], " ") + fmt.Sprintf(" ... (+%d)", len(list)-max)
}

func firstLine(s string, max int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}

func onOff(b bool) string {
	if b {
		return "on (Samba AD)"
	}
	return "off"
}
