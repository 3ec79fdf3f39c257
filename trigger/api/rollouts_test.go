package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/metrics"
	"github.com/tenantops/tenantops/trigger/rollout"
	"github.com/tenantops/tenantops/trigger/store"
)

// The rollout endpoints: the token, 201 with the tier's tenants in waves
// and the driving job queued, 400 naming the field, 404, and 409 for a
// second active rollout of a tier or an action its state refuses; a
// resume queues a new driving job.
func TestRolloutEndpoints(t *testing.T) {
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
	log := slog.New(slog.DiscardHandler)
	svc := &rollout.Service{Pool: pool, River: rc, TemplatesDir: filepath.Join(testenv.RepoRoot(), "templates", "tenants"), Log: log}
	a := &API{Pool: pool, River: rc, Token: token, Metrics: metrics.New(pool), Log: log, Rollouts: svc}
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	for _, id := range []string{"acme", "beta", "gamma"} {
		tx, _ := pool.Begin(ctx)
		if _, err := store.RecordEvent(ctx, tx, store.Event{EventID: "e-" + id, EventType: "customer.created", Tenant: id,
			Tier: "standard", BodySHA256: "x", Spec: []byte(`{}`)}, false); err != nil {
			t.Fatal(err)
		}
		_ = tx.Commit(ctx)
	}
	do := func(method, path, tok, body string) (int, string) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
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
	for _, c := range []struct{ method, path string }{{"POST", "/v1/rollouts"}, {"GET", "/v1/rollouts"}, {"GET", "/v1/rollouts/1"},
		{"POST", "/v1/rollouts/1/pause"}, {"POST", "/v1/rollouts/1/resume"}, {"POST", "/v1/rollouts/1/abort"}} {
		if code, _ := do(c.method, c.path, "", `{"tier": "standard"}`); code != http.StatusUnauthorized {
			t.Errorf("%s %s without the token: %d", c.method, c.path, code)
		}
	}

	code, body := do("POST", "/v1/rollouts", token, `{"tier": "standard", "canary": 1, "waves": {"sizes": [1]}}`)
	var v rollout.View
	if code != http.StatusCreated || json.Unmarshal([]byte(body), &v) != nil {
		t.Fatalf("POST /v1/rollouts: %d %s", code, body)
	}
	if v.State != store.RolloutRunning || v.Waves != 3 || len(v.Tenants) != 3 || v.Tenants[2].Tenant != "gamma" || v.Tenants[2].Wave != 2 ||
		v.Template == nil || v.Template.Tier != "standard" || len(v.WaveList) != 3 {
		t.Fatalf("rollout %s", body)
	}
	driver := func() (int64, int) {
		var job int64
		var jobs int
		_ = pool.QueryRow(ctx, `SELECT driver_job FROM rollouts WHERE id = $1`, v.ID).Scan(&job)
		_ = pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'tenantops_rollout' AND id = $1`, job).Scan(&jobs)
		return job, jobs
	}
	first, n := driver()
	if n != 1 {
		t.Fatalf("the rollout's driving job %d is not queued", first)
	}
	id := itoa(v.ID)
	for _, c := range []struct {
		method, path, body string
		code               int
		want               string
	}{
		{"POST", "/v1/rollouts", `{"tier": "standard"}`, 409, "running or paused"},
		{"POST", "/v1/rollouts", `{"tier": "premium-dr", "template_revision": "` + v.TemplateRevision + `"}`, 400, `"field":"template_revision"`},
		{"POST", "/v1/rollouts", `{"tier": "standard", "wavez": 2}`, 400, `"field":"wavez"`},
		{"POST", "/v1/rollouts", `{"tier": "nope"}`, 400, `"field":"tier"`},
		{"GET", "/v1/rollouts", "", 200, `"state":"RUNNING"`},
		{"GET", "/v1/rollouts?tier=premium-dr", "", 200, `{"rollouts":[]}`},
		{"GET", "/v1/rollouts/abc", "", 400, "number"},
		{"GET", "/v1/rollouts/999", "", 404, "not found"},
		{"GET", "/v1/rollouts/" + id, "", 200, `"tenants":[{"tenant":"acme","wave":0,"status":"PENDING"}`},
		{"POST", "/v1/rollouts/999/pause", "", 404, "not found"},
		{"POST", "/v1/rollouts/" + id + "/resume", "", 409, "is RUNNING"},
		{"POST", "/v1/rollouts/" + id + "/pause", "", 200, `"state":"PAUSED"`},
		{"POST", "/v1/rollouts/" + id + "/pause", "", 409, "is PAUSED"},
		{"POST", "/v1/rollouts/" + id + "/resume", "", 200, `"state":"RUNNING"`},
	} {
		if code, body := do(c.method, c.path, token, c.body); code != c.code || !strings.Contains(body, c.want) {
			t.Errorf("%s %s %s: %d %s, want %d with %q", c.method, c.path, c.body, code, body, c.code, c.want)
		}
	}
	if second, n := driver(); second == first || n != 1 {
		t.Fatalf("after the resume the driving job is %d (was %d, queued %d)", second, first, n)
	}
	if code, body := do("POST", "/v1/rollouts/"+id+"/abort", token, ""); code != 200 || !strings.Contains(body, `"state":"ABORTED"`) {
		t.Fatalf("abort: %d %s", code, body)
	}
	if code, body := do("POST", "/v1/rollouts/"+id+"/abort", token, ""); code != 409 || !strings.Contains(body, "is ABORTED") {
		t.Fatalf("abort again: %d %s", code, body)
	}
	// With the first one over, the tier takes a new rollout of the same revision.
	if code, body := do("POST", "/v1/rollouts", token, `{"tier": "standard", "template_revision": "`+v.TemplateRevision+`"}`); code != 201 {
		t.Fatalf("a new rollout after the abort: %d %s", code, body)
	}
}
