// Package cli is the subcommand dispatch the tenantops commands share:
// `<program> <command> [flags]`, a usage listing, an interrupt that cancels
// the running command, and the exit codes (2 usage, 1 failure).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"syscall"
)

// Command is one subcommand.
type Command struct {
	// Summary is its line in the usage listing.
	Summary string
	// Run gets the arguments after the command's name; flag.ErrHelp is not
	// a failure (the command printed its own help).
	Run func(ctx context.Context, args []string) error
}

// Program is a command-line program made of subcommands.
type Program struct {
	// Name is the program's name in messages.
	Name string
	// Commands maps a command's name to it.
	Commands map[string]Command
	// Explain, when set, may give the reason a name is not a command here
	// (one that moved, say) instead of the usage listing.
	Explain func(name string) error
}

// Main runs the command os.Args names until it returns or the process is
// interrupted, and exits with its status.
func (p Program) Main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := p.Run(ctx, os.Args[1:], os.Stderr)
	stop()
	if code != 0 {
		os.Exit(code)
	}
}

// Run runs the command args name and returns the exit status: 0 on success
// or help, 2 for a missing or unknown command, 1 when the command failed.
func (p Program) Run(ctx context.Context, args []string, stderr io.Writer) int {
	if len(args) < 1 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		p.Usage(stderr)
		if len(args) < 1 {
			return 2
		}
		return 0
	}
	if p.Explain != nil {
		if err := p.Explain(args[0]); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", p.Name, err)
			return 2
		}
	}
	cmd, ok := p.Commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "unknown command %q\n\n", args[0])
		p.Usage(stderr)
		return 2
	}
	if err := cmd.Run(ctx, args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "%s: %v\n", p.Name, err)
		return 1
	}
	return 0
}

// Usage writes the list of commands, sorted by name.
func (p Program) Usage(w io.Writer) {
	fmt.Fprintf(w, "usage: %s <command> [flags]\n\ncommands:\n", p.Name)
	names := make([]string, 0, len(p.Commands))
	width := 0
	for n := range p.Commands {
		names = append(names, n)
		width = max(width, len(n))
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-*s  %s\n", width, n, p.Commands[n].Summary)
	}
	fmt.Fprintf(w, "\nrun `%s <command> --help` for its flags and their defaults\n", p.Name)
}
