// Package record keeps the HTTP exchanges a simulator serves, so tests can
// check them afterwards against the vendors' own API descriptions
// (internal/contract). Recording is opt-in: a simulator records only when
// its options ask for it or when the process called Enable (the test
// packages whose traffic the contract checks read do so from TestMain).
package record

import (
	"bytes"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Exchange is one request a simulator served and its answer.
type Exchange struct {
	System     string      `json:"system"`
	Time       time.Time   `json:"time"`
	Method     string      `json:"method"`
	Path       string      `json:"path"`
	RawQuery   string      `json:"query,omitempty"`
	ReqHeader  http.Header `json:"request_headers,omitempty"`
	ReqBody    []byte      `json:"request_body,omitempty"`
	Status     int         `json:"status"`
	RespHeader http.Header `json:"response_headers,omitempty"`
	RespBody   []byte      `json:"response_body,omitempty"`
}

// Recorder keeps the exchanges of one simulator. A nil *Recorder records
// nothing, so simulators can wrap their handler unconditionally.
type Recorder struct {
	system string
	mu     sync.Mutex
	ex     []Exchange
}

var global struct {
	mu   sync.Mutex
	on   bool
	recs []*Recorder
}

// Enable makes every simulator started from now on record its traffic into
// the process-wide list All returns.
func Enable() {
	global.mu.Lock()
	global.on = true
	global.mu.Unlock()
}

// For returns the recorder a simulator of the named system wraps its
// handler with: a new one when keep is set or Enable was called, else nil.
func For(system string, keep bool) *Recorder {
	global.mu.Lock()
	defer global.mu.Unlock()
	if !keep && !global.on {
		return nil
	}
	r := &Recorder{system: system}
	if global.on {
		global.recs = append(global.recs, r)
	}
	return r
}

// All returns every exchange recorded since Enable, by every simulator,
// in the order they were served within each simulator.
func All() []Exchange {
	global.mu.Lock()
	recs := append([]*Recorder(nil), global.recs...)
	global.mu.Unlock()
	var out []Exchange
	for _, r := range recs {
		out = append(out, r.Exchanges()...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].System < out[j].System })
	return out
}

// Exchanges returns a copy of what r has recorded.
func (r *Recorder) Exchanges() []Exchange {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Exchange(nil), r.ex...)
}

// UserAgents counts the exchanges r has recorded by their request's
// User-Agent ("" for none).
func (r *Recorder) UserAgents() map[string]int {
	out := map[string]int{}
	for _, ex := range r.Exchanges() {
		out[ex.ReqHeader.Get("User-Agent")]++
	}
	return out
}

// Reset forgets what r has recorded.
func (r *Recorder) Reset() {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.ex = nil
	r.mu.Unlock()
}

// Wrap returns next with every exchange it serves recorded. Put it inside
// a fault injector: an injected fault is the test's doing, not the
// simulator's answer.
func (r *Recorder) Wrap(next http.Handler) http.Handler {
	if r == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var body []byte
		if req.Body != nil {
			body, _ = io.ReadAll(req.Body)
			_ = req.Body.Close()
			req.Body = io.NopCloser(bytes.NewReader(body))
		}
		cw := &captureWriter{ResponseWriter: w}
		ex := Exchange{System: r.system, Time: time.Now(), Method: req.Method, Path: req.URL.Path,
			RawQuery: req.URL.RawQuery, ReqHeader: redact(req.Header), ReqBody: body}
		defer func() {
			ex.Status = cw.status
			if ex.Status == 0 {
				ex.Status = http.StatusOK
			}
			ex.RespHeader = redact(cw.Header())
			ex.RespBody = cw.body.Bytes()
			r.mu.Lock()
			r.ex = append(r.ex, ex)
			r.mu.Unlock()
		}()
		next.ServeHTTP(cw, req)
	})
}

// redact keeps header names and values but the credentials: an
// Authorization value keeps its scheme only, cookies are dropped.
func redact(h http.Header) http.Header {
	out := h.Clone()
	if v := out.Get("Authorization"); v != "" {
		scheme, _, _ := strings.Cut(v, " ")
		out.Set("Authorization", scheme+" [redacted]")
	}
	out.Del("Cookie")
	out.Del("Set-Cookie")
	return out
}

type captureWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *captureWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	c.body.Write(p)
	return c.ResponseWriter.Write(p)
}

// Flush passes through for servers that stream.
func (c *captureWriter) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (c *captureWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
