package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantops/tenantops/internal/tfengine"
	"github.com/tenantops/tenantops/trigger/runner"
	"github.com/tenantops/tenantops/trigger/seal"
	"github.com/tenantops/tenantops/trigger/store"
)

// State encryption modes (--state-encryption).
const (
	StateEncryptionAuto = "auto" // on with OpenTofu, off with Terraform
	StateEncryptionOn   = "on"
	StateEncryptionOff  = "off"
)

// LoadKeyring returns the configured keyring, reading --encryption-key-file and
// TENANTOPS_TRIGGER_ENCRYPTION_KEYS the first time.
func (c *Config) LoadKeyring() (*seal.Keyring, error) {
	if c.Keyring != nil {
		return c.Keyring, nil
	}
	if c.EncryptionKeyFile == "" && c.EncryptionKeys == "" {
		return nil, errors.New("encryption keys are required (--encryption-key-file, or " + envName("encryption-keys") +
			"): they seal the secrets of stored specs; `tenantops-trigger new-key` makes one")
	}
	k, err := seal.Load(c.EncryptionKeyFile, c.EncryptionKeys)
	if err != nil {
		return nil, fmt.Errorf("encryption keys: %w", err)
	}
	c.Keyring = k
	return k, nil
}

// IsOpenTofu reports whether bin is OpenTofu (its `version` says so).
func IsOpenTofu(ctx context.Context, bin string) (bool, error) {
	e, err := tfengine.Detect(ctx, bin)
	return e.IsOpenTofu(), err
}

// StateEncryptionFor returns the OpenTofu encryption configuration the
// runs get under mode (empty: state is not encrypted), or why the mode
// cannot be had with bin.
func StateEncryptionFor(ctx context.Context, mode, bin string, k *seal.Keyring, readPlaintext bool) (string, error) {
	if mode == StateEncryptionOff {
		return "", nil
	}
	tofu, err := IsOpenTofu(ctx, bin)
	if err != nil {
		return "", err
	}
	if !tofu {
		if mode == StateEncryptionOn {
			return "", fmt.Errorf("--state-encryption=on needs OpenTofu: %s does not encrypt state (see docs/security.md for what protects it)", bin)
		}
		return "", nil
	}
	return runner.StateEncryptionConfig(k, readPlaintext), nil
}

// prepareEncryption checks, before anything is served, that the keys open
// what the database holds: every key id sealing a spec revision is in the
// keyring and opens it; spec secrets still in plain text (stored before
// encryption) are sealed now. With state encryption, every state must be
// encrypted under a key of the keyring. It returns the runs' encryption
// configuration.
func prepareEncryption(ctx context.Context, pool *pgxpool.Pool, cfg *Config, log *slog.Logger) (string, error) {
	k, err := cfg.LoadKeyring()
	if err != nil {
		return "", err
	}
	rep, err := store.CheckSpecSeals(ctx, pool, k)
	if err != nil {
		return "", fmt.Errorf("encryption keys: %w", err)
	}
	if rep.Plain > 0 {
		done, err := store.SealSpecs(ctx, pool, k, false)
		if err != nil {
			return "", fmt.Errorf("sealing the plain-text spec secrets: %w", err)
		}
		log.Info("sealed the plain-text secrets of stored spec revisions", "secrets", done.Plain, "key", k.Primary())
	}
	stateCfg, err := StateEncryptionFor(ctx, cfg.StateEncryption, cfg.TerraformBin, k, false)
	if err != nil || stateCfg == "" {
		return "", err
	}
	states, err := StateKeys(ctx, pool)
	if err != nil {
		return "", err
	}
	var plain []string
	for _, s := range states {
		if !s.Encrypted {
			plain = append(plain, s.Name)
			continue
		}
		for _, id := range s.KeyIDs {
			if !k.Has(id) {
				return "", fmt.Errorf("the state of %q is encrypted with key %q, which the encryption keys (%v) do not hold", s.Name, id, k.IDs())
			}
		}
	}
	if len(plain) > 0 {
		return "", fmt.Errorf("%d Terraform states are not encrypted (%s): run `tenantops-trigger rotate-key` once to encrypt them, or serve with --state-encryption=off",
			len(plain), strings.Join(plain, ", "))
	}
	return stateCfg, nil
}

// StateInfo tells how one state in the pg backend is stored.
type StateInfo struct {
	Name      string
	Encrypted bool
	// KeyIDs are the keyring ids of OpenTofu's key providers in the
	// state's metadata.
	KeyIDs []string
}

// StateKeys reads, for every state in the pg backend, whether it is
// encrypted and under which of the trigger's keys. Empty rows (a
// workspace never written) are left out.
func StateKeys(ctx context.Context, pool *pgxpool.Pool) ([]StateInfo, error) {
	rows, err := pool.Query(ctx, `SELECT name, coalesce(data, '') FROM terraform_remote_state.states ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StateInfo
	for rows.Next() {
		var name, data string
		if err := rows.Scan(&name, &data); err != nil {
			return nil, err
		}
		if strings.TrimSpace(data) == "" {
			continue
		}
		var doc struct {
			Meta      map[string]json.RawMessage `json:"meta"`
			Encrypted json.RawMessage            `json:"encrypted_data"`
		}
		if err := json.Unmarshal([]byte(data), &doc); err != nil {
			return nil, fmt.Errorf("state %q: %w", name, err)
		}
		s := StateInfo{Name: name, Encrypted: len(doc.Encrypted) > 0}
		for key := range doc.Meta {
			if id, ok := strings.CutPrefix(key, "key_provider.pbkdf2."+runner.StateKeyProvider("")); ok {
				s.KeyIDs = append(s.KeyIDs, id)
			}
		}
		sort.Strings(s.KeyIDs)
		out = append(out, s)
	}
	return out, rows.Err()
}
