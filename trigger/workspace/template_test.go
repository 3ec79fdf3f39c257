package workspace_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/testenv"
	. "github.com/tenantops/tenantops/trigger/workspace"
)

// A template revision is the tier's root files, the files of the modules it
// uses and the provider version; its hash changes with any of them, and
// rendering it writes exactly its files, whatever the templates directory
// holds now.
func TestTemplateRevisionRendersItsOwnFiles(t *testing.T) {
	mirror, _ := testenv.ProviderMirror(t)
	dr, err := LoadTemplate(templatesDir(), "premium-dr", mirror)
	if err != nil {
		t.Fatal(err)
	}
	std, err := LoadTemplate(templatesDir(), "standard", mirror)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"cloud", "sso", "directory", "scim"} {
		name := "modules/" + m + "/main.tf"
		if !slices.Equal(dr.Files[name], std.Files[name]) || len(std.Files[name]) == 0 {
			t.Errorf("both tiers should carry %s", name)
		}
	}
	if _, ok := dr.Files["modules/dr/main.tf"]; !ok || dr.ProviderVersion == "" {
		t.Fatalf("premium-dr files %v (provider %q): want the dr module", keys(dr.Files), dr.ProviderVersion)
	}
	if _, ok := std.Files["modules/dr/main.tf"]; ok {
		t.Fatal("standard carries the dr module it does not use")
	}
	if std.Revision() == dr.Revision() || len(std.Revision()) != 64 {
		t.Fatalf("revisions %s %s", std.Revision(), dr.Revision())
	}
	again, _ := LoadTemplate(templatesDir(), "standard", mirror)
	if again.Revision() != std.Revision() {
		t.Fatal("the same files give another revision")
	}
	changed := clone(std)
	changed.Files["modules/cloud/main.tf"] = append(changed.Files["modules/cloud/main.tf"], []byte("\n# changed\n")...)
	otherProvider := clone(std)
	otherProvider.ProviderVersion = "9.9.9"
	for name, v := range map[string]Template{"a changed file": changed, "another provider version": otherProvider} {
		if v.Revision() == std.Revision() {
			t.Errorf("%s keeps the revision", name)
		}
	}
	if RevisionOf(std.Tier, std.ProviderVersion, std.FileHashes()) != std.Revision() {
		t.Fatal("RevisionOf disagrees with Revision")
	}

	// Render an older revision after the disk moved on: a file the disk
	// lacks is written, one only the disk has is not.
	old := clone(std)
	old.Files["legacy.tf"] = []byte("# kept only in the revision\n")
	delete(old.Files, "outputs.tf")
	dir := t.TempDir()
	if _, err := Render(Options{TemplatesDir: templatesDir(), Dir: dir, Tenant: hostileTenant(), MirrorDir: mirror, Template: &old}); err != nil {
		t.Fatal(err)
	}
	got, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
	mods, _ := filepath.Glob(filepath.Join(dir, "modules", "*", "*.tf"))
	var names []string
	for _, p := range append(got, mods...) {
		rel, _ := filepath.Rel(dir, p)
		names = append(names, filepath.ToSlash(rel))
	}
	slices.Sort(names)
	if !slices.Equal(names, keys(old.Files)) {
		t.Fatalf("rendered %v, want the revision's files %v", names, keys(old.Files))
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "legacy.tf")); string(b) != "# kept only in the revision\n" {
		t.Fatalf("legacy.tf = %q", b)
	}
	lock, _ := os.ReadFile(filepath.Join(dir, ".terraform.lock.hcl"))
	if !strings.Contains(string(lock), `version = "`+std.ProviderVersion+`"`) {
		t.Fatalf("lock file does not pin %s:\n%s", std.ProviderVersion, lock)
	}

	// Refusals: a revision of another tier, a file name that leaves the
	// directory, a provider version the mirror does not hold.
	bad := []struct {
		name string
		tpl  Template
		want string
	}{
		{"other tier", dr, "of tier \"premium-dr\""},
		{"path in a file name", Template{Tier: "standard", Files: map[string][]byte{"../escape.tf": []byte("#")}}, "invalid file name"},
		{"path in a module file name", Template{Tier: "standard", Files: map[string][]byte{"modules/../../escape.tf": []byte("#")}}, "invalid file name"},
		{"nested module path", Template{Tier: "standard", Files: map[string][]byte{"modules/a/b/c.tf": []byte("#")}}, "invalid file name"},
		{"missing provider version", otherProvider, "no tenantops provider 9.9.9"},
	}
	for _, c := range bad {
		_, err := Render(Options{TemplatesDir: templatesDir(), Dir: t.TempDir(), Tenant: hostileTenant(), MirrorDir: mirror, Template: &c.tpl})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "escape.tf")); err == nil {
		t.Fatal("a revision's file name escaped the directory")
	}
}

func clone(t Template) Template {
	c := t
	c.Files = map[string][]byte{}
	for k, v := range t.Files {
		c.Files[k] = slices.Clone(v)
	}
	return c
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
