// Command tenantops-trigger turns CRM webhooks into Terraform runs that
// onboard, update and offboard tenants.
//
//	tenantops-trigger serve   [flags]   serve the webhook intake, the run workers and the API
//	tenantops-trigger migrate [flags]   apply the database migrations and exit
//	tenantops-trigger render  --spec f.json --out dir   write the tenant's Terraform workspace (GitOps)
//	tenantops-trigger plan    --spec f.json --format markdown|json   summarise the changes a spec makes
//	tenantops-trigger fleet plan --templates dir [--tier T]   plan a template tree across every tenant, read-only
//	tenantops-trigger fleet rollout start|list|status|pause|resume|abort   roll a template revision out in waves
//	tenantops-trigger version   print the version
//
// The loopback sandbox with the simulators (dev, demo, send) is the separate
// command tenantops-sandbox (cmd/tenantops-sandbox), so this binary links no
// test or simulator code.
//
// Every flag also reads TENANTOPS_TRIGGER_<FLAG> (dashes as underscores);
// `tenantops-trigger <command> --help` lists them with their defaults.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/tenantops/tenantops/internal/cli"
)

// version is set by the release build (-ldflags "-X main.version=...").
var version = "dev"

var commands = map[string]cli.Command{
	"serve":      {Summary: "serve the webhook intake, run workers, callbacks and the API", Run: cmdServe},
	"migrate":    {Summary: "apply the database migrations and exit", Run: cmdMigrate},
	"render":     {Summary: "render a tenant workspace from a spec: --spec f.json --out dir", Run: cmdRender},
	"plan":       {Summary: "plan a spec and print a change summary: --spec f.json --format markdown|json", Run: cmdPlan},
	"new-key":    {Summary: "print a new encryption key line for --encryption-key-file: new-key --id 2026-12", Run: cmdNewKey},
	"rotate-key": {Summary: "re-encrypt every spec secret (and, with OpenTofu, every state) under the newest key", Run: cmdRotateKey},
	"fleet":      {Summary: "operations over every tenant of a tier: fleet plan --templates dir [--tier T]; fleet rollout start --tier T", Run: cmdFleet},
	"version":    {Summary: "print the version", Run: cmdVersion},
}

func cmdVersion(_ context.Context, _ []string) error {
	_, err := fmt.Fprintf(os.Stdout, "tenantops-trigger %s\n", version)
	return err
}

// moved names the sandbox commands this binary used to carry, so that an old
// habit gets a pointer instead of "unknown command".
var moved = map[string]bool{"dev": true, "demo": true, "send": true}

// movedError says where a moved command went, or is nil for any other name.
func movedError(name string) error {
	if !moved[name] {
		return nil
	}
	return fmt.Errorf("%q moved to its own command: tenantops-sandbox %s (go build ./cmd/tenantops-sandbox)", name, name)
}

func main() {
	cli.Program{Name: "tenantops-trigger", Commands: commands, Explain: movedError}.Main()
}
