// Package fault injects failures into the simulators' HTTP handlers: latency,
// error statuses, connection resets, hangs and fail-the-Nth-call, each chosen
// per endpoint by method and path pattern, so tests and the reliability
// campaign can break one backend call at a time.
package fault

import (
	"context"
	"net/http"
	"regexp"
	"sync"
	"time"
)

// Kind names what a rule does to a matching request.
type Kind string

const (
	// Latency delays the request by Rule.Delay, then serves it normally.
	Latency Kind = "latency"
	// Status answers with Rule.Status and Rule.Body instead of serving.
	Status Kind = "status"
	// Reset closes the connection without an answer.
	Reset Kind = "reset"
	// Hang holds the request until the client gives up; when Rule.Delay
	// ends first, the connection is dropped without an answer, as a
	// server that never replies looks once a proxy in front gives up.
	Hang Kind = "hang"
)

// Rule describes one fault. Method and Path select requests (empty Method
// matches any; Path is a regular expression matched against URL.Path).
// After skips that many matching calls before the rule fires; Times limits
// how often it fires (0 means for ever).
type Rule struct {
	Method string
	Path   string
	Kind   Kind
	Delay  time.Duration
	Status int
	Body   string
	// ContentType of Body for Status faults; defaults to text/plain.
	ContentType string
	After       int
	Times       int

	re    *regexp.Regexp
	seen  int
	fired int
}

// Injector holds the active rules; the zero value injects nothing.
type Injector struct {
	mu    sync.Mutex
	rules []*Rule
}

// Add installs a rule and returns a function that removes it.
func (in *Injector) Add(r Rule) (remove func()) {
	r.re = regexp.MustCompile(r.Path)
	rule := &r
	in.mu.Lock()
	in.rules = append(in.rules, rule)
	in.mu.Unlock()
	return func() {
		in.mu.Lock()
		defer in.mu.Unlock()
		for i, x := range in.rules {
			if x == rule {
				in.rules = append(in.rules[:i], in.rules[i+1:]...)
				return
			}
		}
	}
}

// Clear removes every rule.
func (in *Injector) Clear() {
	in.mu.Lock()
	in.rules = nil
	in.mu.Unlock()
}

// Fired reports how many times the installed rules have fired in total.
func (in *Injector) Fired() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	n := 0
	for _, r := range in.rules {
		n += r.fired
	}
	return n
}

// match returns the first rule that fires for req, counting the call.
func (in *Injector) match(req *http.Request) *Rule {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, r := range in.rules {
		if r.Method != "" && r.Method != req.Method {
			continue
		}
		if !r.re.MatchString(req.URL.Path) {
			continue
		}
		r.seen++
		if r.seen <= r.After {
			continue
		}
		if r.Times > 0 && r.fired >= r.Times {
			continue
		}
		r.fired++
		cp := *r
		return &cp
	}
	return nil
}

// Wrap returns next guarded by the injector's rules.
func (in *Injector) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r := in.match(req)
		if r == nil {
			next.ServeHTTP(w, req)
			return
		}
		switch r.Kind {
		case Latency:
			if !sleep(req.Context(), r.Delay) {
				return
			}
			next.ServeHTTP(w, req)
		case Status:
			ct := r.ContentType
			if ct == "" {
				ct = "text/plain"
			}
			w.Header().Set("Content-Type", ct)
			w.WriteHeader(r.Status)
			_, _ = w.Write([]byte(r.Body))
		case Reset:
			hj, ok := w.(http.Hijacker)
			if !ok {
				panic(http.ErrAbortHandler)
			}
			conn, _, err := hj.Hijack()
			if err == nil {
				_ = conn.Close()
			}
		case Hang:
			d := r.Delay
			if d == 0 {
				d = time.Hour
			}
			if sleep(req.Context(), d) {
				panic(http.ErrAbortHandler)
			}
		default:
			next.ServeHTTP(w, req)
		}
	})
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
