package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"

	"github.com/tenantops/tenantops/trigger/store"
)

// uiMessage is the part of Terraform's -json UI stream the runner reads.
type uiMessage struct {
	Type       string              `json:"type"`
	Message    string              `json:"@message"`
	Hook       *uiHook             `json:"hook,omitempty"`
	Change     *uiHook             `json:"change,omitempty"`
	Changes    *uiChangeSummary    `json:"changes,omitempty"`
	Outputs    map[string]uiOutput `json:"outputs,omitempty"`
	Diagnostic *diagnostic         `json:"diagnostic,omitempty"`
}

// uiChangeSummary ends a plan ("operation": "plan") and an apply.
type uiChangeSummary struct {
	Operation string `json:"operation"`
}

// uiOutput is one root module output. The plan's outputs message carries
// only actions; the apply's final one carries values, except for
// sensitive outputs, whose values Terraform never prints.
type uiOutput struct {
	Sensitive bool            `json:"sensitive"`
	Value     json.RawMessage `json:"value,omitempty"`
	Action    string          `json:"action,omitempty"`
}

type uiHook struct {
	Resource struct {
		Addr string `json:"addr"`
	} `json:"resource"`
	Action string `json:"action"`
}

type diagnostic struct {
	Severity string `json:"severity"`
	Summary  string `json:"summary"`
	Detail   string `json:"detail"`
	Address  string `json:"address"`
}

// stepSink is an io.Writer for Terraform's -json stream: it turns
// apply_start/apply_complete/apply_errored into run_steps rows as they
// happen and keeps the error diagnostics for the run's error text.
type stepSink struct {
	ctx    context.Context
	db     store.DB
	runID  int64
	phase  string
	redact func(string) string
	onErr  func(error)

	// onPlanned, when set, receives the plan of an apply that plans
	// itself, once Terraform has finished planning.
	onPlanned func(Summary)

	mu      sync.Mutex
	buf     bytes.Buffer
	errs    []string
	changed []string
	planned Summary
	outs    map[string]any
}

func (s *stepSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf.Write(p)
	for {
		line, err := s.buf.ReadBytes('\n')
		if err != nil {
			// Incomplete line: keep it for the next write.
			s.buf.Reset()
			s.buf.Write(line)
			break
		}
		s.handle(line)
	}
	return len(p), nil
}

func (s *stepSink) handle(line []byte) {
	var m uiMessage
	if json.Unmarshal(bytes.TrimSpace(line), &m) != nil {
		return
	}
	var err error
	switch m.Type {
	case "apply_start":
		err = store.UpsertStep(s.ctx, s.db, s.runID, s.phase, m.Hook.Resource.Addr, m.Hook.Action, store.StepStarted, "")
	case "apply_complete":
		s.changed = append(s.changed, m.Hook.Resource.Addr)
		err = store.UpsertStep(s.ctx, s.db, s.runID, s.phase, m.Hook.Resource.Addr, m.Hook.Action, store.StepCompleted, "")
	case "apply_errored":
		err = store.UpsertStep(s.ctx, s.db, s.runID, s.phase, m.Hook.Resource.Addr, m.Hook.Action, store.StepFailed, "")
	case "planned_change":
		if c := m.Change; c != nil {
			s.plan(c.Resource.Addr, c.Action)
		}
	case "change_summary":
		if m.Changes != nil && m.Changes.Operation == "plan" && s.onPlanned != nil {
			sortChanges(s.planned.Changes)
			s.onPlanned(s.planned)
		}
	case "outputs":
		s.output(m.Outputs)
	case "diagnostic":
		if d := m.Diagnostic; d != nil && d.Severity == "error" {
			text := s.redact(strings.TrimSpace(d.Summary + ": " + d.Detail))
			s.errs = append(s.errs, text)
			if d.Address != "" {
				err = store.StepError(s.ctx, s.db, s.runID, s.phase, d.Address, text)
			}
		}
	}
	if err != nil && s.onErr != nil {
		s.onErr(err)
	}
}

// plan counts one planned change of the stream.
func (s *stepSink) plan(addr, action string) {
	switch action {
	case "create":
		s.planned.Create++
	case "update":
		s.planned.Update++
	case "replace":
		s.planned.Replace++
	case "delete":
		s.planned.Delete++
	default: // noop, read, move, import, remove: nothing to apply
		return
	}
	s.planned.Changes = append(s.planned.Changes, Change{Address: addr, Action: action})
}

// output keeps the values of the apply's final outputs message.
func (s *stepSink) output(outs map[string]uiOutput) {
	res := map[string]any{}
	for k, o := range outs {
		switch {
		case o.Sensitive:
			res[k] = "(sensitive)"
		case o.Value == nil:
			// The plan's announcement of outputs: no values yet.
			return
		default:
			var v any
			if json.Unmarshal(o.Value, &v) == nil {
				res[k] = v
			}
		}
	}
	s.outs = res
}

// outputs are the root module's outputs after the apply (empty when it
// has none).
func (s *stepSink) outputs() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.outs == nil {
		return map[string]any{}
	}
	return s.outs
}

// flush handles a last line without a newline.
func (s *stepSink) flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buf.Len() > 0 {
		s.handle(s.buf.Bytes())
		s.buf.Reset()
	}
}

func (s *stepSink) errorText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.errs, "\n")
}
