package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/triggertest"
	"github.com/tenantops/tenantops/trigger/workspace"
)

// captureStdout runs f with os.Stdout redirected.
func captureStdout(t *testing.T, f func() error) (string, error) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	ferr := f()
	os.Stdout = old
	w.Close()
	return <-done, ferr
}

func TestCLIRenderAndPlanMarkdown(t *testing.T) {
	mirror, _ := testenv.ProviderMirror(t)
	templates := filepath.Join(testenv.RepoRoot(), "templates", "tenants")
	specFile := filepath.Join(testenv.RepoRoot(), "trigger", "testdata", "customer-created.json")
	common := []string{"--spec", specFile, "--templates", templates, "--provider-mirror", mirror,
		"--terraform-bin", triggertest.TerraformBin(t), "--directory=false"}
	t.Setenv("TENANTOPS_TRIGGER_DATABASE_URL", "")

	out := t.TempDir()
	if err := cmdRender(context.Background(), append(common, "--out", out)); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"versions.tf", "modules/dr/main.tf", workspace.TenantVarsFile, ".terraform.lock.hcl"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("rendered workspace lacks %s", f)
		}
	}

	md, err := captureStdout(t, func() error { return cmdPlan(context.Background(), append(common, "--format", "markdown")) })
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"### Terraform plan for tenant `acme` (tier `premium-dr`)",
		"**0 to destroy, 0 to replace, 0 to update, 10 to create**",
		"| create | `module.dr.tenantops_vapp.workloads` |",
		"| create | `module.dr.tenantops_dr_protection_group.this` |",
		"| create | `module.sso.tenantops_sso_oidc_identity_provider.customer[0]` |"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "replace-me") {
		t.Error("the plan summary shows the IdP client secret")
	}
	js, err := captureStdout(t, func() error { return cmdPlan(context.Background(), append(common, "--format", "json")) })
	if err != nil {
		t.Fatal(err)
	}
	var sum struct {
		Create int `json:"create"`
	}
	if err := json.Unmarshal([]byte(js), &sum); err != nil || sum.Create != 10 {
		t.Fatalf("json summary %q: %v", js, err)
	}

	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"event_id":"x","event_type":"customer.created","occurred_at":"2026-01-02T15:04:05Z","tenant":{"id":"Bad"}}`), 0o600)
	err = cmdPlan(context.Background(), []string{"--spec", bad, "--templates", templates, "--provider-mirror", mirror})
	if err == nil || !strings.Contains(err.Error(), "tenant.id") {
		t.Fatalf("an invalid spec must fail with its field errors: %v", err)
	}
	// A platform variable no tier declares is refused before anything is
	// rendered, naming it and the declared ones.
	platform := filepath.Join(t.TempDir(), "platform.json")
	os.WriteFile(platform, []byte(`{"provider_vdc":"pvdc-1","dr_recovery_vdc":"dr-vdc-1"}`), 0o600)
	refusedOut := filepath.Join(t.TempDir(), "ws")
	for _, run := range []func() error{
		func() error {
			return cmdRender(context.Background(), append(common, "--platform-vars", platform, "--out", refusedOut))
		},
		func() error { return cmdPlan(context.Background(), append(common, "--platform-vars", platform)) },
	} {
		err := run()
		if err == nil || !strings.Contains(err.Error(), `unknown platform variable(s) "dr_recovery_vdc"`) ||
			!strings.Contains(err.Error(), "dr_recovery_org_vdc") {
			t.Errorf("an undeclared platform variable must be refused: %v", err)
		}
	}
	if _, err := os.Stat(refusedOut); err == nil {
		t.Error("render wrote a workspace despite the undeclared platform variable")
	}
	if err := cmdPlan(context.Background(), []string{"--help"}); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
}

// TestCLIVersion: `version` prints the version the release build sets
// with -ldflags "-X main.version=...".
func TestCLIVersion(t *testing.T) {
	old := version
	version = "1.2.3"
	t.Cleanup(func() { version = old })
	out, err := captureStdout(t, func() error { return commands["version"].Run(context.Background(), nil) })
	if err != nil || out != "tenantops-trigger 1.2.3\n" {
		t.Fatalf("version printed %q, %v", out, err)
	}
}
