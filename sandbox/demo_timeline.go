package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tenantops/tenantops/trigger/store"
)

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
			if at, ok := d.failedTime(r.runID); ok && !slices.Contains(r.states, store.StateFailed) && run.State != store.StateFailed &&
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
