package scim

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	c := &Client{retries: 3, maxWait: 10 * time.Second}
	mk := func(status int, ra string) *http.Response {
		h := http.Header{}
		if ra != "" {
			h.Set("Retry-After", ra)
		}
		return &http.Response{StatusCode: status, Header: h}
	}
	tests := []struct {
		name    string
		resp    *http.Response
		attempt int
		want    time.Duration
		retry   bool
	}{
		{"429 seconds", mk(429, "2"), 0, 2 * time.Second, true},
		{"429 capped", mk(429, "3600"), 0, 10 * time.Second, true},
		{"429 no header backs off", mk(429, ""), 2, 2 * time.Second, true},
		{"429 past date", mk(429, "Mon, 02 Jan 2006 15:04:05 GMT"), 0, 0, true},
		{"503 with header", mk(503, "1"), 0, time.Second, true},
		{"503 without header", mk(503, ""), 0, 0, false},
		{"500", mk(500, "1"), 0, 0, false},
		{"retries exhausted", mk(429, "1"), 3, 0, false},
	}
	for _, tt := range tests {
		got, retry := c.retryAfter(tt.resp, tt.attempt)
		if retry != tt.retry || got != tt.want {
			t.Errorf("%s: got (%v, %v), want (%v, %v)", tt.name, got, retry, tt.want, tt.retry)
		}
	}
}

func TestDoHonoursRetryAfter(t *testing.T) {
	var n atomic.Int32
	var first, second time.Time
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer t0k" {
			t.Errorf("missing bearer token")
		}
		if n.Add(1) == 1 {
			first = time.Now()
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		second = time.Now()
		_, _ = w.Write([]byte(`{"id":"u1","userName":"a","meta":{"version":"W/\"1\""}}`))
	}))
	defer ts.Close()
	c, err := New(Options{URL: ts.URL, Token: "t0k"})
	if err != nil {
		t.Fatal(err)
	}
	var u User
	if _, err := c.do(context.Background(), http.MethodGet, "/Users/u1", nil, nil, "", &u); err != nil {
		t.Fatal(err)
	}
	if u.ID != "u1" || n.Load() != 2 {
		t.Fatalf("user %+v after %d calls", u, n.Load())
	}
	if d := second.Sub(first); d < 900*time.Millisecond {
		t.Fatalf("retried after %v, Retry-After asked for 1s", d)
	}
}
