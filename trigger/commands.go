package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tenantops/tenantops/trigger/runner"
	"github.com/tenantops/tenantops/trigger/server"
	"github.com/tenantops/tenantops/trigger/spec"
	"github.com/tenantops/tenantops/trigger/workspace"
)

func cmdServe(ctx context.Context, args []string) error {
	var cfg server.Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.Version = version
	return server.Run(ctx, cfg)
}

func cmdMigrate(ctx context.Context, args []string) error {
	var cfg server.Config
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	cfg.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return errors.New("--database-url is required")
	}
	return server.Migrate(ctx, cfg.DatabaseURL)
}

// specFlags are shared by render and plan.
type specFlags struct {
	cfg      server.Config
	specFile string
}

func (s *specFlags) register(fs *flag.FlagSet) {
	s.cfg.RegisterFlags(fs)
	fs.StringVar(&s.specFile, "spec", "", "CRM webhook JSON file holding the tenant spec (required)")
}

func (s *specFlags) load() (spec.Tenant, error) {
	if err := s.cfg.EnvError(); err != nil {
		return spec.Tenant{}, err
	}
	if s.specFile == "" {
		return spec.Tenant{}, errors.New("--spec is required")
	}
	b, err := os.ReadFile(s.specFile)
	if err != nil {
		return spec.Tenant{}, err
	}
	tiers, err := workspace.Tiers(s.cfg.TemplatesDir)
	if err != nil {
		return spec.Tenant{}, err
	}
	if err := s.cfg.CheckPlatform(); err != nil {
		return spec.Tenant{}, err
	}
	ev, err := spec.Parse(b, tiers)
	if err != nil {
		return spec.Tenant{}, err
	}
	return ev.Tenant, nil
}

func cmdRender(_ context.Context, args []string) error {
	var s specFlags
	var out string
	fs := flag.NewFlagSet("render", flag.ContinueOnError)
	s.register(fs)
	fs.StringVar(&out, "out", "", "directory to write the workspace to (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if out == "" {
		return errors.New("--out is required")
	}
	t, err := s.load()
	if err != nil {
		return err
	}
	_, err = workspace.Render(workspace.Options{TemplatesDir: s.cfg.TemplatesDir, Dir: out, Tenant: t,
		Platform: s.cfg.Platform, DirectoryEnabled: s.cfg.DirectoryEnabled, MirrorDir: s.cfg.ProviderMirror})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "rendered tenant %s (tier %s) into %s\n", t.ID, t.Tier, out)
	return nil
}

func cmdPlan(ctx context.Context, args []string) error {
	var s specFlags
	var format string
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	s.register(fs)
	fs.StringVar(&format, "format", "markdown", "output format: markdown or json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if format != "markdown" && format != "json" {
		return fmt.Errorf("--format must be markdown or json")
	}
	t, err := s.load()
	if err != nil {
		return err
	}
	if s.cfg.ProviderMirror == "" {
		return errors.New("--provider-mirror is required")
	}
	work, err := os.MkdirTemp("", "tenantops-plan-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	cli := filepath.Join(work, "terraformrc")
	if err := workspace.WriteCLIConfig(cli, s.cfg.ProviderMirror); err != nil {
		return err
	}
	env := s.cfg.ProviderEnv
	if env == nil {
		env = server.ProviderEnvFromOS()
	}
	// Against the tenant's state in the database, an encrypted state
	// needs the service's keys (serve's flags); without a database the
	// plan starts from an empty local state.
	var stateEnc string
	if s.cfg.DatabaseURL != "" && s.cfg.StateEncryption != server.StateEncryptionOff {
		keys, err := s.cfg.LoadKeyring()
		if err != nil {
			return err
		}
		if stateEnc, err = server.StateEncryptionFor(ctx, s.cfg.StateEncryption, s.cfg.TerraformBin, keys, false); err != nil {
			return err
		}
	}
	sum, err := runner.PlanOnly(ctx, runner.Config{
		StateEncryption: stateEnc, TerraformBin: s.cfg.TerraformBin, WorkDir: work, TemplatesDir: s.cfg.TemplatesDir,
		MirrorDir: s.cfg.ProviderMirror, CLIConfigFile: cli, DatabaseURL: s.cfg.DatabaseURL,
		ProviderEnv: env, Platform: s.cfg.Platform, DirectoryEnabled: s.cfg.DirectoryEnabled,
		Parallelism: s.cfg.Parallelism, LockTimeout: s.cfg.LockTimeout, InterruptGrace: 30 * time.Second,
		LocalBackend: s.cfg.DatabaseURL == "",
	}, t)
	if err != nil {
		return err
	}
	if format == "json" {
		b, _ := json.MarshalIndent(sum, "", "  ")
		fmt.Println(string(b))
		return nil
	}
	fmt.Print(sum.Markdown(fmt.Sprintf("Terraform plan for tenant `%s` (tier `%s`)", t.ID, t.Tier)))
	return nil
}
