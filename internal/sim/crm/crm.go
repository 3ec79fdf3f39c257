// Package crm simulates the CRM side of the tenantops webhook contract: it
// signs and sends "contract signed" webhooks to the trigger, and receives the
// trigger's signed callbacks at an HTTPS endpoint, verifies them, records
// them with their arrival time and drops redeliveries of the same event.
// The dev mode, the demo and the tests drive it.
package crm

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tenantops/tenantops/internal/signature"
	"github.com/tenantops/tenantops/internal/sim/fault"
	"github.com/tenantops/tenantops/internal/sim/record"
)

// CallbackPath is where the simulator receives the trigger's callbacks.
const CallbackPath = "/crm/callbacks"

// EventIDHeader carries the event id of a webhook or a callback next to the
// body, so a receiver can dedupe before it parses anything.
const EventIDHeader = "X-Tenantops-Event-Id"

// maxCallbackBody bounds what the simulator reads from one callback.
const maxCallbackBody = 1 << 20

// Options configure a simulator. The zero value is usable: a random secret
// is generated.
type Options struct {
	// Secret signs outgoing webhooks and verifies incoming callbacks.
	Secret []byte
	// ExtraCallbackSecrets are also accepted on callbacks (secret rotation).
	ExtraCallbackSecrets [][]byte
	// Tolerance is the allowed clock skew on callbacks (signature.DefaultTolerance when zero).
	Tolerance time.Duration
	// Now replaces the clock (tests).
	Now func() time.Time
	// Certificate, when set, is served instead of a fresh self-signed one
	// (a process that must trust several simulators in turn reuses one).
	Certificate *tls.Certificate
	// Record keeps every exchange the simulator serves in Server.Recorder
	// (it also records when record.Enable was called).
	Record bool
}

// Delivery records one webhook the simulator sent.
type Delivery struct {
	EventID  string
	Tenant   string
	URL      string
	SentAt   time.Time
	Status   int
	Response []byte
}

// Callback records one verified callback the simulator accepted.
type Callback struct {
	// EventID is the callback's dedupe key: the X-Tenantops-Event-Id
	// header when present, else the body's callback_id, id, report_id (a
	// usage report) or event_id; a second run answering the same event id
	// (a held deletion's destroy) is keyed "<event id>/run-<run id>".
	EventID string
	// WebhookEventID is the webhook the callback answers, when it says so.
	WebhookEventID string
	Tenant         string
	RunID          string
	// State is the body's state, or its outcome.
	State      string
	ReceivedAt time.Time
	// Redeliveries counts later deliveries of the same event id that were dropped.
	Redeliveries int
	Body         json.RawMessage
}

// Rejection records a callback that failed verification.
type Rejection struct {
	At     time.Time
	Reason string
}

// Server is a running CRM simulator.
type Server struct {
	// URL is the simulator's base URL; callbacks go to CallbackURL.
	URL         string
	CallbackURL string
	// CAPEM is the PEM of the server certificate, for clients that must trust it.
	CAPEM  string
	Faults *fault.Injector
	// Recorder holds the served exchanges when recording is on (else nil).
	Recorder *record.Recorder

	secret    []byte
	accepted  [][]byte
	tolerance time.Duration
	now       func() time.Time
	srv       *httptest.Server

	mu         sync.Mutex
	deliveries []Delivery
	callbacks  []*Callback
	byEvent    map[string]*Callback
	rejections []Rejection
	notify     chan struct{}
}

// Start serves the simulator on a random loopback port over HTTPS.
func Start(opts Options) (*Server, error) {
	s := &Server{
		Faults:    &fault.Injector{},
		Recorder:  record.For("crm", opts.Record),
		secret:    opts.Secret,
		tolerance: opts.Tolerance,
		now:       opts.Now,
		byEvent:   map[string]*Callback{},
		notify:    make(chan struct{}),
	}
	if len(s.secret) == 0 {
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return nil, fmt.Errorf("crm: generate secret: %w", err)
		}
		s.secret = []byte(hex.EncodeToString(b))
	}
	s.accepted = append([][]byte{s.secret}, opts.ExtraCallbackSecrets...)
	if s.tolerance == 0 {
		s.tolerance = signature.DefaultTolerance
	}
	if s.now == nil {
		s.now = time.Now
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+CallbackPath, s.handleCallback)
	mux.HandleFunc("GET /crm/callbacks", s.handleList)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	s.srv = httptest.NewUnstartedServer(s.Faults.Wrap(s.Recorder.Wrap(mux)))
	if opts.Certificate != nil {
		s.srv.TLS = &tls.Config{Certificates: []tls.Certificate{*opts.Certificate}, MinVersion: tls.VersionTLS12}
	}
	s.srv.StartTLS()
	s.URL = s.srv.URL
	s.CallbackURL = s.srv.URL + CallbackPath
	cert := s.srv.Certificate()
	s.CAPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
	return s, nil
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Secret returns the shared webhook secret (give it to the trigger).
func (s *Server) Secret() string { return string(s.secret) }

// Sign returns the signature header value for body, signed now.
func (s *Server) Sign(body []byte) string { return signature.Sign(s.secret, body, s.now()) }

