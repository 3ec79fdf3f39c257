package server

import (
	"flag"
	"io"
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
