// Package triggertest holds the pieces the trigger's own tests and the
// reliability campaign (bench/reliability) both need to run a trigger in
// process: the four simulators, a CRM callback receiver, the trigger
// configuration with the test defaults, and the Terraform binary lookup.
// Each harness keeps what differs (secrets, retries, timeouts, logger) and
// adjusts the shared values after the constructors.
package triggertest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantops/tenantops/internal/signature"
	"github.com/tenantops/tenantops/internal/sim/fault"
	kcsim "github.com/tenantops/tenantops/internal/sim/keycloak"
	"github.com/tenantops/tenantops/internal/sim/record"
	scimsim "github.com/tenantops/tenantops/internal/sim/scim"
	vcdsim "github.com/tenantops/tenantops/internal/sim/vcd"
	zertosim "github.com/tenantops/tenantops/internal/sim/zerto"
	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/callback"
	"github.com/tenantops/tenantops/trigger/runner"
	"github.com/tenantops/tenantops/trigger/seal"
	"github.com/tenantops/tenantops/trigger/server"
)

// The simulators' default credentials, which the provider needs when a
// Secrets field is left empty (the other defaults the servers expose).
const (
	defaultVCDPassword = "admin-password"
	defaultZertoSecret = "zerto-secret"
	simAdminUser       = "admin"
	simClientID        = "tenantops"
)

// Secrets are the credentials of one test setup. The trigger's three
// (APIToken, WebhookSecret, CallbackSecret) go into its configuration; the
// simulators' are what they are started with, an empty one keeping the
// simulator's default.
type Secrets struct {
	APIToken       string
	WebhookSecret  string
	CallbackSecret string

	VCDPassword           string // vCD administrator password
	KeycloakClientSecret  string // Keycloak admin client secret
	KeycloakAdminPassword string // Keycloak admin-cli password
	ZertoClientSecret     string
	ZertoPassword         string // Zerto legacy session password
	SCIMToken             string
}

// EncryptionKeys is the keyring of test triggers (a fixed key, so that a
// restarted trigger opens what the one before sealed): the text of
// --encryption-keys / TENANTOPS_TRIGGER_ENCRYPTION_KEYS.
const EncryptionKeys = "test-1:Ehv91hzpiXdjxDHa8vNJXxVWTFsfJBt6AOoUHoyR4WY="

// Keyring returns EncryptionKeys parsed.
func Keyring(t testing.TB) *seal.Keyring {
	k, err := seal.Parse(EncryptionKeys)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TerraformBin returns the Terraform binary the trigger runs:
// TF_ACC_TERRAFORM_PATH, else the repository's bin/terraform.
func TerraformBin(t testing.TB) string {
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p
	}
	p := filepath.Join(testenv.RepoRoot(), "bin", "terraform")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("terraform binary not found at %s (run `make tools` or set TF_ACC_TERRAFORM_PATH)", p)
	}
	return p
}

// Sims are the four HTTP backends one test talks to.
type Sims struct {
	VCD      *vcdsim.Server
	Keycloak *kcsim.Server
	Zerto    *zertosim.Server
	SCIM     *scimsim.Server

	vcdPassword, zertoSecret string
}

// StartSims starts the simulators with sec's credentials (Zerto with short
// task and initial-sync durations, protecting the Cloud Director
// simulator's vApps); they close when the test ends.
func StartSims(t testing.TB, sec Secrets) *Sims {
	t.Helper()
	return startSims(t, sec, false)
}

// StartRecordingSims is StartSims with every simulator keeping its
// traffic in its Recorder, for tests that look at what the trigger and
// the provider sent.
func StartRecordingSims(t testing.TB, sec Secrets) *Sims {
	t.Helper()
	return startSims(t, sec, true)
}

