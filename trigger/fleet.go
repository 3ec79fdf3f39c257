package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantops/tenantops/internal/cli"

	"github.com/tenantops/tenantops/trigger/fleet"
	"github.com/tenantops/tenantops/trigger/runner"
	"github.com/tenantops/tenantops/trigger/server"
	"github.com/tenantops/tenantops/trigger/workspace"
)

// fleetCommands are the subcommands of `tenantops-trigger fleet`.
var fleetCommands = map[string]cli.Command{
	"plan":    {Summary: "plan a template tree against every tenant of its tiers, read-only; prints a PR comment", Run: cmdFleetPlan},
	"rollout": {Summary: "start, show and steer rollouts of a template revision: start|list|status|pause|resume|abort", Run: cmdFleetRollout},
}

// cmdFleet dispatches `tenantops-trigger fleet <command>`.
func cmdFleet(ctx context.Context, args []string) error {
	p := cli.Program{Name: "tenantops-trigger fleet", Commands: fleetCommands}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		p.Usage(os.Stderr)
		if len(args) == 0 {
			return errors.New("fleet: a command is required")
		}
		return flag.ErrHelp
	}
	cmd, ok := fleetCommands[args[0]]
	if !ok {
		p.Usage(os.Stderr)
		return fmt.Errorf("fleet: unknown command %q", args[0])
	}
	return cmd.Run(ctx, args[1:])
}

// fleetPlanFlags are the flags of `fleet plan` on top of the trigger's.
type fleetPlanFlags struct {
	cfg      server.Config
	tiers    string
	parallel int
	format   string
	refresh  bool
	out      string
}

func (f *fleetPlanFlags) parse(args []string) error {
	fs := flag.NewFlagSet("fleet plan", flag.ContinueOnError)
	f.cfg.RegisterFlags(fs)
	fs.StringVar(&f.tiers, "tier", "", "plan only these tiers (comma-separated; default: every tier of --templates)")
	fs.IntVar(&f.parallel, "parallel", 4, "tenants planned at once")
	fs.StringVar(&f.format, "format", "markdown", "output format: markdown or json")
	fs.BoolVar(&f.refresh, "refresh", false, "read every object from the backends before planning (slower; shows drift too)")
	fs.StringVar(&f.out, "out", "", "write the report to this file instead of standard output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("fleet plan: unexpected argument %q", fs.Arg(0))
	}
	switch {
	case f.format != "markdown" && f.format != "json":
		return errors.New("--format must be markdown or json")
	case f.parallel < 1 || f.parallel > 64:
		return fmt.Errorf("--parallel must be between 1 and 64 (got %d)", f.parallel)
	case f.cfg.DatabaseURL == "":
		return errors.New("--database-url is required: the plan reads the tenants and their Terraform state")
	case f.cfg.ProviderMirror == "":
		return errors.New("--provider-mirror is required")
	}
	if err := f.cfg.EnvError(); err != nil {
		return err
	}
	return f.cfg.CheckPlatform()
}

func (f *fleetPlanFlags) tierList() []string {
	var out []string
	for _, t := range strings.Split(f.tiers, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

func cmdFleetPlan(ctx context.Context, args []string) error {
	var f fleetPlanFlags
	if err := f.parse(args); err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "tenantops-fleet-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	cli := filepath.Join(work, "terraformrc")
	if err := workspace.WriteCLIConfig(cli, f.cfg.ProviderMirror); err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, f.cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer pool.Close()
	env := f.cfg.ProviderEnv
	if env == nil {
		env = server.ProviderEnvFromOS()
	}
	// One line per tenant on stderr, as serve logs: the CI job's log shows
	// the progress, the report goes to stdout or --out.
	log := f.cfg.Logger
	if log == nil {
		log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	// The plan reads the tenants' spec revisions (sealed secrets) and,
	// with OpenTofu, their encrypted states: the same keys as serve.
	keys, err := f.cfg.LoadKeyring()
	if err != nil {
		return err
	}
	stateEnc, err := server.StateEncryptionFor(ctx, f.cfg.StateEncryption, f.cfg.TerraformBin, keys, false)
	if err != nil {
		return err
	}
	rep, err := fleet.Plan(ctx, pool, fleet.Options{
		Runner: runner.Config{
			TerraformBin: f.cfg.TerraformBin, WorkDir: work, TemplatesDir: f.cfg.TemplatesDir,
			MirrorDir: f.cfg.ProviderMirror, CLIConfigFile: cli, DatabaseURL: f.cfg.DatabaseURL,
			ProviderEnv: env, Platform: f.cfg.Platform, DirectoryEnabled: f.cfg.DirectoryEnabled,
			Parallelism: f.cfg.Parallelism, LockTimeout: f.cfg.LockTimeout, InterruptGrace: 30 * time.Second,
			Keyring: keys, StateEncryption: stateEnc,
		},
		Tiers: f.tierList(), Parallel: f.parallel, Refresh: f.refresh, Log: log,
	})
	if err != nil {
		return err
	}
	text := rep.Markdown()
	if f.format == "json" {
		text = rep.JSON()
	}
	if f.out != "" {
		return os.WriteFile(f.out, []byte(text), 0o644)
	}
	_, err = io.WriteString(os.Stdout, text)
	return err
}
