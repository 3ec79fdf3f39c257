package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tenantops/tenantops/internal/sim/crm"
	"github.com/tenantops/tenantops/trigger/spec"
)

var tenantSeq atomic.Int64

// NewTenantID returns a fresh valid tenant id with the given prefix.
func NewTenantID(prefix string) string {
	return fmt.Sprintf("%s-%d-%s", prefix, tenantSeq.Add(1), randomHex(2))
}

// WebhookBody builds a "customer.created" webhook for tenant on tier.
func WebhookBody(eventID, tenant, tier string) []byte {
	ev := spec.Event{
		EventID: eventID, EventType: "customer.created", OccurredAt: time.Now().UTC().Format(time.RFC3339),
		Tenant: spec.Tenant{
			ID: tenant, DisplayName: "Bench " + tenant, Tier: tier,
			Quotas: spec.Quotas{CPUMHz: 20000, MemoryMB: 65536, StorageMB: 1048576, VMQuota: 50},
			SSO:    spec.SSO{MFA: "otp"},
			Admins: []spec.Admin{{Username: "admin", Email: "admin@" + tenant + ".example", GivenName: "Ada", FamilyName: "Admin"}},
		},
	}
	if tier == "premium-dr" {
		ev.Tenant.DR = &spec.DR{RPOSeconds: 300, JournalHours: 24, Priority: "Medium"}
	}
	b, _ := json.Marshal(ev)
	return b
}

// Onboarding is the timeline of one tenant's onboarding.
type Onboarding struct {
	Tenant    string        `json:"tenant"`
	Tier      string        `json:"tier"`
	RunID     int64         `json:"run_id"`
	Ack       time.Duration `json:"ack"`       // webhook sent -> 202
	Queued    time.Duration `json:"queued"`    // webhook sent -> run started
	Run       time.Duration `json:"run"`       // run started -> COMPLETED
	Callback  time.Duration `json:"callback"`  // COMPLETED -> callback received
	E2E       time.Duration `json:"e2e"`       // webhook sent -> callback received
	Terraform time.Duration `json:"terraform"` // sum of this tenant's Terraform commands
	Outcome   string        `json:"outcome"`
}

// Send posts the signed webhook for a new tenant and returns the run id
// and when it was sent.
func (e *Env) Send(ctx context.Context, client *http.Client, tenant, tier string) (eventID string, runID int64, sent time.Time, ack time.Duration, err error) {
	eventID = "evt-bench-" + tenant
	body := WebhookBody(eventID, tenant, tier)
	sent = time.Now()
	d, err := e.CRM.Send(ctx, client, e.TriggerURL+"/v1/webhooks/crm", body)
	ack = time.Since(sent)
	if err != nil {
		return eventID, 0, sent, ack, err
	}
	if d.Status != http.StatusAccepted {
		return eventID, 0, sent, ack, fmt.Errorf("webhook for %s answered %d: %s", tenant, d.Status, strings.TrimSpace(string(d.Response)))
	}
	var r struct {
		RunID int64 `json:"run_id"`
	}
	_ = json.Unmarshal(d.Response, &r)
	return eventID, r.RunID, sent, ack, nil
}

// WaitCallback waits for the CRM callback answering eventID.
func (e *Env) WaitCallback(ctx context.Context, eventID string) (crm.Callback, string, error) {
	var outcome string
	c, err := e.CRM.WaitCallback(ctx, func(c crm.Callback) bool {
		var p struct {
			EventID string `json:"event_id"`
			Outcome string `json:"outcome"`
		}
		if json.Unmarshal(c.Body, &p) != nil || p.EventID != eventID {
			return false
		}
		outcome = p.Outcome
		return true
	})
	return c, outcome, err
}

