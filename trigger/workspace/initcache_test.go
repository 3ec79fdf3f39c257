package workspace

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A seed carries the backend configuration and the provider links of an
// initialized directory, never its workspace selection, and seeding keeps
// the selection the target directory already had.
func TestInitCacheSeedsWithoutTheWorkspace(t *testing.T) {
	root := t.TempDir()
	cache := filepath.Join(root, "cache")
	src := filepath.Join(root, "a")
	provider := filepath.Join(src, ".terraform", "providers", "registry.terraform.io", "tenantops", "tenantops", "0.1.0")
	if err := os.MkdirAll(provider, 0o700); err != nil {
		t.Fatal(err)
	}
	mirror := filepath.Join(root, "mirror", "linux_amd64")
	must(t, os.Symlink(mirror, filepath.Join(provider, "linux_amd64")))
	must(t, os.WriteFile(filepath.Join(src, ".terraform", "terraform.tfstate"), []byte(`{"backend":{"type":"pg"}}`), 0o600))
	must(t, os.WriteFile(filepath.Join(src, ".terraform", "environment"), []byte("a"), 0o600))

	if ok, err := SeedInit(cache, filepath.Join(root, "b"), "h1"); ok || err != nil {
		t.Fatalf("seeded from an empty cache: %v %v", ok, err)
	}
	must(t, SaveInit(cache, src, "h1"))
	must(t, SaveInit(cache, src, "h1")) // a second save keeps the first seed

	b := filepath.Join(root, "b")
	must(t, os.MkdirAll(filepath.Join(b, ".terraform"), 0o700))
	must(t, os.WriteFile(filepath.Join(b, ".terraform", "environment"), []byte("b"), 0o600))
	if ok, err := SeedInit(cache, b, "h1"); !ok || err != nil {
		t.Fatalf("SeedInit: %v %v", ok, err)
	}
	if got, err := os.Readlink(filepath.Join(b, ".terraform", "providers", "registry.terraform.io", "tenantops", "tenantops", "0.1.0", "linux_amd64")); err != nil || got != mirror {
		t.Fatalf("provider link %q %v", got, err)
	}
	if ws := SelectedWorkspace(b); ws != "b" {
		t.Fatalf("seeding changed the selected workspace to %q", ws)
	}
	if !fileHas(t, filepath.Join(b, ".terraform", "terraform.tfstate"), `"pg"`) || NeedsInit(b, Result{Hash: "h1", PreviousHash: "h1"}) {
		t.Fatal("seeded directory not initialized")
	}
	c := filepath.Join(root, "c")
	must(t, os.MkdirAll(c, 0o700))
	if ok, _ := SeedInit(cache, c, "h1"); !ok || SelectedWorkspace(c) != "default" {
		t.Fatalf("a fresh directory must be seeded on the default workspace, got %q", SelectedWorkspace(c))
	}
	if ok, _ := SeedInit(cache, c, "h2"); ok {
		t.Fatal("seeded for a hash never saved")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func fileHas(t *testing.T, p, sub string) bool {
	t.Helper()
	b, err := os.ReadFile(p)
	return err == nil && strings.Contains(string(b), sub)
}
