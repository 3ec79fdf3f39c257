package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/metrics"
	"github.com/tenantops/tenantops/trigger/store"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopPostgres()
	os.Exit(code)
}

const token = "api-token-0123456789abcdef"

func TestAuthNotFoundAndConflicts(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, testenv.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := store.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	// An insert-only River client: no workers run here.
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	a := &API{Pool: pool, River: rc, Token: token, Metrics: metrics.New(pool), Log: slog.New(slog.DiscardHandler)}
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()

	tx, _ := pool.Begin(ctx)
	res, err := store.RecordEvent(ctx, tx, store.Event{EventID: "e1", EventType: "customer.created", Tenant: "acme",
		Tier: "standard", BodySHA256: "x", Spec: []byte(`{}`)}, false)
	if err != nil {
		t.Fatal(err)
	}
	tx.Commit(ctx)
	for _, id := range []string{"beta", "gamma"} {
		tx, _ := pool.Begin(ctx)
		if _, err := store.RecordEvent(ctx, tx, store.Event{EventID: "e-" + id, EventType: "customer.created", Tenant: id,
			Tier: "standard", BodySHA256: "x", Spec: []byte(`{}`)}, false); err != nil {
			t.Fatal(err)
		}
		tx.Commit(ctx)
	}

	do := func(method, path, tok string) (int, string) {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	cases := []struct {
		method, path, tok string
		code              int
		body              string
	}{
		{"GET", "/healthz", "", 200, "ok"},
		{"GET", "/readyz", "", 200, "ready"},
		{"GET", "/v1/tenants", "", 401, "bearer token"},
		{"GET", "/v1/tenants", "wrong-token-0123456789", 401, "bearer token"},
		{"GET", "/metrics", "", 401, ""},
		{"GET", "/v1/tenants", token, 200, `"id":"acme"`},
		// Keyset pages: acme, beta | gamma.
		{"GET", "/v1/tenants?limit=2", token, 200, `"next":"beta"`},
		{"GET", "/v1/tenants?limit=2&after=beta", token, 200, `{"tenants":[{"id":"gamma"`},
		{"GET", "/v1/tenants?limit=0", token, 400, "limit: must be a number from 1 to 5000"},
		{"GET", "/v1/runs?limit=x", token, 400, "limit:"},
		{"GET", "/v1/tenants/acme", token, 200, `"runs":[{`},
		{"GET", "/v1/tenants/nope", token, 404, "not found"},
		{"GET", "/v1/runs?tenant=acme", token, 200, `"state":"PENDING"`},
		{"GET", "/v1/runs/999", token, 404, "not found"},
		{"GET", "/v1/runs/abc", token, 400, "number"},
		{"GET", "/v1/runs/" + itoa(res.RunID), token, 200, `"steps":[]`},
		{"POST", "/v1/runs/" + itoa(res.RunID) + "/approve", token, 409, "not awaiting approval"},
		{"POST", "/v1/runs/999/approve", token, 404, "not found"},
		{"POST", "/v1/tenants/nope/drift", token, 404, "not found"},
		{"POST", "/v1/tenants/acme/drift", token, 202, `"run_id"`},
		{"GET", "/metrics", token, 200, `tenantops_trigger_runs{state="PENDING"} 4`},
	}
	for _, c := range cases {
		code, body := do(c.method, c.path, c.tok)
		if code != c.code || !strings.Contains(body, c.body) {
			t.Errorf("%s %s: %d %s, want %d with %q", c.method, c.path, code, body, c.code, c.body)
		}
	}
	var jobs int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'tenantops_run'`).Scan(&jobs); err != nil || jobs != 1 {
		t.Fatalf("the drift request must enqueue exactly one job in its transaction: %d %v", jobs, err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
