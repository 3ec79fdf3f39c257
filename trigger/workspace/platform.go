package workspace

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tenantops/tenantops/trigger/spec"
)

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
		files, err := tierFiles(templatesDir, tier)
		if err != nil {
			return nil, err
		}
		// Only the root module's variables reach the workspace's variable
		// files; a module's are set by the root module.
		for name, b := range files {
			if !rootFile(name) {
				continue
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
		"suspended":         t.Suspended,
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
