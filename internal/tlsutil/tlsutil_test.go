package tlsutil

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOptions(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, []byte(caPEM), 0o600); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name    string
		opts    Options
		wantErr string // from building the client
		reachOK bool
	}{
		{name: "verified by default", opts: Options{}, reachOK: false},
		{name: "ca_pem trusted", opts: Options{CAPEM: caPEM}, reachOK: true},
		{name: "ca_file trusted", opts: Options{CAFile: caFile}, reachOK: true},
		{name: "explicit opt-out", opts: Options{InsecureSkipVerify: true}, reachOK: true},
		{name: "bad ca_pem", opts: Options{CAPEM: "not a certificate"}, wantErr: "ca_pem"},
		{name: "missing ca_file", opts: Options{CAFile: "/nonexistent/ca.pem"}, wantErr: "ca_file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hc, err := c.opts.HTTPClient(5 * time.Second)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("got %v, want error naming %s", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			resp, err := hc.Get(srv.URL)
			if c.reachOK {
				if err != nil {
					t.Fatalf("expected success, got %v", err)
				}
				resp.Body.Close()
			} else if err == nil {
				resp.Body.Close()
				t.Fatal("expected a certificate error with default settings")
			}
		})
	}
}
