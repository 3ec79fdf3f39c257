package workspace_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/spec"
	"github.com/tenantops/tenantops/trigger/triggertest"
	. "github.com/tenantops/tenantops/trigger/workspace"
)

// tierTenant is a valid tenant of tier.
func tierTenant(tier string) spec.Tenant {
	tn := hostileTenant()
	tn.Tier = tier
	if strings.HasSuffix(tier, "-dr") {
		tn.DR = &spec.DR{RPOSeconds: 300, JournalHours: 24, Priority: "High"}
	}
	return tn
}

// Every tier under templates/tenants renders into a self-contained
// workspace that `terraform validate` accepts: the root module, the modules
// it calls under modules/<name>, nothing outside the directory.
func TestEveryTierValidates(t *testing.T) {
	mirror, cliConfig := testenv.ProviderMirror(t)
	tiers, err := Tiers(templatesDir())
	if err != nil || len(tiers) < 2 {
		t.Fatalf("tiers %v %v", tiers, err)
	}
	for _, tier := range tiers {
		t.Run(tier, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := Render(Options{TemplatesDir: templatesDir(), Dir: dir, Tenant: tierTenant(tier), MirrorDir: mirror}); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(dir, "modules", "cloud", "main.tf")); err != nil {
				t.Fatalf("the cloud module is not in the workspace: %v", err)
			}
			ctx := context.Background()
			tf, err := tfexec.NewTerraform(dir, terraformBin(t))
			if err != nil {
				t.Fatal(err)
			}
			if err := tf.SetEnv(map[string]string{"TF_CLI_CONFIG_FILE": cliConfig, "HOME": t.TempDir(), "PATH": os.Getenv("PATH")}); err != nil {
				t.Fatal(err)
			}
			if err := tf.Init(ctx, tfexec.Backend(false)); err != nil {
				t.Fatalf("init: %v", err)
			}
			v, err := tf.Validate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !v.Valid || v.ErrorCount != 0 || v.WarningCount != 0 {
				for _, d := range v.Diagnostics {
					t.Errorf("%s: %s: %s", d.Severity, d.Summary, d.Detail)
				}
				t.Fatalf("tier %s does not validate", tier)
			}
		})
	}
}

// A change to a module changes the revision of every tier that uses it and
// of no other; a change to a tier's root module changes that tier only.
func TestModuleChangeChangesTheRevisionOfItsTiers(t *testing.T) {
	tpl := copyTemplates(t)
	rev := func(tier string) string {
		t.Helper()
		x, err := LoadTemplate(tpl, tier, "")
		if err != nil {
			t.Fatal(err)
		}
		return x.Revision()
	}
	std, dr := rev("standard"), rev("premium-dr")
	appendTo(t, filepath.Join(filepath.Dir(tpl), "modules", "scim", "main.tf"), "\n# changed\n")
	std2, dr2 := rev("standard"), rev("premium-dr")
	if std2 == std || dr2 == dr {
		t.Fatal("a change to the scim module kept a tier's revision")
	}
	appendTo(t, filepath.Join(filepath.Dir(tpl), "modules", "dr", "main.tf"), "\n# changed\n")
	if rev("standard") != std2 || rev("premium-dr") == dr2 {
		t.Fatal("a change to the dr module must change premium-dr only")
	}
	dr3 := rev("premium-dr")
	appendTo(t, filepath.Join(tpl, "standard", "main.tf"), "\n# changed\n")
	if rev("standard") == std2 || rev("premium-dr") != dr3 {
		t.Fatal("a change to standard's root module must change standard only")
	}
}

// A module may call a sibling module ("../<name>"); the workspace then
// carries both. Sources that would leave the workspace, a missing module
// and a leftover extends file are refused with the tier named.
func TestTierModuleResolution(t *testing.T) {
	tpl := copyTemplates(t)
	mods := filepath.Join(filepath.Dir(tpl), "modules")
	if err := os.MkdirAll(filepath.Join(mods, "labels"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(mods, "labels", "main.tf"), "output \"owner\" {\n  value = \"tenantops\"\n}\n")
	appendTo(t, filepath.Join(mods, "cloud", "main.tf"), "\nmodule \"labels\" {\n  source = \"../labels\"\n}\n")
	x, err := LoadTemplate(tpl, "standard", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := x.Files["modules/labels/main.tf"]; !ok {
		t.Fatalf("files %v: the module cloud calls is missing", keys(x.Files))
	}

	for name, c := range map[string]struct{ file, text, want string }{
		"outside the tree":  {"standard/main.tf", "module \"x\" {\n  source = \"../../elsewhere\"\n}\n", `"../../elsewhere"`},
		"missing module":    {"standard/main.tf", "module \"x\" {\n  source = \"./modules/nothere\"\n}\n", `module "nothere"`},
		"leftover extends":  {"premium-dr/extends", "standard\n", "extends file is no longer read"},
		"module to subpath": {"../modules/sso/main.tf", "module \"x\" {\n  source = \"./sub\"\n}\n", `"./sub"`},
	} {
		t.Run(name, func(t *testing.T) {
			tpl := copyTemplates(t)
			appendTo(t, filepath.Join(tpl, c.file), c.text)
			tier := strings.Split(c.file, "/")[0]
			if tier == ".." {
				tier = "standard"
			}
			_, err := LoadTemplate(tpl, tier, "")
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), `tier "`+tier+`"`) {
				t.Fatalf("got %v, want an error naming the tier and %s", err, c.want)
			}
		})
	}
}

// copyTemplates is a copy of templates/ the test may edit; it returns the
// copy's tenants directory.
func copyTemplates(t *testing.T) string { return triggertest.CopyTemplates(t) }

func appendTo(t *testing.T, path, text string) {
	t.Helper()
	b, _ := os.ReadFile(path)
	writeFile(t, path, string(b)+text)
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}
