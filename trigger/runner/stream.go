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
	Type       string      `json:"type"`
	Message    string      `json:"@message"`
	Hook       *uiHook     `json:"hook,omitempty"`
	Diagnostic *diagnostic `json:"diagnostic,omitempty"`
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

	mu      sync.Mutex
	buf     bytes.Buffer
	errs    []string
	changed []string
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
		err = store.UpsertStep(s.ctx, s.db, s.runID, s.phase, m.Hook.Resource.Addr, m.Hook.Action, "started", "")
	case "apply_complete":
		s.changed = append(s.changed, m.Hook.Resource.Addr)
		err = store.UpsertStep(s.ctx, s.db, s.runID, s.phase, m.Hook.Resource.Addr, m.Hook.Action, "completed", "")
	case "apply_errored":
		err = store.UpsertStep(s.ctx, s.db, s.runID, s.phase, m.Hook.Resource.Addr, m.Hook.Action, "failed", "")
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
