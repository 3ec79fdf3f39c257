package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/contract"
	"github.com/tenantops/tenantops/internal/signature"
	"github.com/tenantops/tenantops/internal/sim/crm"
	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/spec"
	"github.com/tenantops/tenantops/trigger/store"
	"github.com/tenantops/tenantops/trigger/triggertest"
	"github.com/tenantops/tenantops/trigger/workspace"
)

var (
	mirrorOnce sync.Once
	mirrorDir  string
	mirrorErr  error
)

// sharedMirror compiles the provider once per test process into a
// filesystem mirror of the tests' own.
func sharedMirror(t *testing.T) string {
	t.Helper()
	mirrorOnce.Do(func() {
		mirrorDir, mirrorErr = os.MkdirTemp("", "tenantops-dev-mirror-")
		if mirrorErr != nil {
			return
		}
		dir := filepath.Join(mirrorDir, filepath.FromSlash(workspace.ProviderAddress), "0.1.0", "linux_amd64")
		if mirrorErr = os.MkdirAll(dir, 0o755); mirrorErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "terraform-provider-tenantops_v0.1.0"), ".")
		cmd.Dir = testenv.RepoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			mirrorErr = fmt.Errorf("build provider: %v\n%s", err, out)
		}
	})
	if mirrorErr != nil {
		t.Fatal(mirrorErr)
	}
	return mirrorDir
}

func TestMain(m *testing.M) {
	code := contract.Main(m, "sandbox")
	if mirrorDir != "" {
		os.RemoveAll(mirrorDir)
	}
	os.Exit(code)
}