// Send signs body and POSTs it to url with client (http.DefaultClient when
// nil). Every delivery that got an HTTP answer, whatever its status, is
// recorded and returned; an error means no answer came back.
func (s *Server) Send(ctx context.Context, client *http.Client, url string, body []byte) (Delivery, error) {
	if client == nil {
		client = http.DefaultClient
	}
	meta := peek(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return Delivery{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(signature.Header, s.Sign(body))
	if meta.EventID != "" {
		req.Header.Set(EventIDHeader, meta.EventID)
	}
	d := Delivery{EventID: meta.EventID, Tenant: meta.Tenant, URL: url, SentAt: s.now()}
	resp, err := client.Do(req)
	if err != nil {
		return d, fmt.Errorf("crm: send webhook %s: %w", meta.EventID, err)
	}
	defer resp.Body.Close()
	d.Status = resp.StatusCode
	d.Response, _ = io.ReadAll(io.LimitReader(resp.Body, maxCallbackBody))
	s.mu.Lock()
	s.deliveries = append(s.deliveries, d)
	s.mu.Unlock()
	return d, nil
}

// Callbacks returns the accepted callbacks, in arrival order.
func (s *Server) Callbacks() []Callback {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Callback, len(s.callbacks))
	for i, c := range s.callbacks {
		out[i] = *c
	}
	return out
}

// Rejections returns the callbacks that failed verification.
func (s *Server) Rejections() []Rejection {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Rejection(nil), s.rejections...)
}

// WaitCallback blocks until a callback satisfying match has been accepted,
// or ctx ends.
func (s *Server) WaitCallback(ctx context.Context, match func(Callback) bool) (Callback, error) {
	for {
		s.mu.Lock()
		for _, c := range s.callbacks {
			if match(*c) {
				cp := *c
				s.mu.Unlock()
				return cp, nil
			}
		}
		ch := s.notify
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return Callback{}, ctx.Err()
		}
	}
}

// Inventory lists what the simulator holds: one entry per webhook sent
// ("webhook/<tenant>/<event id>") and per callback accepted
// ("callback/<tenant>/<event id>").
func (s *Server) Inventory() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, d := range s.deliveries {
		out = append(out, "webhook/"+d.Tenant+"/"+d.EventID)
	}
	for _, c := range s.callbacks {
		out = append(out, "callback/"+c.Tenant+"/"+c.EventID)
	}
	sort.Strings(out)
	return out
}

func (s *Server) handleCallback(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxCallbackBody+1))
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	if len(body) > maxCallbackBody {
		s.reject("body too large")
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err := signature.Verify(r.Header.Get(signature.Header), body, s.now(), s.tolerance, s.accepted...); err != nil {
		s.reject(err.Error())
		http.Error(w, "signature: "+err.Error(), http.StatusUnauthorized)
		return
	}
	if !json.Valid(body) {
		s.reject("body is not JSON")
		http.Error(w, "body is not JSON", http.StatusBadRequest)
		return
	}
	meta := peek(body)
	id := r.Header.Get(EventIDHeader)
	if id == "" {
		id = meta.callbackKey()
	}
	if id == "" {
		s.reject("no event id")
		http.Error(w, "callback has no event id", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	if c, ok := s.byEvent[id]; ok && meta.Run != "" && c.RunID != "" && c.RunID != meta.Run {
		// Another run answering the same webhook (a held deletion's
		// destroy after its suspension): a callback of its own, deduped
		// on the event id and the run id as docs/trigger.md says.
		id += "/run-" + meta.Run
	}
	if c, ok := s.byEvent[id]; ok {
		c.Redeliveries++
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"duplicate"}`+"\n")
		return
	}
	c := &Callback{
		EventID:        id,
		WebhookEventID: meta.webhookKey(),
		Tenant:         meta.Tenant,
		RunID:          meta.Run,
		State:          meta.State,
		ReceivedAt:     s.now(),
		Body:           append(json.RawMessage(nil), body...),
	}
	s.byEvent[id] = c
	s.callbacks = append(s.callbacks, c)
	close(s.notify)
	s.notify = make(chan struct{})
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"status":"accepted"}`+"\n")
}

func (s *Server) handleList(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s.Callbacks())
}

func (s *Server) reject(reason string) {
	s.mu.Lock()
	s.rejections = append(s.rejections, Rejection{At: s.now(), Reason: reason})
	s.mu.Unlock()
}

// meta is the handful of fields the simulator reads from webhooks and
// callbacks. The tenant may be an id string or an object with an id.
type meta struct {
	EventID    string          `json:"event_id"`
	ID         string          `json:"id"`
	CallbackID string          `json:"callback_id"`
	ReportID   string          `json:"report_id"`
	TenantRaw  json.RawMessage `json:"tenant"`
	TenantID   string          `json:"tenant_id"`
	RunID      json.RawMessage `json:"run_id"`
	State      string          `json:"state"`
	Outcome    string          `json:"outcome"`
	Webhook    string          `json:"webhook_event_id"`
	Source     string          `json:"source_event_id"`

	Tenant string `json:"-"`
	Run    string `json:"-"`
}

func (m meta) callbackKey() string {
	for _, v := range []string{m.CallbackID, m.ID, m.ReportID, m.EventID} {
		if v != "" {
			return v
		}
	}
	return ""
}

func (m meta) webhookKey() string {
	for _, v := range []string{m.Webhook, m.Source, m.EventID} {
		if v != "" {
			return v
		}
	}
	return ""
}

func peek(body []byte) meta {
	var m meta
	if err := json.Unmarshal(body, &m); err != nil {
		return meta{}
	}
	m.Tenant = m.TenantID
	if m.Tenant == "" && len(m.TenantRaw) > 0 {
		var id string
		if json.Unmarshal(m.TenantRaw, &id) == nil {
			m.Tenant = id
		} else {
			var obj struct {
				ID string `json:"id"`
			}
			if json.Unmarshal(m.TenantRaw, &obj) == nil {
				m.Tenant = obj.ID
			}
		}
	}
	if m.State == "" {
		m.State = m.Outcome
	}
	m.Run = strings.Trim(string(m.RunID), `"`)
	if m.Run == "null" {
		m.Run = ""
	}
	return m
}