func startSims(t testing.TB, sec Secrets, rec bool) *Sims {
	t.Helper()
	s := &Sims{vcdPassword: or(sec.VCDPassword, defaultVCDPassword), zertoSecret: or(sec.ZertoClientSecret, defaultZertoSecret)}
	var err error
	if s.VCD, err = vcdsim.Start(vcdsim.Options{User: simAdminUser, Password: sec.VCDPassword, Record: rec}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.VCD.Close)
	if s.Keycloak, err = kcsim.Start(kcsim.Options{AdminClientID: simClientID, AdminClientSecret: sec.KeycloakClientSecret,
		AdminPassword: sec.KeycloakAdminPassword, Record: rec}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Keycloak.Close)
	// Cloud Director reads the realms' discovery documents and keys itself.
	if err := s.VCD.TrustIdentityProvider(s.Keycloak.CAPEM); err != nil {
		t.Fatal(err)
	}
	if s.Zerto, err = zertosim.Start(zertosim.Options{ClientID: simClientID, ClientSecret: sec.ZertoClientSecret,
		Password: sec.ZertoPassword, TaskDuration: 50 * time.Millisecond, InitialSync: 50 * time.Millisecond,
		VApps: testenv.ZertoVApps(s.VCD), Record: rec}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Zerto.Close)
	if s.SCIM, err = scimsim.Start(scimsim.Options{Token: sec.SCIMToken, Record: rec}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.SCIM.Close)
	return s
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// ProviderEnv is the provider's environment pointing at the simulators.
// VCD_ORG and KEYCLOAK_REALM are the provider's defaults, spelled out.
func (s *Sims) ProviderEnv() map[string]string {
	return map[string]string{
		"TENANTOPS_VCD_URL": s.VCD.URL, "TENANTOPS_VCD_USER": simAdminUser, "TENANTOPS_VCD_PASSWORD": s.vcdPassword,
		"TENANTOPS_VCD_ORG": "System", "TENANTOPS_VCD_CA_PEM": s.VCD.CAPEM,
		"TENANTOPS_KEYCLOAK_URL": s.Keycloak.URL, "TENANTOPS_KEYCLOAK_REALM": "master", "TENANTOPS_KEYCLOAK_CLIENT_ID": s.Keycloak.ClientID,
		"TENANTOPS_KEYCLOAK_CLIENT_SECRET": s.Keycloak.ClientSecret, "TENANTOPS_KEYCLOAK_CA_PEM": s.Keycloak.CAPEM,
		"TENANTOPS_SCIM_URL": s.SCIM.URL, "TENANTOPS_SCIM_TOKEN": s.SCIM.Token, "TENANTOPS_SCIM_CA_PEM": s.SCIM.CAPEM,
		"TENANTOPS_ZERTO_URL": s.Zerto.URL, "TENANTOPS_ZERTO_CLIENT_ID": simClientID,
		"TENANTOPS_ZERTO_CLIENT_SECRET": s.zertoSecret, "TENANTOPS_ZERTO_CA_PEM": s.Zerto.CAPEM,
	}
}

// Inventory lists every object every simulator holds, prefixed by system
// ("keycloak:realm/acme"), sorted.
func (s *Sims) Inventory() []string {
	var out []string
	add := func(sys string, list []string) {
		for _, v := range list {
			out = append(out, sys+":"+v)
		}
	}
	add("vcd", s.VCD.Inventory())
	add("keycloak", s.Keycloak.Inventory())
	add("zerto", s.Zerto.Inventory())
	add("scim", s.SCIM.Inventory())
	sort.Strings(out)
	return out
}

// ClearFaults removes every simulator's fault rules.
func (s *Sims) ClearFaults() {
	s.VCD.Faults.Clear()
	s.Keycloak.Faults.Clear()
	s.Zerto.Faults.Clear()
	s.SCIM.Faults.Clear()
}

// CRM is the CRM's callback endpoint: it verifies signatures, records every
// accepted callback, and can be broken with its Faults or FailFirst.
type CRM struct {
	// URL is where the trigger sends callbacks.
	URL    string
	Faults *fault.Injector
	// Recorder keeps every exchange the receiver served.
	Recorder *record.Recorder

	secret []byte
	mu     sync.Mutex
	got    []callback.Payload
	raw    [][]byte
	bad    int
	// FailFirst answers that many valid callbacks with 503 first; set it
	// before the trigger starts.
	FailFirst int
	refused   int
}

// StartCRM starts a CRM receiver that accepts callbacks signed with
// secret; it closes when the test ends.
func StartCRM(t testing.TB, secret string) *CRM {
	// The CRM side of the callback contract is checked like the vendors' (internal/contract).
	c := &CRM{Faults: &fault.Injector{}, secret: []byte(secret), Recorder: record.For("crm", true)}
	srv := httptest.NewServer(c.Faults.Wrap(c.Recorder.Wrap(http.HandlerFunc(c.serve))))
	c.URL = srv.URL
	t.Cleanup(srv.Close)
	return c
}

func (c *CRM) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := signature.Verify(r.Header.Get(signature.Header), body, time.Now(), time.Minute, c.secret); err != nil {
		c.bad++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var p callback.Payload
	if err := json.Unmarshal(body, &p); err != nil {
		c.bad++
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	if c.refused < c.FailFirst {
		c.refused++
		http.Error(w, "CRM maintenance", http.StatusServiceUnavailable)
		return
	}
	c.got = append(c.got, p)
	c.raw = append(c.raw, body)
	w.WriteHeader(http.StatusNoContent)
}

// Bad is how many callbacks had a bad signature or body.
func (c *CRM) Bad() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bad
}

// ForRun returns every accepted callback of a run.
func (c *CRM) ForRun(id int64) []callback.Payload {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []callback.Payload
	for _, p := range c.got {
		if p.RunID == id {
			out = append(out, p)
		}
	}
	return out
}

// WaitFor returns the run's first callback, failing the test when none
// arrived within timeout.
func (c *CRM) WaitFor(t testing.TB, id int64, timeout time.Duration) callback.Payload {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if got := c.ForRun(id); len(got) > 0 {
			return got[0]
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no callback for run %d within %s", id, timeout)
	return callback.Payload{}
}

// WaitSettled waits until the run's callback arrived, then a little longer
// so a duplicate delivery would be seen too, and returns them all (none
// when nothing came within timeout).
func (c *CRM) WaitSettled(id int64, timeout time.Duration) []callback.Payload {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if got := c.ForRun(id); len(got) > 0 {
			time.Sleep(500 * time.Millisecond)
			return c.ForRun(id)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil
}

// Raw returns the accepted callbacks' bodies, oldest first.
func (c *CRM) Raw() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][]byte(nil), c.raw...)
}

