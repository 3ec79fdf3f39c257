package server

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFlagsEnvAndValidation(t *testing.T) {
	t.Setenv("TENANTOPS_TRIGGER_API_TOKEN", "token-from-env-0123456789")
	t.Setenv("TENANTOPS_TRIGGER_WEBHOOK_SECRET", "env-secret-0123456789")
	t.Setenv("TENANTOPS_TRIGGER_WORKERS", "7")
	t.Setenv("TENANTOPS_TRIGGER_JOB_TIMEOUT", "90m")
	var c Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.RegisterFlags(fs)
	if err := fs.Parse([]string{"--webhook-secret", "new-secret-0123456789,old-secret-0123456789", "--workers", "3"}); err != nil {
		t.Fatal(err)
	}
	if c.APIToken != "token-from-env-0123456789" || c.Workers != 3 || c.JobTimeout != 90*time.Minute {
		t.Fatalf("config %+v", c)
	}
	if strings.Join(c.WebhookSecrets, ",") != "new-secret-0123456789,old-secret-0123456789" {
		t.Fatalf("flags must replace the environment's secrets: %v", c.WebhookSecrets)
	}
	// Secrets never show up as defaults in --help.
	var help strings.Builder
	fs.SetOutput(&help)
	fs.PrintDefaults()
	if strings.Contains(help.String(), "token-from-env") || strings.Contains(help.String(), "env-secret") {
		t.Fatalf("--help shows a secret:\n%s", help.String())
	}
	if !strings.Contains(help.String(), "TENANTOPS_TRIGGER_LISTEN") || !strings.Contains(help.String(), `(default "127.0.0.1:8080")`) {
		t.Fatalf("--help lacks env names or defaults:\n%s", help.String())
	}

	bad := Defaults()
	bad.APIToken = "short"
	err := bad.Validate()
	for _, want := range []string{"database-url is required", "api-token must be at least 16", "webhook-secret is required", "provider-mirror is required"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate: %v, want it to say %q", err, want)
		}
	}
}

// A platform variables file named in the environment fails the start when
// it cannot be read or is not a JSON object, as the same file given with
// --platform-vars does; a flag on the command line replaces it. Typed
// settings with a value of the wrong type fail the same way.
func TestBadEnvironmentValuesFail(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "platform.json")
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(good, []byte(`{"provider_vdc":"pvdc-1"}`), 0o600)
	os.WriteFile(bad, []byte(`{"provider_vdc": `), 0o600)
	parse := func(args ...string) (Config, error) {
		var c Config
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		c.RegisterFlags(fs)
		return c, fs.Parse(args)
	}

	for _, file := range []string{bad, filepath.Join(dir, "missing.json")} {
		t.Setenv("TENANTOPS_TRIGGER_PLATFORM_VARS", file)
		c, err := parse()
		if err != nil {
			t.Fatal(err)
		}
		err = c.EnvError()
		if err == nil || !strings.Contains(err.Error(), "TENANTOPS_TRIGGER_PLATFORM_VARS") {
			t.Fatalf("%s: EnvError %v, want it to name the variable", file, err)
		}
		if verr := c.Validate(); verr == nil || !strings.Contains(verr.Error(), "TENANTOPS_TRIGGER_PLATFORM_VARS") {
			t.Fatalf("%s: Validate %v", file, verr)
		}
		// The flag fails on the same file.
		if _, err := parse("--platform-vars", file); err == nil {
			t.Fatalf("--platform-vars %s accepted", file)
		}
		// A good file on the command line replaces the bad environment.
		c, err = parse("--platform-vars", good)
		if err != nil || c.EnvError() != nil || c.Platform["provider_vdc"] != "pvdc-1" {
			t.Fatalf("flag over a bad environment: %v %v %v", err, c.EnvError(), c.Platform)
		}
	}

	t.Setenv("TENANTOPS_TRIGGER_PLATFORM_VARS", good)
	t.Setenv("TENANTOPS_TRIGGER_WORKERS", "four")
	t.Setenv("TENANTOPS_TRIGGER_JOB_TIMEOUT", "1 hour")
	t.Setenv("TENANTOPS_TRIGGER_MIGRATE", "yes please")
	c, err := parse()
	if err != nil {
		t.Fatal(err)
	}
	if c.Platform["provider_vdc"] != "pvdc-1" {
		t.Fatalf("good environment file not loaded: %v", c.Platform)
	}
	err = c.EnvError()
	for _, want := range []string{`TENANTOPS_TRIGGER_WORKERS="four": not a whole number`, "TENANTOPS_TRIGGER_JOB_TIMEOUT", "TENANTOPS_TRIGGER_MIGRATE"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("EnvError %v, want %q", err, want)
		}
	}
	c, _ = parse("--workers", "2", "--job-timeout", "2h", "--migrate")
	if err := c.EnvError(); err != nil || c.Workers != 2 || c.JobTimeout != 2*time.Hour || !c.MigrateOnStart {
		t.Fatalf("flags over bad environment values: %v %+v", err, c)
	}
}

// --provider-mirror takes a network mirror's URL as it is (not as a path
// below the working directory), and an unreachable one fails the start.
func TestValidateTakesANetworkMirrorURL(t *testing.T) {
	c := Defaults()
	c.ProviderMirror = "https://127.0.0.1:1/providers/"
	err := c.Validate()
	if c.ProviderMirror != "https://127.0.0.1:1/providers/" {
		t.Errorf("the mirror URL became %q", c.ProviderMirror)
	}
	if err == nil || !strings.Contains(err.Error(), "provider network mirror") {
		t.Errorf("Validate: %v, want it to name the unreachable network mirror", err)
	}
}
