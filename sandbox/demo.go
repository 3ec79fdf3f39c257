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
	"strings"
	"sync"
	"time"

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

func onOff(b bool) string {
	if b {
		return "on (Samba AD)"
	}
	return "off"
}
