package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/fleet"
	"github.com/tenantops/tenantops/trigger/runner"
	"github.com/tenantops/tenantops/trigger/server"
	"github.com/tenantops/tenantops/trigger/store"
	"github.com/tenantops/tenantops/trigger/triggertest"
	"github.com/tenantops/tenantops/trigger/workspace"
)

// fleetTenants onboards 12 standard tenants (s01..s12) and 8 premium-dr
// tenants (d01..d08); s01..s04, d01 and d02 broker an OIDC IdP, and every
// third tenant has a second admin.
func fleetTenants(t *testing.T, tr *trigger) (standard, dr []string) {
	t.Helper()
	var ids []int64
	for i := 1; i <= 20; i++ {
		id, tier := fmt.Sprintf("s%02d", i), "standard"
		if i > 12 {
			id, tier = fmt.Sprintf("d%02d", i-12), "premium-dr"
		}
		withIdP := i <= 4 || i == 13 || i == 14
		body := event("evt-fleet-"+id, "customer.created", id, func(tn map[string]any) {
			tn["tier"] = tier
			if tier == "premium-dr" {
				tn["dr"] = map[string]any{"rpo_seconds": 300, "journal_hours": 24, "priority": "Medium"}
				dr = append(dr, id)
			} else {
				standard = append(standard, id)
			}
			if withIdP {
				tn["sso"] = map[string]any{"mfa": "otp", "idp": map[string]any{"type": "oidc",
					"issuer": "https://idp." + id + ".example", "authorization_url": "https://idp." + id + ".example/auth",
					"token_url": "https://idp." + id + ".example/token", "client_id": "tenantops", "client_secret": "idp-secret-" + id}}
			}
			if i%3 == 0 {
				tn["admins"] = append(tn["admins"].([]any), map[string]any{"username": "bob", "email": "bob@" + id + ".example",
					"given_name": "Bob", "family_name": "Second"})
			}
		})
		ids = append(ids, postWebhook(t, tr.url, body).RunID)
	}
	for _, id := range ids {
		if r := waitRun(t, tr.url, id, 5*time.Minute); r.State != store.StateCompleted {
			t.Fatalf("onboarding run %d of %s: %s %s", id, r.Tenant, r.State, r.Error)
		}
	}
	return standard, dr
}

