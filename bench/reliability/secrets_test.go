package reliability

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/pgcluster"
	"github.com/tenantops/tenantops/internal/sim/fault"
	"github.com/tenantops/tenantops/trigger/runner"
	"github.com/tenantops/tenantops/trigger/server"
	"github.com/tenantops/tenantops/trigger/spec"
	"github.com/tenantops/tenantops/trigger/store"
	"github.com/tenantops/tenantops/trigger/triggertest"
	"github.com/tenantops/tenantops/trigger/workspace"
)

// secretIdPRotated is the customer IdP secret of the plan-review revision.
const secretIdPRotated = "idp-rotated-secret-Lp4Wz8Qs2Xd6"

// TestSecretsNeverLeak sets a known value for every credential and key,
// drives onboardings with a transient retry, a failure and its
// compensation, a failed update restored to its last good revision and a
// refused callback, then scans everything the trigger shows or stores
// outside the spec and Terraform state (logs, API answers, run records and
// step errors, the callback outbox and what the CRM received, /metrics,
// the markdown plan) for any of those values: there must be none.
//
// Two of the injected backend errors echo a credential back, as some
// servers do, so the redaction is exercised, not just the happy path.
func TestSecretsNeverLeak(t *testing.T) {
	e := startEnv(t)
	var seen []string // every answer the trigger gave, to scan
	record := func(what string, b []byte) { seen = append(seen, what+":\n"+string(b)) }
	idp := func(secret string) func(map[string]any) {
		return func(tn map[string]any) {
			tn["sso"] = map[string]any{"mfa": "webauthn", "idp": map[string]any{"type": "oidc", "alias": "corp",
				"issuer": "https://login.corp.example", "authorization_url": "https://login.corp.example/authorize",
				"token_url": "https://login.corp.example/token", "client_id": "tenantops", "client_secret": secret}}
		}
	}
	send := func(eventID, typ, tenant string, mutate func(map[string]any)) int64 {
		r := postWebhook(e.url, tenantSpec(eventID, typ, tenant, false, mutate))
		record("webhook answer "+eventID, []byte(r.Raw))
		if r.Status != http.StatusAccepted {
			t.Fatalf("%s answered %d: %s", eventID, r.Status, r.Raw)
		}
		return r.RunID
	}
	wait := func(id int64, want store.RunState) store.Run {
		run, stuck := waitRun(e.pool, id, 3*time.Minute)
		tally.run(string(run.State), stuck)
		if stuck || run.State != want {
			t.Fatalf("want %s: %s", want, describe(run))
		}
		return run
	}
	// A refused webhook, a wrong API token: error answers count too.
	bad := postWebhook(e.url, tenantSpec("evt-sec-0", "customer.created", "BAD", false, func(tn map[string]any) {
		idp(secretIdPClient)(tn)
		tn["sso"].(map[string]any)["idp"].(map[string]any)["token_url"] = "http://plain.example/token"
	}))
	record("invalid webhook answer", []byte(bad.Raw))
	if bad.Status != http.StatusBadRequest {
		t.Fatalf("invalid webhook answered %d", bad.Status)
	}

	// 1. A clean onboarding, with a transient Cloud Director blip and one
	// refused callback on the way.
	e.sims.VCD.Faults.Add(fault.Rule{Method: http.MethodPost, Path: `^/api/admin/orgs$`, Kind: fault.Status,
		Status: http.StatusServiceUnavailable, ContentType: "text/plain", Body: "503 Service Unavailable", Times: 1})
	e.crm.Faults.Add(fault.Rule{Kind: fault.Status, Path: `.*`, Status: http.StatusBadGateway, Body: "CRM gateway down", Times: 1})
	ok := wait(send("evt-sec-1", "customer.created", "sec-ok", idp(secretIdPClient)), store.StateCompleted)
	tally.add(func(c *counts) { c.faults += e.sims.VCD.Faults.Fired() })
	e.sims.VCD.Faults.Clear()

	// 2. An onboarding that fails on a backend echoing the SCIM token, and
	// is compensated by destroy.
	e.sims.SCIM.Faults.Add(fault.Rule{Method: http.MethodPost, Path: `/Groups$`, Kind: fault.Status, Status: http.StatusForbidden,
		ContentType: "application/scim+json",
		Body:        `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"403","detail":"bearer ` + secretSCIMToken + ` may not create groups"}`})
	failed := wait(send("evt-sec-2", "customer.created", "sec-fail", idp(secretIdPClient)), store.StateRolledBack)
	if !strings.Contains(failed.Error, "may not create groups") {
		t.Errorf("the run error lost the backend's message: %q", failed.Error)
	}
	tally.add(func(c *counts) { c.faults += e.sims.SCIM.Faults.Fired() })
	e.sims.SCIM.Faults.Clear()

	// 3. An update that fails on Keycloak echoing the admin client secret,
	// restored to the last good revision.
	e.sims.Keycloak.Faults.Add(fault.Rule{Method: http.MethodPut, Path: `^/admin/realms/sec-ok$`, Kind: fault.Status, Status: http.StatusBadRequest,
		ContentType: "application/json", Body: `{"errorMessage":"client secret ` + secretKeycloakClient + ` lacks manage-realm"}`})
	upd := wait(send("evt-sec-3", "customer.updated", "sec-ok", func(tn map[string]any) {
		idp(secretIdPRotated)(tn)
		tn["display_name"] = "Secret Corp renamed"
	}), store.StateRolledBack)
	tally.add(func(c *counts) { c.faults += e.sims.Keycloak.Faults.Fired() })
	e.sims.Keycloak.Faults.Clear()
	for _, id := range []int64{ok.ID, failed.ID, upd.ID} {
		if cbs := e.crm.WaitSettled(id, time.Minute); len(cbs) != 1 {
			t.Errorf("run %d: %d callbacks, want 1", id, len(cbs))
		}
	}
	tally.add(func(c *counts) { c.faults += e.crm.Faults.Fired() })

	// 3b. A backend echoing the customer's own IdP secret,
	// which comes from the spec rather than the trigger's configuration.
	runIDs := []int64{ok.ID, failed.ID, upd.ID}
	{
		e.sims.Keycloak.Faults.Add(fault.Rule{Method: http.MethodPost, Path: `/identity-provider/instances$`, Kind: fault.Status,
			Status: http.StatusBadRequest, ContentType: "application/json",
			Body: `{"errorMessage":"clientSecret ` + secretIdPClient + ` rejected by policy"}`})
		echo := wait(send("evt-sec-5", "customer.created", "sec-echo", idp(secretIdPClient)), store.StateRolledBack)
		tally.add(func(c *counts) { c.faults += e.sims.Keycloak.Faults.Fired() })
		e.sims.Keycloak.Faults.Clear()
		e.crm.WaitSettled(echo.ID, time.Minute)
		runIDs = append(runIDs, echo.ID)
	}

	// 4. The markdown plan of a revision rotating the IdP secret, against
	// the tenant's real state.
	work := t.TempDir()
	cli := filepath.Join(work, "terraformrc")
	if err := workspace.WriteCLIConfig(cli, e.cfg.ProviderMirror); err != nil {
		t.Fatal(err)
	}
	ev, err := spec.Parse(tenantSpec("evt-sec-4", "customer.updated", "sec-ok", false, idp(secretIdPRotated)), []string{"premium-dr", "standard"})
	if err != nil {
		t.Fatal(err)
	}
	stateEnc, err := server.StateEncryptionFor(context.Background(), server.StateEncryptionAuto, e.cfg.TerraformBin,
		triggertest.Keyring(t), false)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := runner.PlanOnly(context.Background(), runner.Config{StateEncryption: stateEnc, TerraformBin: e.cfg.TerraformBin, WorkDir: work,
		TemplatesDir: e.cfg.TemplatesDir, MirrorDir: e.cfg.ProviderMirror, CLIConfigFile: cli, DatabaseURL: e.cfg.DatabaseURL,
		ProviderEnv: e.cfg.ProviderEnv, Parallelism: 4, LockTimeout: time.Minute, InterruptGrace: 10 * time.Second}, ev.Tenant)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	md := sum.Markdown("plan for sec-ok")
	if !strings.Contains(md, "tenantops_sso_oidc_identity_provider") {
		t.Errorf("the plan does not show the IdP change:\n%s", md)
	}
	record("markdown plan", []byte(md))
	record("json plan", []byte(sum.JSON()))

	// 5. Everything the API shows.
	paths := []string{"/v1/tenants", "/v1/tenants/sec-ok", "/v1/tenants/sec-fail", "/v1/runs?tenant=sec-ok",
		"/v1/runs?tenant=sec-fail", "/metrics", "/healthz", "/readyz"}
	for _, id := range runIDs {
		paths = append(paths, fmt.Sprintf("/v1/runs/%d", id))
	}
	for _, p := range paths {
		code, b, err := get(e.url, p)
		if err != nil || code != http.StatusOK {
			t.Errorf("GET %s: %d %v", p, code, err)
		}
		record("GET "+p, b)
	}
	req, _ := http.NewRequest(http.MethodGet, e.url+"/v1/tenants", nil)
	req.Header.Set("Authorization", "Bearer "+secretAPIToken+"x")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		b := make([]byte, 4096)
		n, _ := resp.Body.Read(b)
		resp.Body.Close()
		record("wrong token answer", b[:n])
	}

	// 6. The run records, step errors and callback outbox in PostgreSQL.
	for _, q := range []string{
		`SELECT coalesce(string_agg(concat_ws(' ', tenant, kind, state, outputs::text, plan_summary::text, error), E'\n'), '') FROM runs`,
		`SELECT coalesce(string_agg(concat_ws(' ', address, action, status, error), E'\n'), '') FROM run_steps`,
		`SELECT coalesce(string_agg(concat_ws(' ', payload::text, last_error), E'\n'), '') FROM callbacks`,
		`SELECT coalesce(string_agg(concat_ws(' ', event_id, event_type, tenant, body_sha256), E'\n'), '') FROM events`,
		`SELECT coalesce(string_agg(concat_ws(' ', id, tier, status), E'\n'), '') FROM tenants`,
	} {
		var s string
		if err := e.pool.QueryRow(context.Background(), q).Scan(&s); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		record("database: "+q, []byte(s))
	}
	record("callbacks received by the CRM", []byte(e.crm.Bodies()))
	// 7. A pg_dump of the whole database, as a backup would hold it: no
	// known secret in tenant_specs (sealed), nor in the states when the
	// engine encrypts them (OpenTofu); with Terraform the states hold
	// every resource's secrets, as docs/security.md says.
	specs, states := dumpSections(t, e.cfg.DatabaseURL)
	if !strings.Contains(specs, `"kid"`) {
		t.Fatalf("the dump's tenant_specs holds no sealed secret: %.400s", specs)
	}
	record("pg_dump: tenant_specs", []byte(specs))
	if tofu, err := server.IsOpenTofu(context.Background(), e.cfg.TerraformBin); err != nil {
		t.Fatal(err)
	} else if tofu {
		if !strings.Contains(states, "encrypted_data") {
			t.Fatalf("the dump's states are not encrypted: %.400s", states)
		}
		record("pg_dump: terraform_remote_state.states", []byte(states))
		tally.note("pg_dump scanned: tenant_specs %d KiB, states %d KiB (OpenTofu, encrypted)", len(specs)/1024, len(states)/1024)
	} else {
		inState := 0
		for _, secret := range allSecrets() {
			if strings.Contains(states, secret) {
				inState++
			}
		}
		tally.note("pg_dump scanned: tenant_specs %d KiB; states %d KiB not scanned (Terraform stores them in plain text: %d known secrets there)",
			len(specs)/1024, len(states)/1024, inState)
	}
	e.stop() // flush the shutdown log lines too
	record("trigger log", []byte(e.logs.String()))

	// The scan must be able to see what it looks for.
	if !strings.Contains(strings.Join(seen, "\n"), "sec-ok") || !strings.Contains(e.logs.String(), "transient") {
		t.Fatalf("the scanned material is missing the runs (log %d bytes)", len(e.logs.String()))
	}
	leaks := 0
	for name, secret := range allSecrets() {
		for _, s := range seen {
			if i := strings.Index(s, secret); i >= 0 {
				leaks++
				where, _, _ := strings.Cut(s, ":\n")
				lo := max(0, i-120)
				t.Errorf("the %s leaks into %s: …%s…", name, where, s[lo:min(len(s), i+len(secret)+40)])
			}
		}
	}
	for _, s := range seen {
		if strings.Contains(s, secretIdPRotated) {
			leaks++
			where, _, _ := strings.Cut(s, ":\n")
			t.Errorf("the rotated IdP secret leaks into %s", where)
		}
	}
	tally.add(func(c *counts) { c.secretLeaks += leaks })
	tally.note("secrets scan: %d secrets × %d sources (%d KiB) scanned", len(allSecrets())+1, len(seen), len(strings.Join(seen, ""))/1024)
}

// dumpSections runs pg_dump on the database and returns the data of
// tenant_specs and of the Terraform states, as a backup holds them.
func dumpSections(t *testing.T, dbURL string) (specs, states string) {
	t.Helper()
	bin, err := pgcluster.FindBinDir()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(filepath.Join(bin, "pg_dump"), "--data-only", "--dbname", dbURL).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	section := func(table string) string {
		_, rest, ok := strings.Cut(string(out), "COPY "+table+" ")
		if !ok {
			t.Fatalf("pg_dump has no data of %s", table)
		}
		data, _, _ := strings.Cut(rest, "\n\\.\n")
		return data
	}
	return section("public.tenant_specs"), section("terraform_remote_state.states")
}
