package workspace_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/spec"
	. "github.com/tenantops/tenantops/trigger/workspace"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.RemoveProviderMirror()
	os.Exit(code)
}

// hostile holds strings that would be code if spliced into HCL.
var hostile = []string{
	`Acme "Corp" ${file("/etc/passwd")}`,
	"%{ for x in [1] }loop%{ endfor }",
	"line one\nline two\n# not a comment\n// nor this /* or this */",
	`\" } resource "evil" "x" { `,
	"EOT\n<<EOT\n$${escaped}",
}

func hostileTenant() spec.Tenant {
	return spec.Tenant{
		ID: "acme", DisplayName: strings.Join(hostile, " | "), Tier: "standard",
		Quotas: spec.Quotas{CPUMHz: 2000, MemoryMB: 4096, StorageMB: 10240, VMQuota: 10},
		SSO:    spec.SSO{MFA: "otp"},
		Admins: []spec.Admin{
			{Username: "alice", Email: "alice@acme.example", GivenName: hostile[0], FamilyName: hostile[2]},
			{Username: "bob", Email: "bob@acme.example", GivenName: hostile[1], FamilyName: hostile[4]},
		},
	}
}

func templatesDir() string { return filepath.Join(testenv.RepoRoot(), "templates", "tenants") }

func terraformBin(t *testing.T) string {
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p
	}
	return filepath.Join(testenv.RepoRoot(), "bin", "terraform")
}

