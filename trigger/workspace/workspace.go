// Package workspace renders a tenant's Terraform working directory: the
// fixed root module of templates/tenants/<tier>, the tenant's data as
// tenant.auto.tfvars.json (written with encoding/json, so nothing in a spec
// can inject configuration), the platform settings as
// platform.auto.tfvars.json, a .terraform.lock.hcl pinning the tenantops
// provider found in the filesystem mirror, and a Terraform CLI
// configuration whose only installation method for tenantops is that
// mirror.
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
	"runtime"
	"sort"
	"strings"

	"golang.org/x/mod/sumdb/dirhash"

	"github.com/tenantops/tenantops/internal/tfmirror"
	"github.com/tenantops/tenantops/trigger/spec"
)

// ProviderAddress is the tenantops provider's registry address.
const ProviderAddress = tfmirror.ProviderAddress

// TenantVarsFile and PlatformVarsFile are the generated variable files.
const (
	TenantVarsFile   = "tenant.auto.tfvars.json"
	PlatformVarsFile = "platform.auto.tfvars.json"
	// SecretVarsFile holds operator secrets a tier declares (mode 0600,
	// written only by the trigger's runs, never by `render`).
	SecretVarsFile = "secrets.auto.tfvars.json"
	hashFile       = ".tenantops-render"
)

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
	// MirrorDir is the filesystem mirror holding the tenantops provider;
	// when set, .terraform.lock.hcl is written from it.
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
	// Remove module files a previous (other) tier left behind.
	old, _ := filepath.Glob(filepath.Join(o.Dir, "*.tf"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return res, err
		}
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
		if err := os.WriteFile(filepath.Join(o.Dir, name), b, 0o600); err != nil {
			return res, err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(b))
		h.Write(b)
		for _, v := range variableNames(string(b)) {
			declared[v] = true
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

func validTierName(tier string) bool {
	return tier != "" && !strings.ContainsAny(tier, `/\`) && !strings.HasPrefix(tier, ".")
}

// validFileName accepts the plain *.tf names a template revision may hold,
// so a revision read back from the database cannot write outside Dir.
func validFileName(name string) bool {
	return strings.HasSuffix(name, ".tf") && validTierName(name) && filepath.Base(name) == name
}

// tierFiles maps file name to path for a tier's module: the files of the
// tier it extends (named in its "extends" file) first, then its own, which
// replace same-named ones.
func tierFiles(templatesDir, tier string, depth int) (map[string]string, error) {
	if depth > 4 {
		return nil, fmt.Errorf("tier %q: extends chain too long", tier)
	}
	src := filepath.Join(templatesDir, tier)
	entries, err := os.ReadDir(src)
	if err != nil {
		return nil, fmt.Errorf("tier %q: %w", tier, err)
	}
	out := map[string]string{}
	if b, err := os.ReadFile(filepath.Join(src, "extends")); err == nil {
		base := strings.TrimSpace(string(b))
		if !validTierName(base) {
			return nil, fmt.Errorf("tier %q: invalid extends %q", tier, base)
		}
		if out, err = tierFiles(templatesDir, base, depth+1); err != nil {
			return nil, err
		}
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".tf") {
			out[e.Name()] = filepath.Join(src, e.Name())
		}
	}
	return out, nil
}

// PlatformVariables returns, sorted, the variables an operator may set in
// the platform file: every variable some tier under templatesDir declares,
// but for those filled from the CRM spec (tenant.auto.tfvars.json) and the
// sensitive ones, which never go into the platform file.
func PlatformVariables(templatesDir string) ([]string, error) {
	tiers, err := Tiers(templatesDir)
	if err != nil {
		return nil, err
	}
	fromSpec := TenantVars(spec.Tenant{}, false, nil)
	seen := map[string]bool{}
	for _, tier := range tiers {
		files, err := tierFiles(templatesDir, tier, 0)
		if err != nil {
			return nil, err
		}
		for _, path := range files {
			b, err := os.ReadFile(path)
			if err != nil {
				return nil, err
			}
			for _, v := range operatorVariables(string(b)) {
				if _, spec := fromSpec[v]; !spec {
					seen[v] = true
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out, nil
}

// CheckPlatform refuses platform variables no tier declares: Terraform
// would ignore them, and a misspelt one (dr_recovery_vdc for
// dr_recovery_org_vdc) would silently leave the tier's default in place.
// The error names every unknown key and the names the tiers declare.
func CheckPlatform(templatesDir string, platform map[string]any) error {
	known, err := PlatformVariables(templatesDir)
	if err != nil {
		return err
	}
	var unknown []string
	for k := range platform {
		if i := sort.SearchStrings(known, k); i == len(known) || known[i] != k {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	return fmt.Errorf("unknown platform variable(s) %s: no tier in %s declares them (the tiers declare: %s)",
		quoteAll(unknown), templatesDir, strings.Join(known, ", "))
}

func quoteAll(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}

// operatorVariables returns the variables of a module file that are not
// sensitive. The templates are ours and formatted by terraform fmt: a
// block ends with a "}" line of its own.
func operatorVariables(src string) []string {
	var out []string
	name, sensitive := "", false
	for _, line := range strings.Split(src, "\n") {
		if n := variableNames(line); len(n) == 1 && name == "" {
			name, sensitive = n[0], false
			continue
		}
		if name == "" {
			continue
		}
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && strings.TrimSpace(k) == "sensitive" {
			sensitive = strings.TrimSpace(v) == "true"
		}
		if line == "}" {
			if !sensitive {
				out = append(out, name)
			}
			name = ""
		}
	}
	return out
}

// MarkInitialized records that `terraform init` succeeded for hash.
func MarkInitialized(dir, hash string) error {
	return os.WriteFile(filepath.Join(dir, hashFile), []byte(hash+"\n"), 0o600)
}

// NeedsInit reports whether dir must be (re)initialised for res.
func NeedsInit(dir string, res Result) bool {
	if res.PreviousHash == "" || res.PreviousHash != res.Hash {
		return true
	}
	_, err := os.Stat(filepath.Join(dir, ".terraform", "terraform.tfstate"))
	return err != nil
}

// TenantVars maps the spec onto the template's variables. Only variables
// the module declares are included, so a tier may ignore parts of the spec.
func TenantVars(t spec.Tenant, directoryEnabled bool, declared map[string]bool) map[string]any {
	admins := make([]map[string]any, 0, len(t.Admins))
	for _, a := range t.Admins {
		admins = append(admins, map[string]any{
			"username": a.Username, "email": a.Email, "given_name": a.GivenName, "family_name": a.FamilyName,
		})
	}
	var idp any
	if t.SSO.IdP != nil {
		alias := t.SSO.IdP.Alias
		if alias == "" {
			alias = "customer"
		}
		idp = map[string]any{
			"type": t.SSO.IdP.Type, "alias": alias, "issuer": t.SSO.IdP.Issuer,
			"authorization_url": t.SSO.IdP.AuthorizationURL, "token_url": t.SSO.IdP.TokenURL,
			"client_id": t.SSO.IdP.ClientID, "client_secret": t.SSO.IdP.ClientSecret,
			"sso_url": t.SSO.IdP.SSOURL, "entity_id": t.SSO.IdP.EntityID,
		}
	}
	var dr any
	if t.DR != nil {
		dr = map[string]any{"rpo_seconds": t.DR.RPOSeconds, "journal_hours": t.DR.JournalHours, "priority": t.DR.Priority}
	}
	all := map[string]any{
		"tenant_id":    t.ID,
		"display_name": t.DisplayName,
		"quotas": map[string]any{
			"cpu_mhz": t.Quotas.CPUMHz, "memory_mb": t.Quotas.MemoryMB,
			"storage_mb": t.Quotas.StorageMB, "vm_quota": t.Quotas.VMQuota,
		},
		"mfa":               t.SSO.MFA,
		"idp":               idp,
		"admins":            admins,
		"dr":                dr,
		"directory_enabled": directoryEnabled,
	}
	out := map[string]any{}
	for k, v := range all {
		if declared == nil || declared[k] {
			out[k] = v
		}
	}
	return out
}

// variableNames finds `variable "name"` declarations. The templates are
// ours and formatted by terraform fmt, so a line scan is enough.
func variableNames(src string) []string {
	var out []string
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "variable ") {
			continue
		}
		rest := strings.TrimSpace(strings.TrimPrefix(line, "variable "))
		if len(rest) > 1 && rest[0] == '"' {
			if end := strings.IndexByte(rest[1:], '"'); end > 0 {
				out = append(out, rest[1:1+end])
			}
		}
	}
	return out
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}

// ProviderDir returns the newest version directory of the tenantops
// provider for this platform in mirrorDir, and that version.
func ProviderDir(mirrorDir string) (dir, version string, err error) {
	base := filepath.Join(mirrorDir, filepath.FromSlash(ProviderAddress))
	entries, err := os.ReadDir(base)
	if err != nil {
		return "", "", fmt.Errorf("provider mirror %s: %w", mirrorDir, err)
	}
	platform := runtime.GOOS + "_" + runtime.GOARCH
	for i := len(entries) - 1; i >= 0; i-- {
		d := filepath.Join(base, entries[i].Name(), platform)
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d, entries[i].Name(), nil
		}
	}
	return "", "", errors.New("provider mirror " + mirrorDir + " holds no tenantops provider for " + platform)
}

// ProviderVersionDir returns the directory of version of the tenantops
// provider for this platform in mirrorDir; an empty version means the
// newest (ProviderDir).
func ProviderVersionDir(mirrorDir, version string) (string, error) {
	if version == "" {
		dir, _, err := ProviderDir(mirrorDir)
		return dir, err
	}
	if !validTierName(version) {
		return "", fmt.Errorf("invalid provider version %q", version)
	}
	d := filepath.Join(mirrorDir, filepath.FromSlash(ProviderAddress), version, runtime.GOOS+"_"+runtime.GOARCH)
	if st, err := os.Stat(d); err != nil || !st.IsDir() {
		return "", fmt.Errorf("provider mirror %s holds no tenantops provider %s for %s/%s", mirrorDir, version, runtime.GOOS, runtime.GOARCH)
	}
	return d, nil
}

// LockFile returns a .terraform.lock.hcl pinning the newest provider in
// mirrorDir by its h1 hash (the hash Terraform computes over an unpacked
// package).
func LockFile(mirrorDir string) (string, error) {
	return LockFileFor(mirrorDir, "")
}

// LockFileFor is LockFile for one provider version ("" for the newest).
func LockFileFor(mirrorDir, version string) (string, error) {
	dir, err := ProviderVersionDir(mirrorDir, version)
	if err != nil {
		return "", err
	}
	version = filepath.Base(filepath.Dir(dir))
	h1, err := dirhash.HashDir(dir, "", dirhash.Hash1)
	if err != nil {
		return "", fmt.Errorf("hash provider: %w", err)
	}
	return fmt.Sprintf(`# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider %q {
  version = %q
  hashes = [
    %q,
  ]
}
`, ProviderAddress, version, h1), nil
}

// CLIConfig returns a Terraform CLI configuration whose only source for the
// tenantops provider is the read-only mirrorDir (tfmirror.CLIConfig).
func CLIConfig(mirrorDir string) string { return tfmirror.CLIConfig(mirrorDir) }

// WriteCLIConfig writes CLIConfig(mirrorDir) to path.
func WriteCLIConfig(path, mirrorDir string) error { return tfmirror.WriteCLIConfig(path, mirrorDir) }