// changeTemplates makes three kinds of change in a copy of the templates:
// an in-place attribute change in the sso module (only tenants with an
// IdP have the resource), a resource added to the premium-dr tier alone,
// and a change to the dr module that forces the VPG's replacement.
func changeTemplates(t *testing.T) string {
	tree := triggertest.CopyTemplates(t)
	edit := func(rel, old, new string) {
		t.Helper()
		p := filepath.Join(tree, "..", filepath.FromSlash(rel))
		b, err := os.ReadFile(p)
		if err != nil || !strings.Contains(string(b), old) {
			t.Fatalf("%s: %v, or it lacks %q", rel, err, old)
		}
		if err := os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	edit("modules/sso/main.tf", "  display_name      = var.display_name\n", "  display_name      = \"${var.display_name} (SSO)\"\n")
	edit("tenants/premium-dr/main.tf", "module \"dr\" {", "resource \"tenantops_scim_group\" \"dr_operators\" {\n  display_name = \"${var.tenant_id}-dr-operators\"\n}\n\nmodule \"dr\" {")
	edit("modules/dr/main.tf", "recovery_site         = var.recovery_site", "recovery_site         = \"${var.recovery_site}-b\"")
	return tree
}

// stateDigest fingerprints everything a fleet plan must leave alone: the
// Terraform states, the runs, the template revisions.
func stateDigest(t *testing.T, tr *trigger) string {
	t.Helper()
	var states, runs string
	var revisions int
	ctx := context.Background()
	if err := tr.pool.QueryRow(ctx, `SELECT coalesce(string_agg(name || ':' || md5(data), ',' ORDER BY name), '') FROM terraform_remote_state.states`).Scan(&states); err != nil {
		t.Fatal(err)
	}
	if err := tr.pool.QueryRow(ctx, `SELECT count(*)::text || ':' || coalesce(max(updated_at)::text, '') FROM runs`).Scan(&runs); err != nil {
		t.Fatal(err)
	}
	if err := tr.pool.QueryRow(ctx, `SELECT count(*) FROM template_revisions`).Scan(&revisions); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s|%s|%d", states, runs, revisions)))
	return hex.EncodeToString(sum[:])
}

// A template change planned across 20 tenants of two tiers: the report
// groups them by change set, destructive sets first, and counts exactly;
// the plan writes nothing and leaves no lock.
func TestE2EFleetPlanGroupsTwentyTenants(t *testing.T) {
	s := startSims(t)
	crm := startCRM(t)
	cfg := testConfig(t, testenv.NewDatabase(t), t.TempDir(), s, crm)
	cfg.Workers = 4
	tr := startTrigger(t, cfg)
	standard, dr := fleetTenants(t, tr)
	tree := changeTemplates(t)
	before := stateDigest(t, tr)

	for k, v := range cfg.ProviderEnv {
		t.Setenv(k, v)
	}
	out := filepath.Join(t.TempDir(), "report.json")
	args := []string{"--templates", tree, "--database-url", cfg.DatabaseURL, "--provider-mirror", cfg.ProviderMirror,
		"--encryption-keys", triggertest.EncryptionKeys,
		"--terraform-bin", cfg.TerraformBin, "--directory=false", "--parallel", "4", "--format", "json", "--out", out}
	start := time.Now()
	if err := cmdFleetPlan(context.Background(), args); err != nil {
		t.Fatal(err)
	}
	t.Logf("fleet plan of 20 tenants: %s", time.Since(start))
	var rep fleet.Report
	b, _ := os.ReadFile(out)
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, b)
	}

	idp := func(c fleet.Change) bool {
		return c.Address == "module.sso.tenantops_sso_oidc_identity_provider.customer[0]"
	}
	type want struct {
		tenants []string
		actions []string // action address, in report order
	}
	drChanges := []string{"replace module.dr.tenantops_dr_protection_group.this", "create tenantops_scim_group.dr_operators"}
	wants := []want{
		{dr[2:], drChanges},
		{dr[:2], []string{drChanges[0], "update module.sso.tenantops_sso_oidc_identity_provider.customer[0]", drChanges[1]}},
		{standard[:4], []string{"update module.sso.tenantops_sso_oidc_identity_provider.customer[0]"}},
	}
	if len(rep.Groups) != len(wants) {
		t.Fatalf("%d change sets, want %d:\n%s", len(rep.Groups), len(wants), b)
	}
	for i, w := range wants {
		g := rep.Groups[i]
		var got []string
		for _, c := range g.Changes {
			got = append(got, c.Action+" "+c.Address)
			if idp(c) && !slices.Equal(c.Changed, []string{"display_name"}) {
				t.Errorf("IdP update changes %v, want display_name only", c.Changed)
			}
			if c.Action == "replace" && !slices.Equal(c.Changed, []string{"recovery_site"}) {
				t.Errorf("VPG replace changes %v, want recovery_site only (computed attributes left out)", c.Changed)
			}
		}
		if !slices.Equal(g.Tenants, w.tenants) || !slices.Equal(got, w.actions) {
			t.Errorf("change set %d: tenants %v changes %v; want %v %v", i+1, g.Tenants, got, w.tenants, w.actions)
		}
	}
	if !slices.Equal(rep.Unchanged, standard[4:]) || len(rep.Errors) != 0 || len(rep.Skipped) != 0 || rep.Refresh {
		t.Errorf("unchanged %v errors %+v skipped %+v refresh %v; want %v and no errors", rep.Unchanged, rep.Errors, rep.Skipped, rep.Refresh, standard[4:])
	}
	if len(rep.Tiers) != 2 || rep.Tiers[0].Tier != "premium-dr" || rep.Tiers[0].Tenants != 8 || rep.Tiers[1].Tenants != 12 {
		t.Errorf("tiers %+v", rep.Tiers)
	}

	md := rep.Markdown()
	for _, w := range []string{"**20 tenants planned: 12 change (3 change sets), 8 unchanged, 0 errors.**",
		"#### :warning: Destroy or replace", "| **replace** | `module.dr.tenantops_dr_protection_group.this` | 8 |",
		"#### Change set 1: 6 tenants (premium-dr)", "#### Unchanged: 8 tenants"} {
		if !strings.Contains(md, w) {
			t.Errorf("markdown lacks %q:\n%s", w, md)
		}
	}
	if strings.Index(md, "Destroy or replace") > strings.Index(md, "Change set 1") || strings.Contains(md, "idp-secret-") {
		t.Errorf("markdown: destroys must come first and no secret may appear:\n%s", md)
	}
	if after := stateDigest(t, tr); after != before {
		t.Fatal("the fleet plan changed a state, a run or the template revisions")
	}
	if n, err := triggertest.AdvisoryLocksAfter(tr.pool, 10*time.Second); err != nil || n != 0 {
		t.Fatalf("%d advisory locks left (%v)", n, err)
	}

	// --tier limits the plan; a tier the tree lacks is refused by name.
	rep2, err := fleetPlanJSON(t, append(args[:len(args)-2], "--tier", "standard"))
	if err != nil || rep2.Planned() != 12 || len(rep2.Groups) != 1 || len(rep2.Tiers) != 1 {
		t.Errorf("--tier standard: %v, %d planned, %d groups", err, rep2.Planned(), len(rep2.Groups))
	}
	if _, err := fleetPlanJSON(t, append(args[:len(args)-2], "--tier", "gold")); err == nil || !strings.Contains(err.Error(), `"gold"`) {
		t.Errorf("--tier gold: %v, want an error naming it", err)
	}
}