// Bodies are the raw accepted callbacks, one a line.
func (c *CRM) Bodies() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return string(bytes.Join(c.raw, []byte("\n")))
}

// Config is a trigger configuration for tests: a migrated database at
// dbURL, work in workDir, the provider pointed at s, callbacks to crmURL,
// two workers, short polls and backoffs, no directory part. The harness
// sets what it wants otherwise (LockTimeout, Retries, RetryBackoff and
// Logger at least).
func Config(t testing.TB, dbURL, workDir string, sec Secrets, s *Sims, crmURL string) server.Config {
	mirror, _ := testenv.ProviderMirror(t)
	cfg := server.Defaults()
	cfg.DatabaseURL = dbURL
	cfg.MigrateOnStart = true
	cfg.APIToken = sec.APIToken
	cfg.WebhookSecrets = []string{sec.WebhookSecret}
	cfg.CallbackURL = crmURL
	cfg.CallbackSecret = sec.CallbackSecret
	cfg.CallbackBackoff = 200 * time.Millisecond
	cfg.TerraformBin = TerraformBin(t)
	cfg.TemplatesDir = filepath.Join(testenv.RepoRoot(), "templates", "tenants")
	cfg.WorkDir = workDir
	cfg.ProviderMirror = mirror
	cfg.ProviderEnv = s.ProviderEnv()
	cfg.DirectoryEnabled = false
	cfg.Workers = 2
	cfg.Parallelism = 4
	cfg.JobTimeout = 3 * time.Minute
	cfg.ShutdownTimeout = 20 * time.Second
	cfg.PollInterval = 100 * time.Millisecond
	cfg.ResumeAfter = 2 * time.Second
	// Deletions offboard at once unless a test holds them.
	cfg.OffboardRetention = 0
	// No usage reports unless a test asks for them.
	cfg.UsageInterval = 0
	cfg.EncryptionKeys = EncryptionKeys
	return cfg
}

// AdvisoryLocksAfter waits up to timeout for the database to hold no
// advisory lock (the trigger's tenant locks, Terraform's pg state locks;
// not the liveness lock a running trigger holds) and returns how many are still held then (0 when it got there).
func AdvisoryLocksAfter(pool *pgxpool.Pool, timeout time.Duration) (int, error) {
	deadline := time.Now().Add(timeout)
	for {
		var locks int
		if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
			AND NOT (objsubid = 2 AND classid = $1)`, runner.LivenessClass).Scan(&locks); err != nil {
			return 0, err
		}
		if locks == 0 || time.Now().After(deadline) {
			return locks, nil
		}
		time.Sleep(200 * time.Millisecond)
	}
}
