// Package deploy holds what operators install from: the systemd unit
// (systemd/) and the trigger's image definition (container/). Its tests
// install the release snapshot the way users do.
package deploy

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/dirhash"

	simvcd "github.com/tenantops/tenantops/internal/sim/vcd"
	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/internal/tfengine"
)

// engines are the binaries users install the provider with.
var engines = []struct{ name, bin string }{
	{"terraform", "terraform"},
	{"tofu", "tofu"},
}

// engineBin returns bin/<name>, failing the test with the make target that
// builds it when it is missing.
func engineBin(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(testenv.RepoRoot(), "bin", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s not found (run `make tools tofu`): %v", p, err)
	}
	return p
}

// TestInstallFromNetworkMirror installs the release snapshot of this
// machine's platform as users do: from a provider network mirror over
// HTTPS, named in a CLI configuration's network_mirror block, with the
// mirror's certificate trusted through SSL_CERT_FILE, on Terraform 1.5.7
// and OpenTofu 1.12.6. Each engine checks the archive against the
// mirror's zh: hash, writes the lock file, and runs the installed
// provider, which names its release version to Cloud Director.
//
// What the lock file records differs: Terraform keeps only the h1: hash
// it computes over the unpacked package (a mirror's hashes are not
// signed, so it does not record them); OpenTofu keeps the h1: hash and
// the mirror's zh: hash.
func TestInstallFromNetworkMirror(t *testing.T) {
	rel := testenv.LoadRelease(t)
	plat := runtime.GOOS + "_" + runtime.GOARCH
	zip, ok := rel.Archives[plat]
	if !ok {
		t.Fatalf("the release snapshot has no provider archive for %s: %v", plat, rel.Archives)
	}
	h1, err := dirhash.HashZip(zip, dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			bin := engineBin(t, e.bin)
			eng, err := tfengine.Detect(context.Background(), bin)
			if err != nil {
				t.Fatal(err)
			}
			mirror := testenv.ServeNetworkMirror(t, rel)
			zh := mirror.Hashes[plat]
			vcd, err := simvcd.Start(simvcd.Options{Record: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(vcd.Close)

			dir := userDir(t, rel.Version, mirror)
			writeFile(t, filepath.Join(dir, "main.tf"), fmt.Sprintf(`
provider "tenantops" {
  vcd {
    url      = %q
    user     = "admin"
    password = "admin-password"
    ca_pem   = <<EOT
%sEOT
  }
}

data "tenantops_provider_vdc" "p" {
  name = "pvdc-1"
}
`, vcd.URL, vcd.CAPEM))
			out := run(t, dir, mirror, bin, "init", "-input=false", "-no-color")
			if !strings.Contains(out, "tenantops/tenantops v"+rel.Version) {
				t.Errorf("init did not report installing %s:\n%s", rel.Version, out)
			}
			lock := lockHashes(t, filepath.Join(dir, ".terraform.lock.hcl"))
			t.Logf("%s %s recorded in .terraform.lock.hcl: version %s, hashes %v", eng.Name, eng.Version, lock.version, lock.hashes)
			want := []string{h1}
			if eng.IsOpenTofu() {
				want = []string{h1, zh}
			}
			slices.Sort(want)
			if lock.version != rel.Version || !slices.Equal(lock.hashes, want) {
				t.Errorf("lock file: version %s, hashes %v; want %s, %v", lock.version, lock.hashes, rel.Version, want)
			}

			// The installed provider runs and names its release version.
			run(t, dir, mirror, bin, "plan", "-input=false", "-no-color", "-lock=false")
			ua := "terraform-provider-tenantops/" + rel.Version
			if got := vcd.Recorder.UserAgents(); got[ua] == 0 {
				t.Errorf("Cloud Director saw User-Agents %v, want %s", got, ua)
			}
			if reqs := mirror.Requests(); !slices.ContainsFunc(reqs, func(r string) bool { return strings.HasSuffix(r, ".zip") }) {
				t.Errorf("the mirror served no archive: %v", reqs)
			}
		})
	}
}

