package fault

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestInjector(t *testing.T) {
	var in Injector
	srv := httptest.NewServer(in.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	})))
	defer srv.Close()

	get := func(path string) (int, error) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		return resp.StatusCode, nil
	}

	remove := in.Add(Rule{Method: "GET", Path: `^/a$`, Kind: Status, Status: 503, After: 1, Times: 2})
	want := []int{200, 503, 503, 200}
	for i, w := range want {
		got, err := get("/a")
		if err != nil || got != w {
			t.Fatalf("call %d: got %d %v, want %d", i+1, got, err, w)
		}
	}
	if got, _ := get("/b"); got != 200 {
		t.Fatalf("unmatched path: got %d", got)
	}
	remove()

	in.Add(Rule{Path: `^/reset$`, Kind: Reset})
	if _, err := get("/reset"); err == nil {
		t.Fatal("reset: expected a transport error")
	}

	in.Add(Rule{Path: `^/slow$`, Kind: Latency, Delay: 50 * time.Millisecond})
	start := time.Now()
	if got, _ := get("/slow"); got != 200 || time.Since(start) < 50*time.Millisecond {
		t.Fatalf("latency: got %d after %v", got, time.Since(start))
	}

	// A hang never answers: the client's own timeout ends it, and a hang
	// with a Delay drops the connection instead of answering.
	in.Add(Rule{Path: `^/hang$`, Kind: Hang})
	impatient := &http.Client{Timeout: 100 * time.Millisecond}
	if resp, err := impatient.Get(srv.URL + "/hang"); err == nil {
		resp.Body.Close()
		t.Fatalf("hang: got %d, want the client's timeout", resp.StatusCode)
	}
	in.Add(Rule{Path: `^/hang-then-drop$`, Kind: Hang, Delay: 50 * time.Millisecond})
	if _, err := get("/hang-then-drop"); err == nil {
		t.Fatal("hang with a delay: expected a transport error, got an answer")
	}

	in.Clear()
	if got, _ := get("/reset"); got != 200 {
		t.Fatalf("after Clear: got %d", got)
	}
}
