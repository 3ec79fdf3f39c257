package console_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/tenantops/tenantops/internal/contract"
	"github.com/tenantops/tenantops/internal/sim/keycloak"
	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/api"
	"github.com/tenantops/tenantops/trigger/console"
	"github.com/tenantops/tenantops/trigger/metrics"
	"github.com/tenantops/tenantops/trigger/store"
	"github.com/tenantops/tenantops/trigger/triggertest"
)

func TestMain(m *testing.M) {
	code := contract.Main(m, "trigger/console")
	testenv.StopPostgres()
	os.Exit(code)
}

const (
	apiToken     = "api-token-0123456789abcdef"
	clientSecret = "console-secret-0123456789"
)

// Staff accounts of the simulated staff realm.
var (
	viewer   = keycloak.StaffUser{Username: "vera-viewer", Password: "viewer-pass-1", Roles: []string{"viewer"}}
	approver = keycloak.StaffUser{Username: "arno-approver", Password: "approver-pass-1", Roles: []string{"approver"}}
	nobody   = keycloak.StaffUser{Username: "norole", Password: "norole-pass-1"}
)

// env is a console served beside the API on a seeded database, signing
// in at the Keycloak simulator's staff realm.
type env struct {
	url  string
	pool *pgxpool.Pool
	runs map[string]int64
	kc   *keycloak.Server
	// kcClient trusts the simulator's certificate.
	kcClient *http.Client
}

func startConsole(t *testing.T, tenants int) *env {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, testenv.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := store.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	runs, err := triggertest.SeedConsole(ctx, pool, tenants)
	if err != nil {
		t.Fatal(err)
	}
	kc, err := keycloak.Start(keycloak.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kc.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	kc.AddStaffRealm(keycloak.StaffRealm{Name: "staff", RoleClaim: "tenantops_roles",
		Clients: []keycloak.StaffClient{{ClientID: "tenantops-console", Secret: clientSecret, RedirectURIs: []string{base + "/ui/callback"}}},
		Users:   []keycloak.StaffUser{viewer, approver, nobody}})
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM([]byte(kc.CAPEM))
	kcClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}, Timeout: 10 * time.Second}
	// Insert-only River client: approvals enqueue the run's job.
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, nil))
	a := &api.API{Pool: pool, River: rc, Token: apiToken, Metrics: metrics.New(pool), Log: log}
	c, err := console.New(ctx, console.Config{Keyring: triggertest.Keyring(t), Issuer: kc.URL + "/realms/staff", ClientID: "tenantops-console",
		ClientSecret: clientSecret, RedirectURL: base + "/ui/callback", HTTPClient: kcClient, LivePoll: 100 * time.Millisecond}, pool, a, log)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/ui/", c.Handler())
	mux.Handle("/", a.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return &env{url: base, pool: pool, runs: runs, kc: kc, kcClient: kcClient}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// browser returns an HTTP client with a cookie jar that trusts the
// simulator (a stand-in for a browser in the HTTP-level tests).
func (e *env) browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	tr := e.kcClient.Transport.(*http.Transport).Clone()
	return &http.Client{Jar: jar, Transport: tr, Timeout: 10 * time.Second}
}

func (e *env) runState(t *testing.T, id int64) store.RunState {
	t.Helper()
	var s store.RunState
	if err := e.pool.QueryRow(context.Background(), `SELECT state FROM runs WHERE id = $1`, id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func (e *env) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := e.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil && err != pgx.ErrNoRows {
		t.Fatal(err)
	}
	return n
}
