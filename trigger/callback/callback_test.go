package callback

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tenantops/tenantops/internal/signature"
)

func TestPostSignsAndReportsRefusals(t *testing.T) {
	secret := []byte("callback-secret-0123456789")
	var status = http.StatusNoContent
	var verr error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		verr = signature.Verify(r.Header.Get(signature.Header), b, time.Now(), time.Minute, secret)
		w.WriteHeader(status)
		io.WriteString(w, "busy")
	}))
	defer srv.Close()
	w := &Worker{Cfg: Config{URL: srv.URL, Secret: secret, Timeout: time.Second}}
	if err := w.post(context.Background(), []byte(`{"event_id":"e1"}`)); err != nil || verr != nil {
		t.Fatalf("post: %v, signature: %v", err, verr)
	}
	status = http.StatusServiceUnavailable
	err := w.post(context.Background(), []byte(`{}`))
	if err == nil || !strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), "busy") {
		t.Fatalf("a refusal must be an error with the CRM's answer: %v", err)
	}
}

func TestNextRetryDoublesUpToTheCap(t *testing.T) {
	w := &Worker{Cfg: Config{Backoff: time.Second, MaxBackoff: 10 * time.Second}}
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 9: 10 * time.Second} {
		job := &river.Job[Args]{JobRow: &rivertype.JobRow{Attempt: attempt}}
		got := time.Until(w.NextRetry(job))
		if got < want-100*time.Millisecond || got > want {
			t.Errorf("attempt %d: retry in %s, want %s", attempt, got, want)
		}
	}
}
