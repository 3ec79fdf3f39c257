package workspace

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/tenantops/tenantops/trigger/spec"
)

// FuzzRenderInert renders a workspace for any spec that passes validation,
// with arbitrary free text in the display name and the admin's names: the
// module files must stay the tier's templates byte for byte, and the
// tfvars JSON must give back exactly the validated values (data, never
// configuration).
func FuzzRenderInert(f *testing.F) {
	f.Add("Acme Corp", "Alice", "Admin", false)
	f.Add(`${file("/etc/passwd")}`, `%{ if true }x%{ endif }`, `{{ .X }}`, true)
	f.Add("\"\n}\nresource \"x\" \"y\" {\n#", "\\\"", "\u202e", false)
	templates := filepath.Join("..", "..", "templates", "tenants")
	tiers, err := Tiers(templates)
	if err != nil {
		f.Fatal(err)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, display, given, family string, dr bool) {
		// Specs arrive as JSON, whose strings are always valid UTF-8.
		if !utf8.ValidString(display) || !utf8.ValidString(given) || !utf8.ValidString(family) {
			return
		}
		ev := spec.Event{EventID: "e1", EventType: spec.EventCreated, OccurredAt: "2026-01-02T15:04:05Z",
			Tenant: spec.Tenant{ID: "acme", DisplayName: display, Tier: "standard",
				Quotas: spec.Quotas{CPUMHz: 2000, MemoryMB: 4096, StorageMB: 10240, VMQuota: 1},
				SSO:    spec.SSO{MFA: "otp"},
				Admins: []spec.Admin{{Username: "alice", Email: "alice@acme.example", GivenName: given, FamilyName: family}}}}
		if dr {
			ev.Tenant.Tier = "premium-dr"
			ev.Tenant.DR = &spec.DR{RPOSeconds: 300, JournalHours: 24, Priority: "High"}
		}
		if errs := spec.Validate(ev, tiers); len(errs) > 0 {
			return
		}
		if _, err := Render(Options{TemplatesDir: templates, Dir: dir, Tenant: ev.Tenant}); err != nil {
			t.Fatalf("render: %v", err)
		}
		files, err := tierFiles(templates, ev.Tenant.Tier)
		if err != nil {
			t.Fatal(err)
		}
		for name, w := range files {
			got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
			if err != nil || !bytes.Equal(got, w) {
				t.Fatalf("module file %s differs from its template (%v)", name, err)
			}
		}
		raw, err := os.ReadFile(filepath.Join(dir, TenantVarsFile))
		if err != nil {
			t.Fatal(err)
		}
		var vars struct {
			DisplayName string `json:"display_name"`
			Admins      []struct {
				GivenName  string `json:"given_name"`
				FamilyName string `json:"family_name"`
			} `json:"admins"`
		}
		if err := json.Unmarshal(raw, &vars); err != nil {
			t.Fatalf("tfvars is not JSON: %v", err)
		}
		if vars.DisplayName != display || len(vars.Admins) != 1 || vars.Admins[0].GivenName != given || vars.Admins[0].FamilyName != family {
			t.Fatalf("values changed on the way to Terraform: %+v", vars)
		}
	})
}
