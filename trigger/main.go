// Command tenantops-trigger turns CRM webhooks into Terraform runs that
// onboard, update and offboard tenants.
//
//	tenantops-trigger serve   [flags]   serve the webhook intake, the run workers and the API
//	tenantops-trigger migrate [flags]   apply the database migrations and exit
//	tenantops-trigger render  --spec f.json --out dir   write the tenant's Terraform workspace (GitOps)
//	tenantops-trigger plan    --spec f.json --format markdown|json   summarise the changes a spec makes
//	tenantops-trigger dev | demo | send                  loopback sandbox with the simulators (trigger/dev)
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

	"github.com/tenantops/tenantops/trigger/dev"
)

// command is one subcommand; other files register more (e.g. dev).
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
	register("dev", "run every simulator, a throwaway PostgreSQL and the trigger on loopback", dev.Main)
	register("demo", "run the dev environment, onboard three sample customers and check the outcome", dev.DemoMain)
	register("send", "sign a CRM webhook file and post it to a trigger: --url --secret file.json", dev.SendMain)
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