// Onboard sends the webhook for a new tenant and follows it to the CRM
// callback.
func (e *Env) Onboard(ctx context.Context, tenant, tier string) (Onboarding, error) {
	o := Onboarding{Tenant: tenant, Tier: tier}
	eventID, runID, sent, ack, err := e.Send(ctx, nil, tenant, tier)
	o.RunID, o.Ack = runID, ack
	if err != nil {
		return o, err
	}
	c, outcome, err := e.WaitCallback(ctx, eventID)
	if err != nil {
		return o, fmt.Errorf("tenant %s: no callback: %w", tenant, err)
	}
	o.E2E = c.ReceivedAt.Sub(sent)
	o.Outcome = outcome
	e.fillRunTimes(ctx, &o, sent, c.ReceivedAt)
	if outcome != "COMPLETED" {
		var msg string
		_ = e.Pool.QueryRow(ctx, `SELECT coalesce(error, '') FROM runs WHERE id = $1`, runID).Scan(&msg)
		return o, fmt.Errorf("tenant %s: run %d ended %s: %s", tenant, runID, outcome, tail(msg, 600))
	}
	return o, nil
}

func (e *Env) fillRunTimes(ctx context.Context, o *Onboarding, sent, received time.Time) {
	var started, finished *time.Time
	if err := e.Pool.QueryRow(ctx, `SELECT started_at, finished_at FROM runs WHERE id = $1`, o.RunID).Scan(&started, &finished); err != nil {
		return
	}
	if started != nil {
		o.Queued = started.Sub(sent)
		if finished != nil {
			o.Run = finished.Sub(*started)
			o.Callback = received.Sub(*finished)
		}
	}
}

// TFCommand is one Terraform command the trigger ran.
type TFCommand struct {
	Start, End time.Time
	Code       int
	Tenant     string
	Command    string // first argument: init, plan, apply, show, output, workspace, version
	Args       string
}

// ReadTFLog parses the timing wrapper's log.
func (e *Env) ReadTFLog() ([]TFCommand, error) {
	f, err := os.Open(e.TFLog)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []TFCommand
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.SplitN(sc.Text(), " ", 5)
		if len(fs) < 4 {
			continue
		}
		s, err1 := strconv.ParseFloat(fs[0], 64)
		en, err2 := strconv.ParseFloat(fs[1], 64)
		if err1 != nil || err2 != nil {
			continue
		}
		c := TFCommand{Start: epoch(s), End: epoch(en), Tenant: filepath.Base(fs[3])}
		c.Code, _ = strconv.Atoi(fs[2])
		if len(fs) == 5 {
			c.Args = fs[4]
			c.Command, _, _ = strings.Cut(fs[4], " ")
			if c.Command == "workspace" {
				if rest := strings.Fields(fs[4]); len(rest) > 1 {
					c.Command += " " + rest[1]
				}
			}
		}
		out = append(out, c)
	}
	return out, sc.Err()
}

func epoch(f float64) time.Time {
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9))
}

// CommandBreakdown returns, for the given tenants, the mean seconds per
// tenant spent in each Terraform command and the mean number of commands.
func CommandBreakdown(cmds []TFCommand, tenants map[string]bool) (perCmd map[string]float64, count float64, total float64) {
	perCmd = map[string]float64{}
	n := 0
	for _, c := range cmds {
		if !tenants[c.Tenant] {
			continue
		}
		perCmd[c.Command] += c.End.Sub(c.Start).Seconds()
		n++
	}
	k := float64(len(tenants))
	if k == 0 {
		return perCmd, 0, 0
	}
	for cmd := range perCmd {
		perCmd[cmd] /= k
		total += perCmd[cmd]
	}
	return perCmd, float64(n) / k, total
}

// FormatBreakdown renders perCmd sorted by time, largest first.
func FormatBreakdown(perCmd map[string]float64) string {
	type kv struct {
		k string
		v float64
	}
	var l []kv
	for k, v := range perCmd {
		l = append(l, kv{k, v})
	}
	sort.Slice(l, func(i, j int) bool { return l[i].v > l[j].v })
	var parts []string
	for _, x := range l {
		parts = append(parts, fmt.Sprintf("%s %.2fs", x.k, x.v))
	}
	return strings.Join(parts, ", ")
}