// TestDevOnboardsOneTenant starts the whole dev environment (simulators,
// throwaway PostgreSQL, trigger), sends one signed CRM webhook and expects
// the run to complete, the tenant's objects to exist in the simulators and
// a verified callback at the CRM; a redelivery must not start a second run;
// after Stop nothing keeps listening.
func TestDevOnboardsOneTenant(t *testing.T) {
	start := time.Now()
	t.Parallel()
	mirror := sharedMirror(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var log bytes.Buffer
	// Relative, as `--provider-mirror bin/mirror` is: dev.env must still
	// name it absolutely.
	cwd, _ := os.Getwd()
	relMirror, err := filepath.Rel(cwd, mirror)
	if err != nil {
		t.Fatal(err)
	}
	e, err := Start(ctx, Options{TerraformBin: triggertest.TerraformBin(t), ProviderMirror: relMirror, Directory: DirectoryOff,
		Log: &syncWriter{buf: &log}})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = e.Stop()
		}
		if t.Failed() {
			t.Logf("trigger log:\n%s", log.String())
		}
	}()
	t.Logf("environment up in %s", time.Since(start).Round(time.Millisecond))

	var tenant, eventID string
	body, err := loadSample(filepath.Join(testenv.RepoRoot(), "examples", "webhooks", "standard.json"), &tenant, &eventID)
	if err != nil {
		t.Fatal(err)
	}
	// A wrong signature is refused before anything is stored.
	status, _, err := PostWebhook(ctx, http.DefaultClient, e.WebhookURL(), []byte("not-the-secret-at-all"), body)
	if err != nil || status != http.StatusUnauthorized {
		t.Fatalf("forged webhook answered %d (%v), want 401", status, err)
	}
	d, err := e.CRM.Send(ctx, nil, e.WebhookURL(), body)
	if err != nil || d.Status != http.StatusAccepted {
		t.Fatalf("webhook: %d %s (%v)", d.Status, d.Response, err)
	}
	var accepted struct {
		RunID int64 `json:"run_id"`
	}
	if err := json.Unmarshal(d.Response, &accepted); err != nil || accepted.RunID == 0 {
		t.Fatalf("no run id in %s", d.Response)
	}
	again, err := e.CRM.Send(ctx, nil, e.WebhookURL(), body)
	if err != nil || again.Status != http.StatusOK || !strings.Contains(string(again.Response), `"duplicate":true`) {
		t.Fatalf("redelivery: %d %s (%v), want 200 duplicate", again.Status, again.Response, err)
	}

	cb, err := e.CRM.WaitCallback(ctx, func(c crm.Callback) bool { return c.WebhookEventID == eventID })
	if err != nil {
		t.Fatalf("no callback: %v", err)
	}
	if cb.State != string(store.StateCompleted) || cb.Tenant != tenant {
		t.Fatalf("callback = %s %s, want %s COMPLETED: %s", cb.Tenant, cb.State, tenant, cb.Body)
	}
	dm := &demo{e: e, out: &bytes.Buffer{}, t0: time.Now(), width: 8}
	run, err := dm.getRun(ctx, accepted.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if run.State != store.StateCompleted || len(run.Steps) == 0 {
		t.Fatalf("run = %s with %d steps", run.State, len(run.Steps))
	}
	for _, s := range run.Steps {
		if s.Status != "completed" || s.FinishedAt == nil {
			t.Errorf("step %s %s: %s", s.Action, s.Address, s.Status)
		}
	}
	if !containsEntry(e.Keycloak.Inventory(), "realm/"+tenant) {
		t.Errorf("keycloak holds no realm %s: %v", tenant, e.Keycloak.Inventory())
	}
	if _, n := dm.objectsOf(e.Inventories(), tenant); n == 0 {
		t.Errorf("no object of %s in any backend: %v", tenant, e.Inventories())
	}
	if len(e.CRM.Rejections()) != 0 {
		t.Errorf("the CRM refused callbacks: %v", e.CRM.Rejections())
	}
	var banner bytes.Buffer
	e.PrintBanner(&banner)
	wants := []string{e.WebhookURL(), e.Secret(), "openssl dgst -sha256 -hmac", "send --url", e.ConsoleURL}
	for _, u := range e.StaffAccounts {
		wants = append(wants, u.Username+" / "+u.Password)
	}
	for _, want := range wants {
		if !strings.Contains(banner.String(), want) {
			t.Errorf("banner lacks %q", want)
		}
	}
	consoleSignInStarts(t, e)

	st, err := os.Stat(e.EnvFile)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("env file %s: %v %v", e.EnvFile, st, err)
	}
	envText, _ := os.ReadFile(e.EnvFile)
	for _, want := range []string{"export TENANTOPS_VCD_URL='" + e.VCD.URL + "'", "TENANTOPS_TRIGGER_DATABASE_URL=",
		"TENANTOPS_WEBHOOK_SECRET='" + e.Secret() + "'", "TENANTOPS_ZERTO_CA_PEM='-----BEGIN CERTIFICATE-----",
		"export TENANTOPS_TRIGGER_PROVIDER_MIRROR='" + mirror + "'", "export TF_CLI_CONFIG_FILE='" + filepath.Join(e.Dir, "terraformrc") + "'"} {
		if !strings.Contains(string(envText), want) {
			t.Errorf("env file lacks %q", want)
		}
	}
	sourcedInitWorks(t, e.EnvFile, triggertest.TerraformBin(t))

	url := e.TriggerURL
	if err := e.Stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	stopped = true
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Error("the trigger still answers after Stop")
	}
	if _, err := os.Stat(e.Dir); !os.IsNotExist(err) {
		t.Errorf("dev directory %s not removed", e.Dir)
	}
	t.Logf("whole test took %s", time.Since(start).Round(time.Millisecond))
}