// TestInstallRefusesAnArchiveThatDoesNotMatch: a mirror announcing a hash
// the archive does not have makes both engines refuse to install it.
func TestInstallRefusesAnArchiveThatDoesNotMatch(t *testing.T) {
	rel := testenv.LoadRelease(t)
	plat := runtime.GOOS + "_" + runtime.GOARCH
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			bin := engineBin(t, e.bin)
			mirror := testenv.ServeNetworkMirror(t, rel)
			mirror.SetHash(plat, "zh:"+strings.Repeat("0", 64))
			dir := userDir(t, rel.Version, mirror)
			out, err := command(dir, mirror, bin, "init", "-input=false", "-no-color").CombinedOutput()
			if err == nil {
				t.Fatalf("init installed an archive whose hash the mirror does not announce:\n%s", out)
			}
			// Terraform wraps its messages: compare with the lines joined.
			if !strings.Contains(strings.Join(strings.Fields(string(out)), " "), "doesn't match the expected checksum") {
				t.Errorf("init failed without naming the checksum:\n%s", out)
			}
			if _, err := os.Stat(filepath.Join(dir, ".terraform.lock.hcl")); err == nil {
				t.Errorf("a lock file was written")
			}
		})
	}
}

// userDir is a working directory requiring the release's provider as a
// user's configuration does, with a CLI configuration whose only
// installation method is the network mirror.
func userDir(t *testing.T, version string, m *testenv.NetworkMirror) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "versions.tf"), fmt.Sprintf(`terraform {
  required_providers {
    tenantops = {
      source  = "tenantops/tenantops"
      version = %q
    }
  }
}
`, version))
	writeFile(t, filepath.Join(dir, "terraformrc"), fmt.Sprintf(`disable_checkpoint = true

provider_installation {
  network_mirror {
    url     = %q
    include = ["registry.terraform.io/tenantops/tenantops", "registry.opentofu.org/tenantops/tenantops"]
  }
}
`, m.URL))
	return dir
}

// command runs an engine in dir with the environment a user's shell
// would give it: the CLI configuration, the mirror's certificate trusted,
// nothing of the test process's own Terraform settings.
func command(dir string, m *testenv.NetworkMirror, bin string, args ...string) *exec.Cmd {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Cancel = func() error { cancel(); return cmd.Process.Kill() }
	cmd.Dir = dir
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir,
		"TMPDIR=" + dir,
		"TF_CLI_CONFIG_FILE=" + filepath.Join(dir, "terraformrc"),
		"SSL_CERT_FILE=" + m.CAFile,
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
	}
	return cmd
}

func run(t *testing.T, dir string, m *testenv.NetworkMirror, bin string, args ...string) string {
	t.Helper()
	out, err := command(dir, m, bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
	}
	return string(out)
}

type lockEntry struct {
	version string
	hashes  []string
}

var (
	lockVersion = regexp.MustCompile(`(?m)^\s*version\s*=\s*"([^"]+)"`)
	lockHash    = regexp.MustCompile(`"((?:h1|zh):[^"]+)"`)
)

// lockHashes reads the tenantops entry of a lock file: its version and
// its hashes, sorted.
func lockHashes(t *testing.T, path string) lockEntry {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	if strings.Count(text, "provider \"") != 1 || !strings.Contains(text, "/tenantops/tenantops\"") {
		t.Fatalf("lock file is not one tenantops entry:\n%s", text)
	}
	var e lockEntry
	if m := lockVersion.FindStringSubmatch(text); m != nil {
		e.version = m[1]
	}
	for _, m := range lockHash.FindAllStringSubmatch(text, -1) {
		e.hashes = append(e.hashes, m[1])
	}
	slices.Sort(e.hashes)
	return e
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
