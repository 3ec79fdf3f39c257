package workspace

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// A tier is a thin root module, templates/tenants/<tier>/*.tf, composing
// building blocks kept as local modules in templates/modules/<name>/*.tf
// (the directory next to templates/tenants). The root module calls a block
// with `source = "./modules/<name>"` and a block may call another with
// `source = "../<name>"`: the rendered workspace holds the root module's
// files at its top and each module it uses, and only those, under
// modules/<name>/, so it is self-contained and a template revision (the
// files with their relative paths) covers every module its tier uses.

// ModulesDirName is the directory, inside a rendered workspace and next to
// the tiers directory, that holds the local modules.
const ModulesDirName = "modules"

// moduleName is a module directory's name under templates/modules.
var moduleName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// Tiers lists the tier names (directories) under templatesDir.
func Tiers(templatesDir string) ([]string, error) {
	entries, err := os.ReadDir(templatesDir)
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

// ModulesDir is where the local modules of the tiers under templatesDir
// live: templates/modules for templates/tenants.
func ModulesDir(templatesDir string) string {
	return filepath.Join(filepath.Dir(filepath.Clean(templatesDir)), ModulesDirName)
}

// tierFiles reads a tier's module as it is on disk: its root files by name
// (main.tf) and the files of every local module it uses, directly or
// through another module, by their path in the rendered workspace
// (modules/cloud/main.tf).
func tierFiles(templatesDir, tier string) (map[string][]byte, error) {
	if !validTierName(tier) {
		return nil, fmt.Errorf("invalid tier %q", tier)
	}
	root := filepath.Join(templatesDir, tier)
	files, err := readTF(root, "")
	if err != nil {
		return nil, fmt.Errorf("tier %q: %w", tier, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("tier %q: %s holds no .tf file", tier, root)
	}
	if _, err := os.Stat(filepath.Join(root, "extends")); err == nil {
		return nil, fmt.Errorf("tier %q: the extends file is no longer read: compose the modules of %s in the tier's own .tf files instead",
			tier, ModulesDir(templatesDir))
	}
	pending := []string{}
	for name, b := range files {
		calls, err := moduleCalls(string(b), "./"+ModulesDirName+"/")
		if err != nil {
			return nil, fmt.Errorf("tier %q: %s: %w", tier, name, err)
		}
		pending = append(pending, calls...)
	}
	done := map[string]bool{}
	for len(pending) > 0 {
		m := pending[0]
		pending = pending[1:]
		if done[m] {
			continue
		}
		done[m] = true
		mod, err := readTF(filepath.Join(ModulesDir(templatesDir), m), path.Join(ModulesDirName, m))
		if err != nil || len(mod) == 0 {
			return nil, fmt.Errorf("tier %q uses module %q: %s holds no .tf file (%v)", tier, m,
				filepath.Join(ModulesDir(templatesDir), m), err)
		}
		for name, b := range mod {
			files[name] = b
			calls, err := moduleCalls(string(b), "../")
			if err != nil {
				return nil, fmt.Errorf("tier %q: %s: %w", tier, name, err)
			}
			pending = append(pending, calls...)
		}
	}
	return files, nil
}

// readTF reads the *.tf files of dir, keyed by prefix/name.
func readTF(dir, prefix string) (map[string][]byte, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".tf") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out[path.Join(prefix, e.Name())] = b
	}
	return out, nil
}

// moduleCalls returns the local modules a file calls: the names after
// prefix ("./modules/" in a root module, "../" in a module) in its
// `source = "..."` lines. Any other relative source is refused, so the
// rendered workspace never refers to a file outside itself; registry
// sources are left to Terraform. The templates are ours and formatted by
// terraform fmt, so a line scan is enough.
func moduleCalls(src, prefix string) ([]string, error) {
	var out []string
	for _, line := range strings.Split(src, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || strings.TrimSpace(k) != "source" {
			continue
		}
		v = strings.Trim(strings.TrimSpace(v), `"`)
		if !strings.HasPrefix(v, "./") && !strings.HasPrefix(v, "../") {
			continue
		}
		name, ok := strings.CutPrefix(v, prefix)
		if !ok || !moduleName.MatchString(name) {
			return nil, fmt.Errorf("module source %q: a local module is called as %q<name>, <name> a directory of templates/%s", v, prefix, ModulesDirName)
		}
		out = append(out, name)
	}
	return out, nil
}

// rootFile reports whether a template file belongs to the tier's root
// module (not to one of its modules): the root module's variables are the
// workspace's contract with the trigger.
func rootFile(name string) bool { return !strings.Contains(name, "/") }

// validFileName accepts the names a template revision may hold: a root
// file (vcd.tf) or a module's file (modules/cloud/main.tf), so that a
// revision read back from the database cannot write outside the workspace.
func validFileName(name string) bool {
	if rootFile(name) {
		return strings.HasSuffix(name, ".tf") && validTierName(name) && filepath.Base(name) == name
	}
	parts := strings.Split(name, "/")
	return len(parts) == 3 && parts[0] == ModulesDirName && moduleName.MatchString(parts[1]) && validFileName(parts[2])
}

func validTierName(tier string) bool {
	return tier != "" && !strings.ContainsAny(tier, `/\`) && !strings.HasPrefix(tier, ".")
}
