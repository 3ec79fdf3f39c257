package crm

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/signature"
	"github.com/tenantops/tenantops/internal/sim/fault"
)

func start(t *testing.T) *Server {
	t.Helper()
	s, err := Start(Options{Secret: []byte("s3cret")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func client(s *Server) *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: s.CertPool(), MinVersion: tls.VersionTLS12},
	}}
}

func postCallback(t *testing.T, s *Server, secret []byte, id string, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.CallbackURL, bytes.NewReader(body))
	req.Header.Set(signature.Header, signature.Sign(secret, body, time.Now()))
	if id != "" {
		req.Header.Set(EventIDHeader, id)
	}
	resp, err := client(s).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

func TestSendSignsWebhook(t *testing.T) {
	t.Parallel()
	s := start(t)
	var mu sync.Mutex
	var got []string
	trigger := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := signature.Verify(r.Header.Get(signature.Header), body, time.Now(), time.Minute, []byte("s3cret")); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		mu.Lock()
		got = append(got, r.Header.Get(EventIDHeader))
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"run_id":"r1"}`)
	}))
	defer trigger.Close()

	body := []byte(`{"event_id":"evt-1","tenant":{"id":"acme","tier":"standard"}}`)
	d, err := s.Send(context.Background(), nil, trigger.URL, body)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != http.StatusAccepted || d.EventID != "evt-1" || d.Tenant != "acme" {
		t.Fatalf("delivery = %+v", d)
	}
	if !strings.Contains(string(d.Response), "r1") {
		t.Fatalf("response not recorded: %q", d.Response)
	}
	if len(got) != 1 || got[0] != "evt-1" {
		t.Fatalf("trigger saw %v", got)
	}
	// A receiver holding a different secret must refuse the same delivery.
	if err := signature.Verify(s.Sign(body), body, time.Now(), time.Minute, []byte("other")); err == nil {
		t.Fatal("signature verified with the wrong secret")
	}
	if inv := s.Inventory(); len(inv) != 1 || inv[0] != "webhook/acme/evt-1" {
		t.Fatalf("inventory = %v", inv)
	}
}

func TestCallbackVerifiesAndDedupes(t *testing.T) {
	t.Parallel()
	s := start(t)
	body := []byte(`{"id":"cb-1","webhook_event_id":"evt-1","tenant":"acme","run_id":17,"state":"COMPLETED"}`)

	if code := postCallback(t, s, []byte("s3cret"), "", body); code != http.StatusOK {
		t.Fatalf("first delivery: status %d", code)
	}
	if code := postCallback(t, s, []byte("s3cret"), "", body); code != http.StatusOK {
		t.Fatalf("redelivery: status %d", code)
	}
	cbs := s.Callbacks()
	if len(cbs) != 1 {
		t.Fatalf("want 1 callback after a redelivery, got %d", len(cbs))
	}
	c := cbs[0]
	if c.EventID != "cb-1" || c.WebhookEventID != "evt-1" || c.Tenant != "acme" || c.RunID != "17" || c.State != "COMPLETED" {
		t.Fatalf("callback = %+v", c)
	}
	if c.Redeliveries != 1 {
		t.Fatalf("redeliveries = %d, want 1", c.Redeliveries)
	}
	if c.ReceivedAt.IsZero() || time.Since(c.ReceivedAt) > time.Minute {
		t.Fatalf("bad timestamp %v", c.ReceivedAt)
	}
	var decoded map[string]any
	if err := json.Unmarshal(c.Body, &decoded); err != nil || decoded["state"] != "COMPLETED" {
		t.Fatalf("body not kept: %s", c.Body)
	}

	// The trigger's own payload: event_id names the webhook and is the key.
	trig := []byte(`{"event_id":"evt-7","tenant":"globex","run_id":3,"kind":"onboard","outcome":"ROLLED_BACK","error":"zerto"}`)
	for i := 0; i < 3; i++ {
		if code := postCallback(t, s, []byte("s3cret"), "", trig); code != http.StatusOK {
			t.Fatalf("trigger payload: status %d", code)
		}
	}
	c, err := s.WaitCallback(context.Background(), func(c Callback) bool { return c.WebhookEventID == "evt-7" })
	if err != nil || c.EventID != "evt-7" || c.State != "ROLLED_BACK" || c.RunID != "3" || c.Tenant != "globex" || c.Redeliveries != 2 {
		t.Fatalf("trigger payload recorded as %+v (%v)", c, err)
	}

	// The header id wins over the body and is the dedupe key.
	if code := postCallback(t, s, []byte("s3cret"), "cb-2", body); code != http.StatusOK {
		t.Fatalf("header id: status %d", code)
	}
	if n := len(s.Callbacks()); n != 3 {
		t.Fatalf("want 3 callbacks, got %d", n)
	}
}

func TestCallbackRejectsBadSignatures(t *testing.T) {
	t.Parallel()
	s := start(t)
	body := []byte(`{"id":"cb-1","tenant_id":"acme","state":"COMPLETED"}`)

	if code := postCallback(t, s, []byte("wrong"), "", body); code != http.StatusUnauthorized {
		t.Fatalf("wrong secret: status %d", code)
	}
	// Signed for another body.
	req, _ := http.NewRequest(http.MethodPost, s.CallbackURL, bytes.NewReader(body))
	req.Header.Set(signature.Header, signature.Sign([]byte("s3cret"), []byte(`{"id":"x"}`), time.Now()))
	resp, err := client(s).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("tampered body: status %d", resp.StatusCode)
	}
	// Stale timestamp.
	req, _ = http.NewRequest(http.MethodPost, s.CallbackURL, bytes.NewReader(body))
	req.Header.Set(signature.Header, signature.Sign([]byte("s3cret"), body, time.Now().Add(-time.Hour)))
	resp, err = client(s).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("stale: status %d", resp.StatusCode)
	}
	// Unsigned.
	resp, err = client(s).Post(s.CallbackURL, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned: status %d", resp.StatusCode)
	}
	if n := len(s.Callbacks()); n != 0 {
		t.Fatalf("accepted %d forged callbacks", n)
	}
	if n := len(s.Rejections()); n != 4 {
		t.Fatalf("want 4 rejections recorded, got %d", n)
	}
}

func TestCallbackSecretRotation(t *testing.T) {
	t.Parallel()
	s, err := Start(Options{Secret: []byte("new"), ExtraCallbackSecrets: [][]byte{[]byte("old")}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if code := postCallback(t, s, []byte("old"), "cb-old", []byte(`{"state":"COMPLETED"}`)); code != http.StatusOK {
		t.Fatalf("old secret refused during rotation: %d", code)
	}
	if code := postCallback(t, s, []byte("new"), "cb-new", []byte(`{"state":"COMPLETED"}`)); code != http.StatusOK {
		t.Fatalf("new secret refused: %d", code)
	}
}

func TestWaitCallbackAndFaults(t *testing.T) {
	t.Parallel()
	s := start(t)
	remove := s.Faults.Add(fault.Rule{Method: http.MethodPost, Path: "^" + CallbackPath + "$", Kind: fault.Status, Status: 503, Times: 1})
	defer remove()
	body := []byte(`{"id":"cb-9","tenant_id":"globex","state":"ROLLED_BACK"}`)
	if code := postCallback(t, s, []byte("s3cret"), "", body); code != http.StatusServiceUnavailable {
		t.Fatalf("fault not applied: %d", code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan Callback, 1)
	go func() {
		c, err := s.WaitCallback(ctx, func(c Callback) bool { return c.Tenant == "globex" })
		if err != nil {
			t.Error(err)
		}
		done <- c
	}()
	time.Sleep(50 * time.Millisecond)
	if code := postCallback(t, s, []byte("s3cret"), "", body); code != http.StatusOK {
		t.Fatalf("retry after fault: %d", code)
	}
	if c := <-done; c.State != "ROLLED_BACK" {
		t.Fatalf("waited callback = %+v", c)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	if _, err := s.WaitCallback(short, func(c Callback) bool { return c.Tenant == "nobody" }); err == nil {
		t.Fatal("WaitCallback returned for a callback that never came")
	}
}

// CertPool returns a pool trusting the simulator's certificate.
func (s *Server) CertPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(s.srv.Certificate())
	return p
}

// A held deletion is answered by two runs under one event id, each its own
// callback (deduped on event id and run id); a usage report is keyed by
// its report_id.
func TestHeldDeletionAndUsageReports(t *testing.T) {
	t.Parallel()
	s := start(t)
	for _, body := range []string{
		`{"event_id":"evt-del","tenant":"acme","run_id":5,"kind":"update","outcome":"COMPLETED","destroy_at":"2026-12-03T00:00:00Z"}`,
		`{"event_id":"evt-del","tenant":"acme","run_id":5,"kind":"update","outcome":"COMPLETED","destroy_at":"2026-12-03T00:00:00Z"}`,
		`{"event_id":"evt-del","tenant":"acme","run_id":9,"kind":"offboard","outcome":"COMPLETED"}`,
		`{"type":"tenant.usage","report_id":"usage:acme:2026-12-02T00:00:00Z","tenant":"acme","admins":1}`,
		`{"type":"tenant.usage","report_id":"usage:acme:2026-12-02T00:00:00Z","tenant":"acme","admins":1}`,
	} {
		if code := postCallback(t, s, []byte("s3cret"), "", []byte(body)); code != http.StatusOK {
			t.Fatalf("%s: status %d", body, code)
		}
	}
	var keys []string
	for _, c := range s.Callbacks() {
		keys = append(keys, fmt.Sprintf("%s:%d", c.EventID, c.Redeliveries))
	}
	if want := "[evt-del:1 evt-del/run-9:0 usage:acme:2026-12-02T00:00:00Z:1]"; fmt.Sprint(keys) != want {
		t.Fatalf("callbacks %v, want %s", keys, want)
	}
	if len(s.Rejections()) != 0 {
		t.Fatalf("rejections: %+v", s.Rejections())
	}
}
