package server

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// serve refuses at start a platform variable no tier declares, and a
// platform file it cannot read, instead of running with the tier's
// defaults in their place.
func TestValidateRefusesUnknownPlatformVariables(t *testing.T) {
	templates := filepath.Join("..", "..", "templates", "tenants")
	c := Defaults()
	c.TemplatesDir = templates
	c.Platform = map[string]any{"dr_recovery_vdc": "dr-vdc-1", "provider_vdc": "pvdc-1"}
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), `unknown platform variable(s) "dr_recovery_vdc"`) ||
		!strings.Contains(err.Error(), "dr_recovery_org_vdc") {
		t.Fatalf("Validate: %v", err)
	}
	c.Platform = map[string]any{"dr_recovery_org_vdc": "dr-vdc-1"}
	if err := c.Validate(); err != nil && strings.Contains(err.Error(), "platform") {
		t.Fatalf("a declared platform variable was refused: %v", err)
	}

	bad := filepath.Join(t.TempDir(), "platform.json")
	if err := os.WriteFile(bad, []byte(`{"provider_vdc":`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TENANTOPS_TRIGGER_PLATFORM_VARS", bad)
	var fromEnv Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fromEnv.RegisterFlags(fs)
	if err := fs.Parse([]string{"--templates", templates}); err != nil {
		t.Fatal(err)
	}
	if err := fromEnv.Validate(); err == nil || !strings.Contains(err.Error(), "TENANTOPS_TRIGGER_PLATFORM_VARS: platform variables "+bad) {
		t.Fatalf("an unreadable platform file named by the environment must fail Validate: %v", err)
	}
}
