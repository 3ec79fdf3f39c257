package server

import (
	"flag"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/drift"
)

// The drift sweep's flags: defaults, the environment, a flag over it, and
// validation naming what is wrong (a tier that does not exist, a mode
// that is neither report nor apply, a notification URL without its
// secret, a negative interval).
func TestDriftFlags(t *testing.T) {
	parse := func(args ...string) (Config, error) {
		var c Config
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		c.RegisterFlags(fs)
		return c, fs.Parse(args)
	}
	c, err := parse()
	if err != nil || c.DriftInterval != 24*time.Hour || c.DriftConcurrency != 2 || len(c.DriftRemediate) != 0 ||
		c.DriftRemediate.For("standard") != drift.ModeReport {
		t.Fatalf("defaults: %v %+v", err, c)
	}
	t.Setenv("TENANTOPS_TRIGGER_DRIFT_INTERVAL", "6h")
	t.Setenv("TENANTOPS_TRIGGER_DRIFT_REMEDIATE", "premium-dr=apply")
	t.Setenv("TENANTOPS_TRIGGER_DRIFT_NOTIFY_SECRET", "notify-secret-0123456789")
	c, err = parse("--drift-concurrency", "5")
	if err != nil || c.DriftInterval != 6*time.Hour || c.DriftConcurrency != 5 || c.DriftRemediate.For("premium-dr") != drift.ModeApply ||
		c.DriftNotifySecret != "notify-secret-0123456789" {
		t.Fatalf("environment: %v %+v", err, c)
	}
	c, err = parse("--drift-remediate", "standard=apply")
	if err != nil || c.DriftRemediate.String() != "standard=apply" {
		t.Fatalf("the flag replaces the environment's policy: %v %v", err, c.DriftRemediate)
	}
	if _, err := parse("--drift-remediate", "standard=fix"); err == nil || !strings.Contains(err.Error(), `mode "fix" must be report or apply`) {
		t.Fatalf("bad mode: %v", err)
	}
	t.Setenv("TENANTOPS_TRIGGER_DRIFT_REMEDIATE", "standard")
	c, _ = parse()
	if err := c.EnvError(); err == nil || !strings.Contains(err.Error(), "TENANTOPS_TRIGGER_DRIFT_REMEDIATE") {
		t.Fatalf("bad policy in the environment: %v", err)
	}

	d := Defaults()
	d.TemplatesDir = filepath.Join(testenv.RepoRoot(), "templates", "tenants")
	d.DriftRemediate = drift.Policy{"gold": drift.ModeApply, "standard": drift.ModeApply}
	d.DriftNotifyURL = "https://ops.example.com/drift"
	d.DriftInterval = -time.Second
	d.DriftConcurrency = 0
	err = d.Validate()
	for _, want := range []string{`drift-remediate: no tier "gold"`, "drift-notify-secret of at least 16 characters",
		"drift-interval must not be negative", "drift-concurrency must be at least 1"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate: %v, want it to say %q", err, want)
		}
	}
	if err != nil && strings.Contains(err.Error(), `"standard"`) {
		t.Errorf("Validate refuses an existing tier: %v", err)
	}
}
