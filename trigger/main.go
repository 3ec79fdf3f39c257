// Command tenantops-trigger turns CRM webhooks into Terraform runs that
// onboard, update and offboard tenants.
//
//	tenantops-trigger serve   [flags]   serve the webhook intake, the run workers and the API
//	tenantops-trigger migrate [flags]   apply the database migrations and exit
//	tenantops-trigger render  --spec f.json --out dir   write the tenant's Terraform workspace (GitOps)
//	tenantops-trigger plan    --spec f.json --format markdown|json   summarise the changes a spec makes
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
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, args []string) error
}

var commands = map[string]command{}

func register(name, summary string, run func(ctx context.Context, args []string) error) {
	commands[name] = command{summary: summary, run: run}
}

func init() {
	register("serve", "serve the webhook intake, run workers, callbacks and the API", cmdServe)
	register("migrate", "apply the database migrations and exit", cmdMigrate)
	register("render", "render a tenant workspace from a spec: --spec f.json --out dir", cmdRender)
	register("plan", "plan a spec and print a change summary: --spec f.json --format markdown|json", cmdPlan)
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

func usage() {
	fmt.Fprintf(os.Stderr, "usage: tenantops-trigger <command> [flags]\n\ncommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(os.Stderr, "\nrun `tenantops-trigger <command> --help` for its flags and their defaults\n")
}

func main() {
	if len(os.Args) < 2 || os.Args[1] == "-h" || os.Args[1] == "--help" || os.Args[1] == "help" {
		usage()
		if len(os.Args) < 2 {
			os.Exit(2)
		}
		return
	}
	cmd, ok := commands[os.Args[1]]
	if err := movedError(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "tenantops-trigger:", err)
		os.Exit(2)
	}
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown command %q\n\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := cmd.run(ctx, os.Args[2:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "tenantops-trigger:", err)
		os.Exit(1)
	}
}