// sourcedInitWorks sources envFile in a shell started elsewhere (its own
// temporary directory, with an empty HOME) and runs `terraform init` on a
// workspace rendered there: the provider must install from the mirror the
// file names, through the CLI configuration it names.
func sourcedInitWorks(t *testing.T, envFile, terraform string) {
	t.Helper()
	dir := t.TempDir()
	tn := spec.Tenant{ID: "envcheck", DisplayName: "Env Check", Tier: "standard",
		Quotas: spec.Quotas{CPUMHz: 2000, MemoryMB: 4096, StorageMB: 10240}, SSO: spec.SSO{MFA: "otp"},
		Admins: []spec.Admin{{Username: "a", Email: "a@envcheck.example", GivenName: "A", FamilyName: "B"}}}
	mirror := ""
	for _, line := range strings.Split(readFile(t, envFile), "\n") {
		if v, ok := strings.CutPrefix(line, "export TENANTOPS_TRIGGER_PROVIDER_MIRROR='"); ok {
			mirror = strings.TrimSuffix(v, "'")
		}
	}
	if _, err := workspace.Render(workspace.Options{TemplatesDir: filepath.Join(testenv.RepoRoot(), "templates", "tenants"),
		Dir: filepath.Join(dir, "ws"), Tenant: tn, MirrorDir: mirror}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-c", `set -e; source "$1"; cd ws; "$2" init -backend=false -input=false -no-color`, "init", envFile, terraform)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "has been successfully initialized") {
		t.Fatalf("terraform init with dev.env sourced: %v\n%s", err, out)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func containsEntry(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestSendSignsTheFile checks the send subcommand against a stand-in
// trigger that verifies the signature.
func TestSendSignsTheFile(t *testing.T) {
	t.Parallel()
	secret := "0123456789abcdef0123"
	var got []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(r.Body)
		if err := signature.Verify(r.Header.Get(signature.Header), buf.Bytes(), time.Now(), time.Minute, []byte(secret)); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		got = buf.Bytes()
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"run_id":7}`))
	}))
	defer srv.Close()
	file := filepath.Join(testenv.RepoRoot(), "examples", "webhooks", "standard.json")
	var out, errOut bytes.Buffer
	if err := send(context.Background(), []string{"--url", srv.URL, "--secret", secret, file}, &out, &errOut); err != nil {
		t.Fatalf("send: %v (%s)", err, errOut.String())
	}
	want, _ := os.ReadFile(file)
	if !bytes.Equal(got, want) || !strings.Contains(out.String(), "HTTP 202") {
		t.Fatalf("sent %q, printed %q", got, out.String())
	}
	// --fresh-id changes only the event id.
	if err := send(context.Background(), []string{"--url", srv.URL, "--secret", secret, "--fresh-id", file}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	var a, b map[string]any
	_ = json.Unmarshal(want, &a)
	_ = json.Unmarshal(got, &b)
	if a["event_id"] == b["event_id"] || b["tenant"] == nil {
		t.Fatalf("fresh id not applied: %v", b["event_id"])
	}
	// A wrong secret is an error.
	if err := send(context.Background(), []string{"--url", srv.URL, "--secret", "wrong-secret-0000000", file}, &out, &errOut); err == nil {
		t.Fatal("send with a wrong secret reported success")
	}
}

// TestSampleWebhooksAreValid checks every sample against the trigger's
// own spec validation and the tiers that exist.
func TestSampleWebhooksAreValid(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(), "examples", "webhooks", "*.json"))
	gitops, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(), "examples", "gitops", "tenants", "*.json"))
	files = append(files, gitops...)
	if len(files) < 4 {
		t.Fatalf("expected the sample webhooks, found %v", files)
	}
	tiers, err := workspace.Tiers(filepath.Join(testenv.RepoRoot(), "templates", "tenants"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := spec.Parse(b, tiers); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
	}
}

func TestMentions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		entry string
		want  bool
	}{
		{"realm/acme", true},
		{"client/acme/tenant-portal", true},
		{"user/acme.wile.coyote", true},
		{"group/acme-admins", true},
		{"vpg/acme-dr", true},
		{"vdc/acme/acme-vdc", true},
		{"realm/acmeco", false},
		{"vpgSettings/123", false},
		{"realm/globex", false},
	} {
		if got := mentions(tc.entry, "acme"); got != tc.want {
			t.Errorf("mentions(%q) = %v", tc.entry, got)
		}
	}
}

// syncWriter lets the trigger's goroutines log into one buffer.
type syncWriter struct {
	mu  sync.Mutex
	buf *bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}
