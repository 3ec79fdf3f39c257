package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/tenantops/tenantops/internal/tfmirror"
)

// MirrorVersion is the version the test mirror gives the built provider.
const MirrorVersion = "0.1.0"

var (
	mirrorOnce sync.Once
	mirrorDir  string
	mirrorRC   string
	mirrorErr  error
)

// ProviderMirror builds terraform-provider-tenantops from this repository
// (once per test package) into a temporary filesystem mirror
// <dir>/registry.terraform.io/tenantops/tenantops/<version>/<os_arch>/ and
// writes a Terraform CLI configuration whose only installation method for
// tenantops is that mirror. It returns the mirror directory and the CLI
// config path; RemoveProviderMirror deletes both.
func ProviderMirror(t testing.TB) (dir, cliConfig string) {
	t.Helper()
	mirrorOnce.Do(func() {
		mirrorDir, mirrorRC, mirrorErr = BuildProviderMirror("")
	})
	if mirrorErr != nil {
		t.Fatalf("provider mirror: %v", mirrorErr)
	}
	return mirrorDir, mirrorRC
}

// BuildProviderMirror does the work of ProviderMirror into parent (a new
// temp dir when empty), for callers outside tests such as the dev mode.
func BuildProviderMirror(parent string) (dir, cliConfig string, err error) {
	root, err := os.MkdirTemp(parent, "tenantops-mirror-")
	if err != nil {
		return "", "", err
	}
	dir = filepath.Join(root, "mirror")
	plat := filepath.Join(dir, "registry.terraform.io", "tenantops", "tenantops", MirrorVersion, runtime.GOOS+"_"+runtime.GOARCH)
	if err := os.MkdirAll(plat, 0o755); err != nil {
		return "", "", err
	}
	bin := filepath.Join(plat, "terraform-provider-tenantops_v"+MirrorVersion)
	cmd := exec.Command("go", "build", "-o", bin, "-ldflags", "-X main.version="+MirrorVersion, ".")
	cmd.Dir = RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(root)
		return "", "", fmt.Errorf("go build provider: %v: %s", err, out)
	}
	cliConfig = filepath.Join(root, "terraformrc")
	if err := tfmirror.WriteCLIConfig(cliConfig, dir); err != nil {
		os.RemoveAll(root)
		return "", "", err
	}
	return dir, cliConfig, nil
}

// RemoveProviderMirror deletes the package's mirror, if one was built.
func RemoveProviderMirror() {
	if mirrorDir != "" {
		os.RemoveAll(filepath.Dir(mirrorDir))
	}
}