func fleetPlanJSON(t *testing.T, args []string) (fleet.Report, error) {
	out := filepath.Join(t.TempDir(), "report.json")
	var rep fleet.Report
	if err := cmdFleetPlan(context.Background(), append(args, "--out", out)); err != nil {
		return rep, err
	}
	b, _ := os.ReadFile(out)
	return rep, json.Unmarshal(b, &rep)
}

// A tenant onboarded before the tiers became modules (the flat standard
// tier kept in testdata) holds its objects at root addresses: the current
// templates' moved blocks carry every one of them to its module address,
// and the fleet plan shows moves only, never a destroy or a create.
func TestE2EFleetPlanMovesFlatTenantsIntoModules(t *testing.T) {
	s := startSims(t)
	crm := startCRM(t)
	cfg := testConfig(t, testenv.NewDatabase(t), t.TempDir(), s, crm)
	cfg.TemplatesDir = filepath.Join(testenv.RepoRoot(), "trigger", "testdata", "flat-templates", "tenants")
	tr := startTrigger(t, cfg)
	body := event("evt-flat-1", "customer.created", "flat", func(tn map[string]any) {
		tn["sso"] = map[string]any{"mfa": "otp", "idp": map[string]any{"type": "oidc", "issuer": "https://idp.flat.example",
			"authorization_url": "https://idp.flat.example/auth", "token_url": "https://idp.flat.example/token",
			"client_id": "tenantops", "client_secret": "idp-secret-flat"}}
		tn["admins"] = append(tn["admins"].([]any), map[string]any{"username": "bob", "email": "bob@flat.example",
			"given_name": "Bob", "family_name": "Second"})
	})
	if r := waitRun(t, tr.url, postWebhook(t, tr.url, body).RunID, 3*time.Minute); r.State != store.StateCompleted {
		t.Fatalf("onboarding: %s %s", r.State, r.Error)
	}
	work := t.TempDir()
	cli := filepath.Join(work, "terraformrc")
	if err := workspace.WriteCLIConfig(cli, cfg.ProviderMirror); err != nil {
		t.Fatal(err)
	}
	// On OpenTofu the trigger encrypted the state: the plan reads it with
	// the same configuration, as `fleet plan` does.
	keys := triggertest.Keyring(t)
	stateEnc, err := server.StateEncryptionFor(context.Background(), server.StateEncryptionAuto, cfg.TerraformBin, keys, false)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := fleet.Plan(context.Background(), tr.pool, fleet.Options{Runner: runner.Config{
		TerraformBin: cfg.TerraformBin, WorkDir: work, TemplatesDir: filepath.Join(testenv.RepoRoot(), "templates", "tenants"),
		MirrorDir: cfg.ProviderMirror, CLIConfigFile: cli, DatabaseURL: cfg.DatabaseURL, ProviderEnv: cfg.ProviderEnv,
		Parallelism: 4, LockTimeout: time.Minute, InterruptGrace: 10 * time.Second,
		Keyring: keys, StateEncryption: stateEnc,
	}, Tiers: []string{"standard"}, Parallel: 1})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range rep.Groups {
		for _, c := range g.Changes {
			got = append(got, c.Action+" "+c.From+" -> "+c.Address)
		}
	}
	want := []string{
		"move tenantops_scim_group.admins -> module.scim.tenantops_scim_group.admins",
		"move tenantops_scim_user.admin[*] -> module.scim.tenantops_scim_user.admin[*]",
		"move tenantops_sso_client.portal -> module.sso.tenantops_sso_client.portal",
		"move tenantops_sso_oidc_identity_provider.customer[0] -> module.sso.tenantops_sso_oidc_identity_provider.customer[0]",
		"move tenantops_sso_realm.this -> module.sso.tenantops_sso_realm.this",
		"move tenantops_tenant.this -> module.cloud.tenantops_tenant.this",
		"move tenantops_tenant_sso.this -> module.sso.tenantops_tenant_sso.this",
		"move tenantops_tenant_vdc.main -> module.cloud.tenantops_tenant_vdc.main",
	}
	slices.Sort(got)
	if len(rep.Groups) != 1 || !slices.Equal(rep.Groups[0].Tenants, []string{"flat"}) || !slices.Equal(got, want) || len(rep.Errors) != 0 {
		t.Fatalf("groups %+v errors %+v\n got %q\nwant %q", rep.Groups, rep.Errors, got, want)
	}
}
