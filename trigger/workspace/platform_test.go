package workspace

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// repoTemplates is the repository's templates/tenants (tests run in the
// package's directory).
var repoTemplates = filepath.Join("..", "..", "templates", "tenants")

func TestPlatformVariables(t *testing.T) {
	dir := repoTemplates
	got, err := PlatformVariables(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"provider_vdc", "portal_url", "dr_recovery_org_vdc", "dr_storage_policy"} {
		if !slices.Contains(got, want) {
			t.Errorf("%s missing from %v", want, got)
		}
	}
	// Filled from the spec or secret: never from the platform file.
	for _, never := range []string{"tenant_id", "dr", "quotas", "idp", "directory_enabled", "directory_federation_bind_password"} {
		if slices.Contains(got, never) {
			t.Errorf("%s is no platform variable: %v", never, got)
		}
	}
}

// A misspelt platform variable used to be dropped silently, leaving the
// tier's default in place: examples/gitops/platform.json set
// dr_recovery_vdc while premium-dr declares dr_recovery_org_vdc.
func TestCheckPlatformRefusesUndeclaredKeys(t *testing.T) {
	dir := repoTemplates
	if err := CheckPlatform(dir, map[string]any{"provider_vdc": "p", "dr_recovery_org_vdc": "v"}); err != nil {
		t.Fatalf("declared variables refused: %v", err)
	}
	if err := CheckPlatform(dir, nil); err != nil {
		t.Fatalf("no platform file refused: %v", err)
	}
	err := CheckPlatform(dir, map[string]any{"dr_recovery_vdc": "v", "provider_vdc": "p", "tenant_id": "x"})
	if err == nil {
		t.Fatal("undeclared platform variables accepted")
	}
	for _, want := range []string{`unknown platform variable(s) "dr_recovery_vdc", "tenant_id": no tier`, "dr_recovery_org_vdc", "provider_vdc"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

func TestOperatorVariables(t *testing.T) {
	src := `variable "a" {
  type = string
}

variable "secret" {
  type      = string
  sensitive = true
}

variable "b" {
  type = object({
    x = string
  })
  sensitive = false
}
`
	if got := operatorVariables(src); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("operatorVariables = %v", got)
	}
}
