package deploy

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/testenv"
)

const unitPath = "deploy/systemd/tenantops-trigger.service"

// TestTriggerArchive unpacks the release's trigger archive for this
// machine: its binary prints the release version, and the templates and
// the systemd unit `serve` is set up with are beside it.
func TestTriggerArchive(t *testing.T) {
	rel := testenv.LoadRelease(t)
	name := "tenantops-trigger_" + rel.Version + "_" + runtime.GOOS + "_" + runtime.GOARCH
	dir := t.TempDir()
	untar(t, filepath.Join(rel.Dir, name+".tar.gz"), dir)
	root := filepath.Join(dir, name)

	out, err := exec.Command(filepath.Join(root, "tenantops-trigger"), "version").CombinedOutput()
	if err != nil || string(out) != "tenantops-trigger "+rel.Version+"\n" {
		t.Errorf("tenantops-trigger version = %q, %v; want %q", out, err, "tenantops-trigger "+rel.Version)
	}
	for _, f := range []string{"templates/tenants/standard/main.tf", "templates/tenants/premium-dr/main.tf",
		"templates/modules/cloud/main.tf", "docs/trigger.md", "CHANGELOG.md", unitPath} {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			t.Errorf("the archive lacks %s", f)
		}
	}
	packed, _ := os.ReadFile(filepath.Join(root, unitPath))
	if string(packed) != readRepo(t, unitPath) {
		t.Errorf("the archive's %s differs from the repository's", unitPath)
	}
}

// TestSystemdUnitIsTheOneDocumented: docs/trigger.md shows the unit file
// as it is, and the unit hands the trigger its encryption keys, which
// `serve` requires, without making them readable to anyone else.
func TestSystemdUnitIsTheOneDocumented(t *testing.T) {
	unit := readRepo(t, unitPath)
	docs := readRepo(t, "docs/trigger.md")
	_, after, ok := strings.Cut(docs, "### systemd\n")
	if !ok {
		t.Fatal("docs/trigger.md has no systemd section")
	}
	_, block, ok := strings.Cut(after, "```ini\n")
	if !ok {
		t.Fatal("the systemd section shows no unit")
	}
	block, _, _ = strings.Cut(block, "```\n")
	if block != unit {
		t.Errorf("docs/trigger.md shows another unit than %s:\n--- docs\n%s--- file\n%s", unitPath, block, unit)
	}
	for _, want := range []string{
		"LoadCredential=encryption.keys:/etc/tenantops/encryption.keys",
		"Environment=TENANTOPS_TRIGGER_ENCRYPTION_KEY_FILE=%d/encryption.keys",
		"User=tenantops", "ExecStart=/usr/local/bin/tenantops-trigger serve",
	} {
		if !strings.Contains(unit, want+"\n") {
			t.Errorf("the unit lacks %s", want)
		}
	}
}

func readRepo(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// untar unpacks a .tar.gz of regular files and directories into dir.
func untar(t *testing.T, path, dir string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(dir, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(target, dir+string(os.PathSeparator)) {
			t.Fatalf("archive entry %q leaves the directory", h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(target, 0o755)
		case tar.TypeReg:
			if err = os.MkdirAll(filepath.Dir(target), 0o755); err == nil {
				var out *os.File
				if out, err = os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(h.Mode).Perm()); err == nil {
					_, err = io.Copy(out, tr)
					if cerr := out.Close(); err == nil {
						err = cerr
					}
				}
			}
		default:
			t.Fatalf("archive entry %q is of type %c", h.Name, h.Typeflag)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}
