package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantops/tenantops/internal/signature"
	"github.com/tenantops/tenantops/internal/sim/fault"
	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/runner"
	"github.com/tenantops/tenantops/trigger/server"
	"github.com/tenantops/tenantops/trigger/store"
	"github.com/tenantops/tenantops/trigger/triggertest"
)

// Known values for every credential and key, so the secrets scan can look
// for them. Each is distinctive enough that a hit is never a coincidence.
const (
	secretVCDPassword    = "vcd-pw-Qx7Lr2m9Zt4kWq"
	secretKeycloakClient = "kc-secret-Hf3Wn8Pq1Ys6"
	secretZertoClient    = "zerto-secret-Bv5Jc0Xe7Ru2"
	secretZertoPassword  = "zerto-pw-Gd4Rk8Sm1Nv3"
	secretSCIMToken      = "scim-token-Mk4Td9Gw2Lh8"
	secretWebhook        = "webhook-secret-Np6Za1Qr3Vx5"
	secretCallback       = "callback-secret-Ue8Ko2Fy7Sb4"
	secretAPIToken       = "api-token-Wd3Hj6Lm9Cq1Ra"
	secretIdPClient      = "idp-client-secret-Te5Ng8Pv2Ky7"
	secretKeycloakAdmin  = "kc-admin-pw-Za9Xc3Vb6Nm1"
)

func allSecrets() map[string]string {
	return map[string]string{
		"vcd password": secretVCDPassword, "keycloak client secret": secretKeycloakClient,
		"zerto client secret": secretZertoClient, "zerto password": secretZertoPassword,
		"scim token": secretSCIMToken, "webhook secret": secretWebhook, "callback secret": secretCallback,
		"api token": secretAPIToken, "idp client secret": secretIdPClient, "keycloak admin password": secretKeycloakAdmin,
	}
}

func TestMain(m *testing.M) {
	start := time.Now()
	code := m.Run()
	tally.print(os.Stdout, time.Since(start))
	testenv.StopSamba()
	testenv.StopPostgres()
	testenv.RemoveProviderMirror()
	if triggerBin != "" {
		os.RemoveAll(filepath.Dir(triggerBin))
	}
	os.Exit(code)
}

// full reports whether the long campaign was asked for.
func full() bool { return os.Getenv("TENANTOPS_RELIABILITY") == "full" }

// syncBuffer collects the trigger's log.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// secrets are the campaign's known credentials, for the simulators and the
// trigger alike.
var secrets = triggertest.Secrets{
	APIToken: secretAPIToken, WebhookSecret: secretWebhook, CallbackSecret: secretCallback,
	VCDPassword: secretVCDPassword, KeycloakClientSecret: secretKeycloakClient, KeycloakAdminPassword: secretKeycloakAdmin,
	ZertoClientSecret: secretZertoClient, ZertoPassword: secretZertoPassword, SCIMToken: secretSCIMToken,
}

func startSims(t testing.TB) *triggertest.Sims { return triggertest.StartSims(t, secrets) }

func startCRM(t testing.TB) *triggertest.CRM { return triggertest.StartCRM(t, secrets.CallbackSecret) }

// owner returns the tenant among tenants that object belongs to: one of
// its path components is the tenant id, or starts with it followed by '-'
// or '.' (org/acme, vdc/acme/acme-vdc, user/acme.alice, vpg/acme-vpg).
func owner(object string, tenants []string) string {
	_, path, _ := strings.Cut(object, ":")
	for _, comp := range strings.Split(path, "/")[1:] {
		for _, t := range tenants {
			if comp == t || strings.HasPrefix(comp, t+"-") || strings.HasPrefix(comp, t+".") {
				return t
			}
		}
	}
	return ""
}