func TestRenderKeepsSpecDataAsData(t *testing.T) {
	mirror, cliConfig := testenv.ProviderMirror(t)
	dir := t.TempDir()
	tn := hostileTenant()
	res, err := Render(Options{TemplatesDir: templatesDir(), Dir: dir, Tenant: tn, MirrorDir: mirror,
		Platform: map[string]any{"portal_url": "https://portal.test", "not_declared": 1}})
	if err != nil {
		t.Fatal(err)
	}
	// The spec's strings appear in the JSON variable file, round-trip
	// exactly, and appear in no HCL file.
	var vars map[string]any
	b, err := os.ReadFile(filepath.Join(dir, TenantVarsFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &vars); err != nil {
		t.Fatal(err)
	}
	if vars["display_name"] != tn.DisplayName {
		t.Fatalf("display_name did not round-trip: %q", vars["display_name"])
	}
	tfs, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
	for _, f := range tfs {
		src, _ := os.ReadFile(f)
		for _, h := range hostile {
			if strings.Contains(string(src), h) {
				t.Fatalf("%s contains spec data", f)
			}
		}
	}
	var platform map[string]any
	pb, _ := os.ReadFile(filepath.Join(dir, PlatformVarsFile))
	_ = json.Unmarshal(pb, &platform)
	if !reflect.DeepEqual(platform, map[string]any{"portal_url": "https://portal.test"}) {
		t.Fatalf("platform vars %v: only declared variables belong there", platform)
	}

	// terraform validate passes on the rendered workspace, and a plan
	// (local state, no refresh) carries the strings verbatim.
	ctx := context.Background()
	os.WriteFile(filepath.Join(dir, "backend_override.tf"), []byte("terraform {\n  backend \"local\" {}\n}\n"), 0o600)
	tf, err := tfexec.NewTerraform(dir, terraformBin(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := tf.SetEnv(map[string]string{"TF_CLI_CONFIG_FILE": cliConfig, "HOME": t.TempDir(), "PATH": os.Getenv("PATH")}); err != nil {
		t.Fatal(err)
	}
	if err := tf.Init(ctx); err != nil {
		t.Fatalf("init: %v", err)
	}
	lock, _ := os.ReadFile(filepath.Join(dir, ".terraform.lock.hcl"))
	want, _ := LockFile(mirror)
	if string(lock) != want {
		t.Fatalf("terraform init rewrote the rendered lock file:\n%s\nwant\n%s", lock, want)
	}
	v, err := tf.Validate(ctx)
	if err != nil || !v.Valid {
		t.Fatalf("validate: %v %+v", err, v)
	}
	if _, err := tf.Plan(ctx, tfexec.Out("p.tfplan"), tfexec.Refresh(false)); err != nil {
		t.Fatalf("plan: %v", err)
	}
	plan, err := tf.ShowPlanFile(ctx, "p.tfplan")
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]any{}
	for _, rc := range plan.ResourceChanges {
		after, _ := rc.Change.After.(map[string]any)
		switch rc.Address {
		case "module.sso.tenantops_sso_realm.this":
			found["display_name"] = after["display_name"]
		case `module.scim.tenantops_scim_user.admin["alice"]`:
			found["alice_given"] = after["given_name"]
			found["alice_family"] = after["family_name"]
		case `module.scim.tenantops_scim_user.admin["bob"]`:
			found["bob_given"] = after["given_name"]
			found["bob_family"] = after["family_name"]
		}
	}
	wantVals := map[string]any{"display_name": tn.DisplayName, "alice_given": hostile[0], "alice_family": hostile[2],
		"bob_given": hostile[1], "bob_family": hostile[4]}
	if !reflect.DeepEqual(found, wantVals) {
		t.Fatalf("planned values differ from the spec:\n got %#v\nwant %#v", found, wantVals)
	}
	if res.Hash == "" || !NeedsInit(dir, res) {
		t.Fatal("a fresh render needs init")
	}
}

func TestRenderHashAndTiers(t *testing.T) {
	tiers, err := Tiers(templatesDir())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(tiers, "standard") || !slices.Contains(tiers, "premium-dr") {
		t.Fatalf("tiers %v", tiers)
	}
	dir := t.TempDir()
	tn := hostileTenant()
	r1, err := Render(Options{TemplatesDir: templatesDir(), Dir: dir, Tenant: tn})
	if err != nil {
		t.Fatal(err)
	}
	if err := MarkInitialized(dir, r1.Hash); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, ".terraform"), 0o700)
	os.WriteFile(filepath.Join(dir, ".terraform", "terraform.tfstate"), []byte("{}"), 0o600)
	tn.DisplayName = "changed data only"
	r2, _ := Render(Options{TemplatesDir: templatesDir(), Dir: dir, Tenant: tn})
	if r2.Hash != r1.Hash || NeedsInit(dir, r2) {
		t.Fatal("a data-only change must not need init")
	}
	tn.Tier = "premium-dr"
	r3, _ := Render(Options{TemplatesDir: templatesDir(), Dir: dir, Tenant: tn})
	if r3.Hash == r1.Hash || !NeedsInit(dir, r3) {
		t.Fatal("a tier change must need init")
	}
	for _, bad := range []string{"", "../standard", ".hidden", "a/b"} {
		tn.Tier = bad
		if _, err := Render(Options{TemplatesDir: templatesDir(), Dir: dir, Tenant: tn}); err == nil {
			t.Errorf("tier %q accepted", bad)
		}
	}
}

// Operator secrets go to their own 0600 file, only for variables the tier
// declares, and the file goes away when no secret is given.
func TestRenderWritesDeclaredSecretsApart(t *testing.T) {
	dir := t.TempDir()
	tn := hostileTenant()
	tn.Tier = "standard"
	secrets := map[string]string{"directory_federation_bind_password": "s3cret-bind", "undeclared_secret": "nope"}
	if _, err := Render(Options{TemplatesDir: templatesDir(), Dir: dir, Tenant: tn, Secrets: secrets}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, SecretVarsFile)
	b, err := os.ReadFile(p)
	if err != nil || !strings.Contains(string(b), `"directory_federation_bind_password": "s3cret-bind"`) || strings.Contains(string(b), "nope") {
		t.Fatalf("secrets file %q %v", b, err)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
		t.Fatalf("secrets file mode %v", st.Mode().Perm())
	}
	for _, f := range []string{TenantVarsFile, PlatformVarsFile} {
		if b, _ := os.ReadFile(filepath.Join(dir, f)); strings.Contains(string(b), "s3cret-bind") {
			t.Fatalf("the secret leaked into %s", f)
		}
	}
	if _, err := Render(Options{TemplatesDir: templatesDir(), Dir: dir, Tenant: tn}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatalf("secrets file kept without secrets: %v", err)
	}
}
