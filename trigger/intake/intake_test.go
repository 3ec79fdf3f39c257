package intake

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/signature"
)

var (
	secret = []byte("webhook-secret-0123456789")
	now    = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	body   = []byte(`{"event_id":"e1","event_type":"customer.created","occurred_at":"2026-03-01T12:00:00Z","tenant":{"id":"acme"}}`)
)

// handler has no database: every case here must be refused before it.
func handler() *Handler {
	return &Handler{
		Secrets: [][]byte{[]byte("old-secret-0123456789"), secret},
		Tiers:   func() ([]string, error) { return []string{"standard", "premium-dr"}, nil },
		Log:     slog.New(slog.DiscardHandler),
		Now:     func() time.Time { return now },
	}
}

func send(h http.Handler, b []byte, sig string) (*httptest.ResponseRecorder, Response) {
	req := httptest.NewRequest(http.MethodPost, "/v1/webhooks/crm", bytes.NewReader(b))
	if sig != "" {
		req.Header.Set(signature.Header, sig)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var r Response
	_ = json.Unmarshal(rec.Body.Bytes(), &r)
	return rec, r
}

func TestSignatureRefusals(t *testing.T) {
	tampered := bytes.Replace(body, []byte("acme"), []byte("evil"), 1)
	cases := []struct {
		name string
		body []byte
		sig  string
		want string
	}{
		{"missing", body, "", "missing"},
		{"wrong key", body, signature.Sign([]byte("not-the-secret-000000"), body, now), "does not match"},
		{"stale timestamp", body, signature.Sign(secret, body, now.Add(-6*time.Minute)), "outside the allowed window"},
		{"future timestamp", body, signature.Sign(secret, body, now.Add(6*time.Minute)), "outside the allowed window"},
		{"tampered body", tampered, signature.Sign(secret, body, now), "does not match"},
		{"malformed", body, "t=abc,v1=zz", "malformed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec, r := send(handler(), c.body, c.sig)
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", rec.Code)
			}
			if !strings.Contains(r.Error, c.want) {
				t.Fatalf("error %q, want it to mention %q", r.Error, c.want)
			}
		})
	}
}

func TestValidSignatureReachesValidation(t *testing.T) {
	// Both rotation secrets are accepted; within the skew window.
	for _, key := range [][]byte{secret, []byte("old-secret-0123456789")} {
		rec, r := send(handler(), body, signature.Sign(key, body, now.Add(-4*time.Minute)))
		if rec.Code != http.StatusBadRequest || len(r.Errors) == 0 {
			t.Fatalf("status %d %+v: a signed but incomplete spec must fail validation (400) with field errors", rec.Code, r)
		}
	}
}

func TestBodyLimit(t *testing.T) {
	h := handler()
	h.MaxBody = 1024
	big := bytes.Repeat([]byte("x"), 2048)
	rec, _ := send(h, big, signature.Sign(secret, big, now))
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", rec.Code)
	}
	// The default limit is 1 MiB.
	h.MaxBody = 0
	huge := bytes.Repeat([]byte(" "), DefaultMaxBody+1)
	rec, _ = send(h, huge, signature.Sign(secret, huge, now))
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413 above 1 MiB", rec.Code)
	}
}

func TestClosedRefusesWithRetry(t *testing.T) {
	h := handler()
	h.Close()
	rec, _ := send(h, body, signature.Sign(secret, body, now))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("status %d, want 503 with Retry-After", rec.Code)
	}
	req := httptest.NewRequest(http.MethodGet, "/v1/webhooks/crm", io.NopCloser(strings.NewReader("")))
	rec = httptest.NewRecorder()
	handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET: status %d, want 405", rec.Code)
	}
}
