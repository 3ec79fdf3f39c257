// Package workspace renders a tenant's Terraform working directory: the
// fixed root module of templates/tenants/<tier> with the local modules of
// templates/modules it uses (under modules/<name>), the tenant's data as
// tenant.auto.tfvars.json (written with encoding/json, so nothing in a spec
// can inject configuration), the platform settings as
// platform.auto.tfvars.json, a .terraform.lock.hcl pinning the tenantops
// provider found in the mirror (a filesystem mirror or a provider network
// mirror), and a Terraform CLI configuration whose only installation
// method for tenantops is that mirror.
package workspace

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tenantops/tenantops/trigger/spec"
)

// TenantVarsFile and PlatformVarsFile are the generated variable files.
const (
	TenantVarsFile   = "tenant.auto.tfvars.json"
	PlatformVarsFile = "platform.auto.tfvars.json"
	// SecretVarsFile holds operator secrets a tier declares (mode 0600,
	// written only by the trigger's runs, never by `render`).
	SecretVarsFile = "secrets.auto.tfvars.json"
	hashFile       = ".tenantops-render"
)

// Options says what to render.
type Options struct {
	// TemplatesDir is templates/tenants.
	TemplatesDir string
	// Dir is the working directory to write (created when missing).
	Dir string
	// Tenant is the validated desired state.
	Tenant spec.Tenant
	// Platform holds operator-chosen variables (provider VDC, network pool,
	// storage profile, DR sites...) written to platform.auto.tfvars.json;
	// only keys the tier declares as variables are written.
	Platform map[string]any
	// Secrets are operator secrets for the tier's sensitive variables
	// (only declared ones are written, to SecretVarsFile; nothing is
	// written when empty).
	Secrets map[string]string
	// DirectoryEnabled switches the tier's Active Directory part.
	DirectoryEnabled bool
	// MirrorDir holds the tenantops provider: a filesystem mirror
	// directory or a network mirror's https:// URL; when set,
	// .terraform.lock.hcl is written from it.
	MirrorDir string
	// Template, when set, is the module to render (a revision kept in the
	// database) instead of the tier's files under TemplatesDir; its
	// provider version is the one the lock file pins.
	Template *Template
}

// Result describes a rendered workspace.
type Result struct {
	// Hash identifies the rendered module and lock file (not the
	// variables): equal hashes mean `terraform init` can be skipped.
	Hash string
	// PreviousHash is the hash the directory held before (empty if none).
	PreviousHash string
}

// Render writes the workspace. Files of the template replace the module
// files in Dir; Terraform's own .terraform directory is kept so a later
// init can be skipped when the module did not change.
func Render(o Options) (Result, error) {
	var res Result
	if !validTierName(o.Tenant.Tier) {
		return res, fmt.Errorf("invalid tier %q", o.Tenant.Tier)
	}
	tpl := o.Template
	if tpl == nil {
		t, err := LoadTemplate(o.TemplatesDir, o.Tenant.Tier, "")
		if err != nil {
			return res, err
		}
		tpl = &t
	} else if tpl.Tier != o.Tenant.Tier {
		return res, fmt.Errorf("template revision %s is of tier %q, the tenant's spec is of tier %q", tpl.Revision(), tpl.Tier, o.Tenant.Tier)
	}
	files := tpl.Files
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return res, err
	}
	if b, err := os.ReadFile(filepath.Join(o.Dir, hashFile)); err == nil {
		res.PreviousHash = strings.TrimSpace(string(b))
	}
	if err := removeModuleFiles(o.Dir); err != nil {
		return res, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "tier %s\x00", o.Tenant.Tier)
	declared := map[string]bool{}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		b := files[name]
		if !validFileName(name) {
			return res, fmt.Errorf("template revision %s: invalid file name %q", tpl.Revision(), name)
		}
		dst := filepath.Join(o.Dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return res, err
		}
		if err := os.WriteFile(dst, b, 0o600); err != nil {
			return res, err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(b))
		h.Write(b)
		// The root module's variables are what the workspace is given;
		// a module's are filled by the root module.
		if rootFile(name) {
			for _, v := range variableNames(string(b)) {
				declared[v] = true
			}
		}
	}
	if o.MirrorDir != "" {
		lock, err := LockFileFor(o.MirrorDir, tpl.ProviderVersion)
		if err != nil {
			return res, err
		}
		if err := os.WriteFile(filepath.Join(o.Dir, ".terraform.lock.hcl"), []byte(lock), 0o600); err != nil {
			return res, err
		}
		io.WriteString(h, lock)
	}
	if o.Tenant.Suspended && !declared["suspended"] {
		// Rendered without the variable, the suspension would do nothing.
		return res, fmt.Errorf("template revision %s of tier %q cannot suspend a tenant (it declares no variable \"suspended\"): roll a newer revision out to the tier first",
			tpl.Revision(), o.Tenant.Tier)
	}
	if err := writeJSON(filepath.Join(o.Dir, TenantVarsFile), TenantVars(o.Tenant, o.DirectoryEnabled, declared)); err != nil {
		return res, err
	}
	platform := map[string]any{}
	for k, v := range o.Platform {
		if declared[k] {
			platform[k] = v
		}
	}
	if err := writeJSON(filepath.Join(o.Dir, PlatformVarsFile), platform); err != nil {
		return res, err
	}
	secrets := map[string]any{}
	for k, v := range o.Secrets {
		if declared[k] && v != "" {
			secrets[k] = v
		}
	}
	secretsPath := filepath.Join(o.Dir, SecretVarsFile)
	if len(secrets) == 0 {
		if err := os.Remove(secretsPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			return res, err
		}
	} else if err := writeJSON(secretsPath, secrets); err != nil {
		return res, err
	}
	res.Hash = hex.EncodeToString(h.Sum(nil))
	return res, nil
}

// removeModuleFiles removes the module files an earlier render (another
// tier, an older revision) left in dir: its root *.tf files and its local
// modules. Terraform's .terraform directory stays.
func removeModuleFiles(dir string) error {
	old, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	return os.RemoveAll(filepath.Join(dir, ModulesDirName))
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}
