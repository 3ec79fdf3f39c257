package triggertest

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/tenantops/tenantops/internal/testenv"
)

// CopyTemplates copies the repository's templates/modules and the tiers
// named (every tier when none is) of templates/tenants into a temporary
// templates/ directory a test may edit, and returns its tenants directory
// (the trigger's TemplatesDir; the modules are next to it).
func CopyTemplates(t testing.TB, tiers ...string) string {
	t.Helper()
	src := filepath.Join(testenv.RepoRoot(), "templates")
	dst := filepath.Join(t.TempDir(), "templates")
	dirs := []string{"modules"}
	if len(tiers) == 0 {
		dirs = append(dirs, "tenants")
	}
	for _, tier := range tiers {
		dirs = append(dirs, filepath.Join("tenants", tier))
	}
	for _, d := range dirs {
		if err := copyTree(filepath.Join(src, d), filepath.Join(dst, d)); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dst, "tenants")
}

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
}
