package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/tenantops/tenantops/trigger/runner"
	"github.com/tenantops/tenantops/trigger/seal"
	"github.com/tenantops/tenantops/trigger/server"
	"github.com/tenantops/tenantops/trigger/store"
)

func cmdNewKey(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("new-key", flag.ContinueOnError)
	id := fs.String("id", "", "key id, e.g. the month it starts sealing: 2026-12 (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *id == "" {
		return errors.New("--id is required")
	}
	line, err := seal.NewKeyLine(*id)
	if err != nil {
		return err
	}
	fmt.Println(line)
	return nil
}

// cmdRotateKey re-encrypts every spec revision's secrets, and with OpenTofu
// every tenant's state, under the newest key of the keyring; plain-text
// secrets and states (from before encryption) are encrypted on the way.
// Run it after appending a key, then drop the older key from the keyring.
func cmdRotateKey(ctx context.Context, args []string) error {
	var cfg server.Config
	fs := flag.NewFlagSet("rotate-key", flag.ContinueOnError)
	cfg.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.EnvError(); err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return errors.New("--database-url is required")
	}
	k, err := seal.Load(cfg.EncryptionKeyFile, cfg.EncryptionKeys)
	if cfg.EncryptionKeyFile == "" && cfg.EncryptionKeys == "" {
		err = errors.New("the keys are required: --encryption-key-file or TENANTOPS_TRIGGER_ENCRYPTION_KEYS")
	}
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := store.CheckSpecSeals(ctx, st.Pool, k); err != nil {
		return err
	}
	rep, err := store.SealSpecs(ctx, st.Pool, k, true)
	if err != nil {
		return err
	}
	fmt.Printf("spec revisions: %d read; %d secrets sealed from plain text, %d resealed; every secret now under key %q\n",
		rep.Revisions, rep.Plain, rep.Resealed, k.Primary())
	stateCfg, err := server.StateEncryptionFor(ctx, cfg.StateEncryption, cfg.TerraformBin, k, true)
	if err != nil {
		return err
	}
	if stateCfg == "" {
		fmt.Println("states: left as they are (--state-encryption=off, or an engine without state encryption; docs/security.md)")
		return nil
	}
	n, err := reencryptStates(ctx, st, cfg, k, stateCfg)
	fmt.Printf("states: %d encrypted or re-encrypted under key %q\n", n, k.Primary())
	return err
}

// reencryptStates pulls every state not yet under the newest key (reading
// it with the older keys or as plain text) and pushes it back, which
// OpenTofu encrypts under the newest key. Only the backend is touched:
// no provider runs.
func reencryptStates(ctx context.Context, st *store.Store, cfg server.Config, k *seal.Keyring, stateCfg string) (int, error) {
	states, err := server.StateKeys(ctx, st.Pool)
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "tenantops-rotate-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "backend.tf"), []byte("terraform {\n  backend \"pg\" {}\n}\n"), 0o600); err != nil {
		return 0, err
	}
	if err := os.WriteFile(filepath.Join(dir, "terraformrc"), nil, 0o600); err != nil {
		return 0, err
	}
	tf, err := tfexec.NewTerraform(dir, cfg.TerraformBin)
	if err != nil {
		return 0, err
	}
	if err := tf.SetEnv(map[string]string{
		"PATH": os.Getenv("PATH"), "HOME": dir, "CHECKPOINT_DISABLE": "1",
		"TF_CLI_CONFIG_FILE": filepath.Join(dir, "terraformrc"), "PG_CONN_STR": cfg.DatabaseURL,
		"PG_SKIP_SCHEMA_CREATION": "true", "PG_SKIP_TABLE_CREATION": "true", "PG_SKIP_INDEX_CREATION": "true",
		runner.StateEncryptionEnv: stateCfg,
	}); err != nil {
		return 0, err
	}
	rd := runner.NewRedactor(nil, cfg.DatabaseURL)
	redact := func(s string) string { return rd.Redact(s, runner.StateSecrets(stateCfg)...) }
	if err := tf.Init(ctx, tfexec.Reconfigure(true)); err != nil {
		return 0, errors.New(redact("init: " + err.Error()))
	}
	done := 0
	for _, s := range states {
		if s.Encrypted && slices.Equal(s.KeyIDs, []string{k.Primary()}) {
			continue
		}
		if err := tf.WorkspaceSelect(ctx, s.Name); err != nil {
			return done, errors.New(redact(fmt.Sprintf("state %q: %v", s.Name, err)))
		}
		pulled, err := tf.StatePull(ctx)
		if err != nil {
			return done, errors.New(redact(fmt.Sprintf("state %q: pull: %v", s.Name, err)))
		}
		file := filepath.Join(dir, "pulled.tfstate")
		if err := os.WriteFile(file, []byte(pulled), 0o600); err != nil {
			return done, err
		}
		err = tf.StatePush(ctx, file)
		_ = os.Remove(file)
		if err != nil {
			return done, errors.New(redact(fmt.Sprintf("state %q: push: %v", s.Name, err)))
		}
		done++
	}
	return done, nil
}
