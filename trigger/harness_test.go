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
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantops/tenantops/internal/contract"
	"github.com/tenantops/tenantops/internal/signature"
	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/server"
	"github.com/tenantops/tenantops/trigger/store"
	"github.com/tenantops/tenantops/trigger/triggertest"
)

const (
	testWebhookSecret  = "webhook-secret-0123456789"
	testCallbackSecret = "callback-secret-0123456789"
	testAPIToken       = "api-token-0123456789abcdef"
)

func TestMain(m *testing.M) {
	code := contract.Main(m, "trigger")
	testenv.StopPostgres()
	testenv.RemoveProviderMirror()
	os.Exit(code)
}

// secrets are the trigger's test credentials; the simulators keep their
// defaults.
var secrets = triggertest.Secrets{APIToken: testAPIToken, WebhookSecret: testWebhookSecret, CallbackSecret: testCallbackSecret}

func startSims(t *testing.T) *triggertest.Sims { return triggertest.StartSims(t, secrets) }

func startCRM(t *testing.T) *triggertest.CRM { return triggertest.StartCRM(t, secrets.CallbackSecret) }

// trigger is one in-process trigger service.
type trigger struct {
	url    string
	dbURL  string
	pool   *pgxpool.Pool
	cancel context.CancelFunc
	done   chan error
}

// testConfig is the shared test configuration with this package's retry,
// lock and logging settings.
func testConfig(t *testing.T, dbURL, workDir string, s *triggertest.Sims, crm *triggertest.CRM) server.Config {
	cfg := triggertest.Config(t, dbURL, workDir, secrets, s, crm.URL)
	cfg.LockTimeout = 90 * time.Second
	cfg.Retries = 1
	cfg.RetryBackoff = 200 * time.Millisecond
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
	return eventAt(id, typ, time.Now(), tn)
}

// eventAt is a webhook body with the given occurred_at (to the nanosecond:
// events built one after another are ordered as they were built). A
// deletion, suspension or reactivation carries the tenant id only.
func eventAt(id, typ string, at time.Time, tn map[string]any) []byte {
	if typ == "customer.deleted" || typ == "customer.suspended" || typ == "customer.reactivated" {
		tn = map[string]any{"id": tn["id"]}
	}
	b, _ := json.Marshal(map[string]any{"event_id": id, "event_type": typ, "occurred_at": at.UTC().Format(time.RFC3339Nano), "tenant": tn})
	return b
}

type hookReply struct {
	status int
	raw    string
	RunID  int64 `json:"run_id"`
}

func postWebhook(t *testing.T, base string, body []byte) hookReply {
	t.Helper()
	r := postRaw(t, base, body, nil)
	if r.status != http.StatusAccepted && r.status != http.StatusOK {
		t.Errorf("webhook answered %d: %s", r.status, r.raw)
	}
	return r
}

// postRaw posts body, changed by edit when given, signed, and returns the
// answer whatever its status.
func postRaw(t *testing.T, base string, body []byte, edit func(string) string) hookReply {
	t.Helper()
	if edit != nil {
		body = []byte(edit(string(body)))
	}
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
	r.status, r.raw = resp.StatusCode, string(raw)
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

var finalStates = map[store.RunState]bool{store.StateCompleted: true, store.StateRolledBack: true,
	store.StateCompensationFailed: true, store.StateSuperseded: true, store.StateRejected: true}

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