// env is one trigger (in process) wired to its own simulators, CRM and
// database.
type env struct {
	t      testing.TB
	sims   *triggertest.Sims
	crm    *triggertest.CRM
	dir    *directory // nil: the tiers' directory part is off
	cfg    server.Config
	url    string
	pool   *pgxpool.Pool
	logs   *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

// config is the trigger configuration the campaign uses: short backoffs
// so transient faults are retried quickly.
func config(t testing.TB, dbURL, workDir string, s *triggertest.Sims, crm *triggertest.CRM) server.Config {
	cfg := triggertest.Config(t, dbURL, workDir, secrets, s, crm.URL)
	cfg.LockTimeout = 60 * time.Second
	cfg.Retries = 3 // the service default
	cfg.RetryBackoff = 300 * time.Millisecond
	return cfg
}

// startEnv starts a trigger without the tiers' directory part.
func startEnv(t testing.TB) *env { return launch(t, nil, nil) }

// startDirectoryEnv starts a trigger with the tiers' directory part on:
// the tenants' OUs go under OU=name of the shared Samba DC, reached
// through a fault proxy of the env's own. tweak, when set, adjusts the
// trigger's configuration.
func startDirectoryEnv(t testing.TB, name string, tweak func(*server.Config)) *env {
	return launch(t, openDirectory(t, name), tweak)
}

func launch(t testing.TB, dir *directory, tweak func(*server.Config)) *env {
	t.Helper()
	s := startSims(t)
	crm := startCRM(t)
	e := &env{t: t, sims: s, crm: crm, dir: dir, logs: &syncBuffer{}, done: make(chan error, 1)}
	e.cfg = config(t, testenv.NewDatabase(t), t.TempDir(), s, crm)
	if dir != nil {
		// The tiers' whole directory part: the tenant's OU and groups, and
		// the OU federated into the tenant's realm. Keycloak would read
		// the DC directly, not through the provider's fault proxy.
		e.cfg.DirectoryEnabled = true
		e.cfg.Platform = map[string]any{"directory_base_dn": dir.base,
			"directory_ldap_url": dir.dc.URL, "directory_bind_dn": dir.dc.BindDN}
		for k, v := range dir.providerEnv() {
			e.cfg.ProviderEnv[k] = v
		}
		e.cfg.ProviderEnv[runner.FederationPasswordEnv] = dir.dc.BindPassword
	}
	if tweak != nil {
		tweak(&e.cfg)
	}
	e.cfg.Logger = slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := e.cfg
	cfg.Listener = ln
	e.url = "http://" + ln.Addr().String()
	started := make(chan struct{})
	cfg.Started = func(string) { close(started) }
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	go func() { e.done <- server.Run(ctx, cfg) }()
	select {
	case <-started:
	case err := <-e.done:
		t.Fatalf("trigger did not start: %v", err)
	case <-time.After(90 * time.Second):
		t.Fatal("trigger did not start in time")
	}
	if e.pool, err = pgxpool.New(context.Background(), e.cfg.DatabaseURL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		e.stop()
		e.pool.Close()
		if t.Failed() {
			t.Logf("trigger log (tail):\n%s", tail(e.logs.String(), 6000))
		}
	})
	return e
}

