package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantops/tenantops/internal/signature"
	kcsim "github.com/tenantops/tenantops/internal/sim/keycloak"
	scimsim "github.com/tenantops/tenantops/internal/sim/scim"
	vcdsim "github.com/tenantops/tenantops/internal/sim/vcd"
	zertosim "github.com/tenantops/tenantops/internal/sim/zerto"
	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/callback"
	"github.com/tenantops/tenantops/trigger/server"
	"github.com/tenantops/tenantops/trigger/store"
)

const (
	testWebhookSecret  = "webhook-secret-0123456789"
	testCallbackSecret = "callback-secret-0123456789"
	testAPIToken       = "api-token-0123456789abcdef"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopPostgres()
	testenv.RemoveProviderMirror()
	os.Exit(code)
}

func terraformBin(t testing.TB) string {
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p
	}
	p := filepath.Join(testenv.RepoRoot(), "bin", "terraform")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("terraform binary not found at %s (set TF_ACC_TERRAFORM_PATH)", p)
	}
	return p
}

// sims are the backends one test talks to.
type sims struct {
	kc    *kcsim.Server
	scim  *scimsim.Server
	vcd   *vcdsim.Server
	zerto *zertosim.Server
}

func startSims(t *testing.T) *sims {
	t.Helper()
	kc, err := kcsim.Start(kcsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kc.Close)
	sc, err := scimsim.Start(scimsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sc.Close)
	vc, err := vcdsim.Start(vcdsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(vc.Close)
	zt, err := zertosim.Start(zertosim.Options{TaskDuration: 50 * time.Millisecond, InitialSync: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(zt.Close)
	return &sims{kc: kc, scim: sc, vcd: vc, zerto: zt}
}

func (s *sims) providerEnv() map[string]string {
	return map[string]string{
		"TENANTOPS_KEYCLOAK_URL":           s.kc.URL,
		"TENANTOPS_KEYCLOAK_CLIENT_ID":     "tenantops",
		"TENANTOPS_KEYCLOAK_CLIENT_SECRET": "sim-secret",
		"TENANTOPS_KEYCLOAK_CA_PEM":        s.kc.CAPEM,
		"TENANTOPS_SCIM_URL":               s.scim.URL,
		"TENANTOPS_SCIM_TOKEN":             s.scim.Token,
		"TENANTOPS_SCIM_CA_PEM":            s.scim.CAPEM,
		"TENANTOPS_VCD_URL":                s.vcd.URL,
		"TENANTOPS_VCD_USER":               "admin",
		"TENANTOPS_VCD_PASSWORD":           "admin-password",
		"TENANTOPS_VCD_CA_PEM":             s.vcd.CAPEM,
		"TENANTOPS_ZERTO_URL":              s.zerto.URL,
		"TENANTOPS_ZERTO_CLIENT_ID":        "tenantops",
		"TENANTOPS_ZERTO_CLIENT_SECRET":    "zerto-secret",
		"TENANTOPS_ZERTO_CA_PEM":           s.zerto.CAPEM,
	}
}

// inventory is every object any simulator holds, prefixed by system.
func (s *sims) inventory() []string {
	var out []string
	for _, v := range s.kc.Inventory() {
		out = append(out, "keycloak:"+v)
	}
	for _, v := range s.scim.Inventory() {
		out = append(out, "scim:"+v)
	}
	for _, v := range s.vcd.Inventory() {
		out = append(out, "vcd:"+v)
	}
	for _, v := range s.zerto.Inventory() {
		out = append(out, "zerto:"+v)
	}
	sort.Strings(out)
	return out
}

// crmReceiver records signed callbacks.
type crmReceiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []callback.Payload
	bad int
	// failFirst answers that many valid callbacks with 503 first.
	failFirst int
	refused   int
}

func startCRM(t *testing.T) *crmReceiver {
	c := &crmReceiver{}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		defer c.mu.Unlock()
		if err := signature.Verify(r.Header.Get(signature.Header), body, time.Now(), time.Minute, []byte(testCallbackSecret)); err != nil {
			c.bad++
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var p callback.Payload
		if err := json.Unmarshal(body, &p); err != nil {
			c.bad++
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if c.refused < c.failFirst {
			c.refused++
			http.Error(w, "CRM maintenance", http.StatusServiceUnavailable)
			return
		}
		c.got = append(c.got, p)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *crmReceiver) waitFor(t *testing.T, runID int64, timeout time.Duration) callback.Payload {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		for _, p := range c.got {
			if p.RunID == runID {
				c.mu.Unlock()
				return p
			}
		}
		c.mu.Unlock()
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no callback for run %d within %s", runID, timeout)
	return callback.Payload{}
}

// trigger is one in-process trigger service.
type trigger struct {
	url    string
	dbURL  string
	pool   *pgxpool.Pool
	cancel context.CancelFunc
	done   chan error
}

func testConfig(t *testing.T, dbURL, workDir string, s *sims, crm *crmReceiver) server.Config {
	mirror, _ := testenv.ProviderMirror(t)
	cfg := server.Defaults()
	cfg.DatabaseURL = dbURL
	cfg.MigrateOnStart = true
	cfg.APIToken = testAPIToken
	cfg.WebhookSecrets = []string{testWebhookSecret}
	cfg.CallbackURL = crm.srv.URL
	cfg.CallbackSecret = testCallbackSecret
	cfg.CallbackBackoff = 200 * time.Millisecond
	cfg.TerraformBin = terraformBin(t)
	cfg.TemplatesDir = filepath.Join(testenv.RepoRoot(), "templates", "tenants")
	cfg.WorkDir = workDir
	cfg.ProviderMirror = mirror
	cfg.ProviderEnv = s.providerEnv()
	cfg.DirectoryEnabled = false
	cfg.Workers = 2
	cfg.Parallelism = 4
	cfg.LockTimeout = 90 * time.Second
	cfg.JobTimeout = 3 * time.Minute
	cfg.Retries = 1
	cfg.RetryBackoff = 200 * time.Millisecond
	cfg.ShutdownTimeout = 20 * time.Second
	cfg.PollInterval = 100 * time.Millisecond
	cfg.ResumeAfter = 2 * time.Second
	cfg.Logger = slog.New(slog.NewJSONHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	return cfg
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func startTrigger(t *testing.T, cfg server.Config) *trigger {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Listener = ln
	ctx, cancel := context.WithCancel(context.Background())
	tr := &trigger{url: "http://" + ln.Addr().String(), dbURL: cfg.DatabaseURL, cancel: cancel, done: make(chan error, 1)}
	started := make(chan struct{})
	cfg.Started = func(string) { close(started) }
	go func() { tr.done <- server.Run(ctx, cfg) }()
	select {
	case <-started:
	case err := <-tr.done:
		t.Fatalf("trigger did not start: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("trigger did not start in time")
	}
	tr.pool, err = pgxpool.New(context.Background(), cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		tr.stop(t)
		tr.pool.Close()
	})
	return tr
}

func (tr *trigger) stop(t *testing.T) {
	if tr.cancel == nil {
		return
	}
	tr.cancel()
	tr.cancel = nil
	select {
	case err := <-tr.done:
		if err != nil {
			t.Errorf("trigger: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Error("trigger did not stop")
	}
}

// event builds a webhook body.
func event(id, typ, tenant string, mutate func(map[string]any)) []byte {
	tn := map[string]any{
		"id": tenant, "display_name": "Tenant " + tenant, "tier": "standard",
		"quotas": map[string]any{"cpu_mhz": 2000, "memory_mb": 4096, "storage_mb": 10240, "vm_quota": 10},
		"sso":    map[string]any{"mfa": "otp"},
		"admins": []any{map[string]any{"username": "alice", "email": "alice@" + tenant + ".example", "given_name": "Alice", "family_name": "Admin"}},
	}
	if mutate != nil {
		mutate(tn)
	}
	b, _ := json.Marshal(map[string]any{"event_id": id, "event_type": typ, "occurred_at": time.Now().UTC().Format(time.RFC3339), "tenant": tn})
	return b
}

type hookReply struct {
	status int
	RunID  int64 `json:"run_id"`
}

func postWebhook(t *testing.T, base string, body []byte) hookReply {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/webhooks/crm", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(signature.Header, signature.Sign([]byte(testWebhookSecret), body, time.Now()))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("webhook: %v", err)
		return hookReply{}
	}
	defer resp.Body.Close()
	var r hookReply
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &r)
	r.status = resp.StatusCode
	if r.status != http.StatusAccepted && r.status != http.StatusOK {
		t.Errorf("webhook answered %d: %s", r.status, raw)
	}
	return r
}

func apiGet(t *testing.T, base, path string, v any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	req.Header.Set("Authorization", "Bearer "+testAPIToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

var finalStates = map[string]bool{store.StateCompleted: true, store.StateRolledBack: true,
	store.StateCompensationFailed: true, store.StateSuperseded: true}

// waitRun polls the API until the run reaches a final state.
func waitRun(t *testing.T, base string, id int64, timeout time.Duration) store.Run {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var r store.Run
	for time.Now().Before(deadline) {
		apiGet(t, base, fmt.Sprintf("/v1/runs/%d", id), &r)
		if finalStates[r.State] {
			return r
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("run %d still %s after %s (error: %s)", id, r.State, timeout, r.Error)
	return r
}

func jsonDecode(resp *http.Response, v any) error { return json.NewDecoder(resp.Body).Decode(v) }

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func signHeader(body []byte) string {
	return signature.Sign([]byte(testWebhookSecret), body, time.Now())
}
