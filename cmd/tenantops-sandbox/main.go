// Command tenantops-sandbox runs the whole of tenantops on one machine for
// development and demonstrations: every backend simulator, a throwaway
// PostgreSQL cluster, optionally a Samba AD domain controller, and the
// trigger wired to all of them (package sandbox).
//
//	tenantops-sandbox dev  [flags]                 everything on loopback until interrupted
//	tenantops-sandbox demo [flags]                 onboard three sample customers and check the outcome
//	tenantops-sandbox send --url --secret f.json   sign a CRM webhook file and post it to a trigger
//
// It is a command of its own so that tenantops-trigger, the binary operators
// deploy, links no simulator, no test harness and no throwaway-server code.
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

	"github.com/tenantops/tenantops/sandbox"
)

var commands = map[string]struct {
	summary string
	run     func(ctx context.Context, args []string) error
}{
	"dev":  {"run every simulator, a throwaway PostgreSQL and the trigger on loopback", sandbox.Main},
	"demo": {"run the dev environment, onboard three sample customers and check the outcome", sandbox.DemoMain},
	"send": {"sign a CRM webhook file and post it to a trigger: --url --secret file.json", sandbox.SendMain},
}

func usage() {
	fmt.Fprintf(os.Stderr, "usage: tenantops-sandbox <command> [flags]\n\ncommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-6s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(os.Stderr, "\nrun `tenantops-sandbox <command> --help` for its flags and their defaults\n")
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
		fmt.Fprintln(os.Stderr, "tenantops-sandbox:", err)
		os.Exit(1)
	}
}