func (e *env) stop() {
	if e.cancel == nil {
		return
	}
	e.cancel()
	e.cancel = nil
	select {
	case err := <-e.done:
		if err != nil {
			e.t.Errorf("trigger: %v", err)
		}
	case <-time.After(60 * time.Second):
		e.t.Error("trigger did not stop")
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// tenantSpec builds a webhook body; dr selects the premium-dr tier.
func tenantSpec(eventID, typ, tenant string, dr bool, mutate func(map[string]any)) []byte {
	tn := map[string]any{
		"id": tenant, "display_name": "Tenant " + tenant, "tier": "standard",
		"quotas": map[string]any{"cpu_mhz": 2000, "memory_mb": 4096, "storage_mb": 10240, "vm_quota": 10},
		"sso":    map[string]any{"mfa": "otp"},
		"admins": []any{map[string]any{"username": "alice", "email": "alice@" + tenant + ".example", "given_name": "Alice", "family_name": "Admin"}},
	}
	if dr {
		tn["tier"] = "premium-dr"
		tn["dr"] = map[string]any{"rpo_seconds": 300, "journal_hours": 24, "priority": "Medium"}
	}
	if mutate != nil {
		mutate(tn)
	}
	if typ == "customer.deleted" || typ == "customer.suspended" || typ == "customer.reactivated" {
		tn = map[string]any{"id": tenant}
	}
	b, _ := json.Marshal(map[string]any{"event_id": eventID, "event_type": typ,
		"occurred_at": time.Now().UTC().Format(time.RFC3339Nano), "tenant": tn})
	return b
}

type hookReply struct {
	Status    int
	RunID     int64  `json:"run_id"`
	Duplicate bool   `json:"duplicate"`
	Error     string `json:"error"`
	Raw       string
}

// postWebhook signs and sends body to base; transport errors come back as
// status 0.
func postWebhook(base string, body []byte) hookReply {
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/webhooks/crm", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(signature.Header, signature.Sign([]byte(secretWebhook), body, time.Now()))
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return hookReply{Error: err.Error()}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r hookReply
	_ = json.Unmarshal(raw, &r)
	r.Status = resp.StatusCode
	r.Raw = string(raw)
	return r
}

// get calls the API with the bearer token and returns the body.
func get(base, path string) (int, []byte, error) {
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	req.Header.Set("Authorization", "Bearer "+secretAPIToken)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// waitRun polls the database until the run is terminal; stuck reports that
// it was not within timeout.
func waitRun(pool *pgxpool.Pool, id int64, timeout time.Duration) (run store.Run, stuck bool) {
	deadline := time.Now().Add(timeout)
	for {
		r, err := store.GetRun(context.Background(), pool, id)
		if err == nil {
			run = r
			if store.Terminal(r.State) {
				steps, _ := store.Steps(context.Background(), pool, id)
				run.Steps = steps
				return run, false
			}
		}
		if time.Now().After(deadline) {
			return run, true
		}
		time.Sleep(150 * time.Millisecond)
	}
}

func (e *env) tenant(id string) store.Tenant {
	t, _ := store.GetTenant(context.Background(), e.pool, id)
	return t
}

// liveTenants are the tenants whose Terraform state (in PostgreSQL, one
// workspace per tenant) records at least one resource instance: only they
// may own objects in the systems.
func (e *env) liveTenants() (live, all []string) {
	list, err := store.ListTenants(context.Background(), e.pool)
	if err != nil {
		e.t.Fatalf("tenants: %v", err)
	}
	for _, t := range list {
		all = append(all, t.ID)
		if n := stateInstances(e.pool, t.ID); n > 0 {
			live = append(live, t.ID)
		}
	}
	return live, all
}

// stateInstances counts the resource instances in a tenant's state.
func stateInstances(pool *pgxpool.Pool, tenant string) int {
	var data string
	if err := pool.QueryRow(context.Background(), `SELECT coalesce(data, '') FROM terraform_remote_state.states
		WHERE name = $1`, tenant).Scan(&data); err != nil || data == "" {
		return 0
	}
	var st struct {
		Resources []struct {
			Mode      string            `json:"mode"`
			Instances []json.RawMessage `json:"instances"`
		} `json:"resources"`
	}
	if json.Unmarshal([]byte(data), &st) != nil {
		return 0
	}
	n := 0
	for _, r := range st.Resources {
		if r.Mode == "managed" {
			n += len(r.Instances)
		}
	}
	return n
}

// inventory lists every object of the simulators and, when the directory
// part is on, of the env's directory OU.
func (e *env) inventory() []string {
	inv := e.sims.Inventory()
	if e.dir != nil {
		inv = append(inv, e.dir.inventory()...)
		sort.Strings(inv)
	}
	return inv
}

// orphans are objects in the systems that no tenant's state records:
// objects of a tenant with an empty (or no) state, and objects no tenant
// owns at all.
func (e *env) orphans() []string {
	live, all := e.liveTenants()
	var out []string
	for _, obj := range e.inventory() {
		if o := owner(obj, all); o == "" || !contains(live, o) {
			out = append(out, obj)
		}
	}
	return out
}

// newOrphans are orphans not in known.
func (e *env) newOrphans(known []string) []string {
	var out []string
	for _, o := range e.orphans() {
		if !contains(known, o) {
			out = append(out, o)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func describe(r store.Run) string {
	return fmt.Sprintf("run %d %s %s (attempts %d): %s", r.ID, r.Kind, r.State, r.Attempts, tail(r.Error, 600))
}

// directory is an env's share of the test process's Samba DC: an OU of its
// own that the tenants' OUs go under, and a fault proxy of its own in front
// of the DC's LDAPS port. The proxy listens on the DC's own loopback
// address, which the DC's certificate names, so the provider verifies the
// certificate exactly as without it. With an external DC
// (TENANTOPS_TEST_LDAP_URL) there is no proxy: TestFaultMatrix leaves the
// connection faults out and names them in its table.
type directory struct {
	dc    *testenv.Samba
	proxy *fault.TCPProxy
	name  string
	base  string // OU=name,<domain>
}

func openDirectory(t testing.TB, name string) *directory {
	t.Helper()
	dc, err := testenv.SambaForTests()
	if err != nil {
		t.Fatalf("the directory part needs a Samba DC: %v", err)
	}
	d := &directory{dc: dc, name: name, base: "OU=" + name + "," + dc.BaseDN}
	// An external DC may keep it from an earlier campaign.
	if err := d.add(d.base, "organizationalUnit", nil); err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultEntryAlreadyExists) {
		t.Fatalf("directory OU %s: %v", d.base, err)
	}
	// Empty once every tenant is offboarded; what is left was reported.
	t.Cleanup(func() { _ = d.del(d.base) })
	if dc.Host != "" {
		u, err := url.Parse(dc.URL)
		if err != nil {
			t.Fatal(err)
		}
		if d.proxy, err = fault.NewTCPProxy(net.JoinHostPort(dc.Host, "0"), u.Host); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(d.proxy.Close)
	}
	return d
}

// providerEnv points the provider at the DC through the proxy.
func (d *directory) providerEnv() map[string]string {
	u := d.dc.URL
	if d.proxy != nil {
		u = "ldaps://" + d.proxy.Addr
	}
	return map[string]string{"TENANTOPS_DIRECTORY_URL": u, "TENANTOPS_DIRECTORY_BIND_DN": d.dc.BindDN,
		"TENANTOPS_DIRECTORY_BIND_PASSWORD": d.dc.BindPassword, "TENANTOPS_DIRECTORY_CA_PEM": d.dc.CAPEM}
}

// conn is a bound connection straight to the DC, past the proxy.
func (d *directory) conn() (*ldap.Conn, error) {
	cfg, err := d.dc.TLSConfig()
	if err != nil {
		return nil, err
	}
	c, err := ldap.DialURL(d.dc.URL, ldap.DialWithTLSConfig(cfg), ldap.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}))
	if err != nil {
		return nil, err
	}
	if err := c.Bind(d.dc.BindDN, d.dc.BindPassword); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// add creates an entry of objectClass with the given attributes.
func (d *directory) add(dn, class string, attrs map[string]string) error {
	c, err := d.conn()
	if err != nil {
		return err
	}
	defer c.Close()
	req := ldap.NewAddRequest(dn, nil)
	req.Attribute("objectClass", []string{class})
	for k, v := range attrs {
		req.Attribute(k, []string{v})
	}
	return c.Add(req)
}

// del deletes one entry.
func (d *directory) del(dn string) error {
	c, err := d.conn()
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Del(ldap.NewDelRequest(dn, nil))
}

// inventory lists the entries under the env's OU as
// "directory:<name>/<ou>/<cn>" (RDN values from the top down), so owner
// finds the tenant in them like in the simulators' paths.
func (d *directory) inventory() []string {
	fail := func(err error) []string { return []string{"directory:" + d.name + "/inventory failed: " + err.Error()} }
	c, err := d.conn()
	if err != nil {
		return fail(err)
	}
	defer c.Close()
	res, err := c.SearchWithPaging(ldap.NewSearchRequest(d.base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		0, 0, false, "(objectClass=*)", []string{"1.1"}, nil), 500)
	if err != nil {
		return fail(err)
	}
	baseDN, err := ldap.ParseDN(d.base)
	if err != nil {
		return fail(err)
	}
	var out []string
	for _, en := range res.Entries {
		dn, err := ldap.ParseDN(en.DN)
		if err != nil {
			return fail(err)
		}
		below := dn.RDNs[:len(dn.RDNs)-len(baseDN.RDNs)]
		if len(below) == 0 {
			continue // the env's OU itself
		}
		path := []string{d.name}
		for i := len(below) - 1; i >= 0; i-- {
			path = append(path, strings.ToLower(below[i].Attributes[0].Value))
		}
		out = append(out, "directory:"+strings.Join(path, "/"))
	}
	sort.Strings(out)
	return out
}
