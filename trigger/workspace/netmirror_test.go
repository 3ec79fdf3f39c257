package workspace_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"
	"golang.org/x/mod/sumdb/dirhash"

	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/internal/tlsutil"
	. "github.com/tenantops/tenantops/trigger/workspace"
)

// trustMirror makes MirrorClient trust m's certificate for the test, as
// SSL_CERT_FILE does for the trigger.
func trustMirror(t *testing.T, m *testenv.NetworkMirror) {
	t.Helper()
	c, err := tlsutil.Options{CAFile: m.CAFile}.HTTPClient(time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	old := MirrorClient
	MirrorClient = c
	t.Cleanup(func() { MirrorClient = old })
}

// TestRenderFromNetworkMirror: with --provider-mirror naming an HTTPS
// provider network mirror (serving the release snapshot), a workspace
// pins the mirror's newest provider by the h1: hash of its package and the
// mirror's zh: hashes, its CLI configuration names the mirror in a
// network_mirror block, and `terraform init` installs the provider from
// it, keeping the lock file as rendered.
func TestRenderFromNetworkMirror(t *testing.T) {
	rel := testenv.LoadRelease(t)
	m := testenv.ServeNetworkMirror(t, rel)
	trustMirror(t, m)
	plat := runtime.GOOS + "_" + runtime.GOARCH

	if v, err := NewestProvider(m.URL); err != nil || v != rel.Version {
		t.Fatalf("NewestProvider = %q, %v; want %s", v, err, rel.Version)
	}
	if err := HasProvider(m.URL, "9.9.9"); err == nil {
		t.Error("HasProvider found a version the mirror does not offer")
	}
	tpl, err := LoadTemplate(templatesDir(), "standard", m.URL)
	if err != nil || tpl.ProviderVersion != rel.Version {
		t.Fatalf("LoadTemplate pinned %q, %v; want %s", tpl.ProviderVersion, err, rel.Version)
	}

	dir := t.TempDir()
	if _, err := Render(Options{TemplatesDir: templatesDir(), Dir: dir, Tenant: hostileTenant(), MirrorDir: m.URL, Template: &tpl}); err != nil {
		t.Fatal(err)
	}
	rendered, err := os.ReadFile(filepath.Join(dir, ".terraform.lock.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	h1, err := dirhash.HashZip(rel.Archives[plat], dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`version = "` + rel.Version + `"`, `"` + h1 + `"`, `"` + m.Hashes[plat] + `"`} {
		if !strings.Contains(string(rendered), want) {
			t.Errorf("the lock file lacks %s:\n%s", want, rendered)
		}
	}

	cli := filepath.Join(t.TempDir(), "terraformrc")
	if err := WriteCLIConfig(cli, m.URL); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(cli); !strings.Contains(string(b), "network_mirror {") || !strings.Contains(string(b), m.URL) {
		t.Fatalf("CLI configuration:\n%s", b)
	}
	ctx := context.Background()
	if err := os.WriteFile(filepath.Join(dir, "backend_override.tf"), []byte("terraform {\n  backend \"local\" {}\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tf, err := tfexec.NewTerraform(dir, terraformBin(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := tf.SetEnv(map[string]string{"TF_CLI_CONFIG_FILE": cli, "SSL_CERT_FILE": m.CAFile,
		"HOME": t.TempDir(), "PATH": os.Getenv("PATH")}); err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	tf.SetStderr(&stderr)
	if err := tf.Init(ctx); err != nil {
		t.Fatalf("init: %v\n%s", err, stderr.String())
	}
	if lock, _ := os.ReadFile(filepath.Join(dir, ".terraform.lock.hcl")); string(lock) != string(rendered) {
		t.Errorf("terraform init rewrote the rendered lock file:\n%s\nwant\n%s", lock, rendered)
	}
	if v, err := tf.Validate(ctx); err != nil || !v.Valid {
		t.Fatalf("validate: %v %+v", err, v)
	}
	zips := 0
	for _, r := range m.Requests() {
		if strings.HasSuffix(r, ".zip") {
			zips++
		}
	}
	// One for the lock file's h1: hash, one for Terraform's install.
	if zips != 2 {
		t.Errorf("the mirror served the package %d times: %v", zips, m.Requests())
	}
}

// TestRenderRefusesAPackageTheMirrorDoesNotVouchFor: a network mirror
// whose package does not match the hash it announces gives no lock file.
func TestRenderRefusesAPackageTheMirrorDoesNotVouchFor(t *testing.T) {
	rel := testenv.LoadRelease(t)
	m := testenv.ServeNetworkMirror(t, rel)
	trustMirror(t, m)
	m.SetHash(runtime.GOOS+"_"+runtime.GOARCH, "zh:"+strings.Repeat("0", 64))
	_, err := LockFile(m.URL)
	if err == nil || !strings.Contains(err.Error(), "does not match the mirror's hashes") {
		t.Fatalf("LockFile = %v, want a refusal", err)
	}
	if !slices.ContainsFunc(m.Requests(), func(r string) bool { return strings.HasSuffix(r, ".zip") }) {
		t.Errorf("the package was not fetched: %v", m.Requests())
	}
}
