package record

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRecorderKeepsExchangesAndRedactsCredentials(t *testing.T) {
	r := For("test", true)
	h := r.Wrap(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(append([]byte("got "), b...))
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/a/b?x=1", strings.NewReader("hello"))
	req.Header.Set("Authorization", "Bearer s3cret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "got hello" {
		t.Fatalf("handler saw %q: the recorder must hand the body on", body)
	}
	ex := r.Exchanges()
	if len(ex) != 1 {
		t.Fatalf("recorded %d exchanges", len(ex))
	}
	e := ex[0]
	if e.System != "test" || e.Method != "POST" || e.Path != "/a/b" || e.RawQuery != "x=1" || string(e.ReqBody) != "hello" ||
		e.Status != 201 || string(e.RespBody) != "got hello" || e.RespHeader.Get("Content-Type") != "text/plain" {
		t.Fatalf("exchange %+v", e)
	}
	if got := e.ReqHeader.Get("Authorization"); got != "Bearer [redacted]" {
		t.Fatalf("Authorization recorded as %q", got)
	}
	r.Reset()
	if len(r.Exchanges()) != 0 {
		t.Fatal("Reset kept exchanges")
	}
}

func TestNilRecorderIsOffAndPassesThrough(t *testing.T) {
	var r *Recorder
	called := false
	h := r.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if !called || r.Exchanges() != nil {
		t.Fatal("a nil recorder must pass through and record nothing")
	}
	if For("off", false) != nil && !global.on {
		t.Fatal("recording must be opt-in")
	}
}

func TestRecorderCountsUserAgents(t *testing.T) {
	r := For("test", true)
	srv := httptest.NewServer(r.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	defer srv.Close()
	for _, ua := range []string{"a/1", "a/1", "b/2"} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		req.Header.Set("User-Agent", ua)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if got := r.UserAgents(); len(got) != 2 || got["a/1"] != 2 || got["b/2"] != 1 {
		t.Fatalf("UserAgents = %v", got)
	}
}
