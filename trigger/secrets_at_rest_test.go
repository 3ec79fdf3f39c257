package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/seal"
	"github.com/tenantops/tenantops/trigger/server"
	"github.com/tenantops/tenantops/trigger/store"
	"github.com/tenantops/tenantops/trigger/triggertest"
)

const atRestSecret = "idp-secret-at-rest-7Qx2"

// withIdP gives the tenant an OIDC IdP whose client secret is atRestSecret.
func withIdP(tn map[string]any) {
	tn["sso"] = map[string]any{"mfa": "otp", "idp": map[string]any{"type": "oidc", "alias": "corp",
		"issuer": "https://login.corp.example", "authorization_url": "https://login.corp.example/authorize",
		"token_url": "https://login.corp.example/token", "client_id": "tenantops", "client_secret": atRestSecret}}
}

func dbPool(t *testing.T, dbURL string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// specKeyIDs returns the key id of every sealed spec secret in the table,
// and fails when a secret is readable in it.
func specKeyIDs(t *testing.T, dbURL string) []string {
	t.Helper()
	pool := dbPool(t, dbURL)
	rows, err := pool.Query(context.Background(), `SELECT spec::text FROM tenant_specs ORDER BY tenant, revision`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(raw, atRestSecret) {
			t.Fatalf("tenant_specs holds the IdP client secret in plain text: %s", raw)
		}
		got, plain, err := seal.SealedKeyIDs([]byte(raw))
		if err != nil || plain != 0 {
			t.Fatalf("spec %s: %d plain secrets, %v", raw, plain, err)
		}
		ids = append(ids, got...)
	}
	return ids
}

// startErr runs the service with cfg and returns the error it stops with
// before serving.
func startErr(t *testing.T, cfg server.Config) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	started := make(chan struct{})
	cfg.Started = func(string) { close(started) }
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, cfg) }()
	select {
	case err := <-done:
		return err
	case <-started:
		cancel()
		<-done
		t.Fatal("the trigger started")
	}
	return nil
}

func otherKey(t *testing.T, id string) string {
	line, err := seal.NewKeyLine(id)
	if err != nil {
		t.Fatal(err)
	}
	return line
}

// TestE2ESpecSecretsAreSealedRotatedAndRequired: the IdP client secret is
// sealed in tenant_specs and the runner opens it (Keycloak gets it); the
// service refuses to start without the key, with an unknown one or with
// another key under the same id; rotate-key reseals every revision under a
// second key, after which the first can go and the tenant is updated and
// offboarded normally.
func TestE2ESpecSecretsAreSealedRotatedAndRequired(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	crm := startCRM(t)
	db := testenv.NewDatabase(t)
	cfg := testConfig(t, db, t.TempDir(), s, crm)
	cfg.StateEncryption = server.StateEncryptionOff
	tr := startTrigger(t, cfg)
	onboard := postWebhook(t, tr.url, event("evt-rest-1", "customer.created", "acme", withIdP))
	if r := waitRun(t, tr.url, onboard.RunID, 3*time.Minute); r.State != store.StateCompleted {
		t.Fatalf("onboarding: %s %s", r.State, r.Error)
	}
	if ids := specKeyIDs(t, db); len(ids) != 1 || ids[0] != "test-1" {
		t.Fatalf("sealed secrets under %v, want one under test-1", ids)
	}
	idp := s.Keycloak.IdentityProvider("acme", "corp")
	if cfgMap, _ := idp["config"].(map[string]any); cfgMap["clientSecret"] != atRestSecret {
		t.Fatalf("Keycloak's IdP %v: the runner did not apply the opened secret", idp)
	}
	tr.stop(t)

	// Start-up refusals, each naming what is wrong.
	for name, c := range map[string]struct{ keys, want string }{
		"no key":        {"", "encryption keys are required"},
		"unknown key":   {otherKey(t, "test-9"), `sealed with key "test-1", which the encryption keys ([test-9]) do not hold`},
		"another key":   {otherKey(t, "test-1"), `key "test-1": the key of that id does not open it`},
		"not a keyring": {"test-1:short", `key "test-1": the key is not base64`},
	} {
		bad := cfg
		bad.EncryptionKeys, bad.Keyring = c.keys, nil
		err := startErr(t, bad)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: start-up error %v, want %q", name, err, c.want)
		}
		if err != nil && c.keys != "" && strings.Contains(err.Error(), strings.SplitN(c.keys, ":", 2)[1]) {
			t.Errorf("%s: the error shows the key: %v", name, err)
		}
	}

	// Rotation: a second key appended, every revision resealed under it.
	second := otherKey(t, "test-2")
	if err := cmdRotateKey(context.Background(), []string{"--database-url", db, "--terraform-bin", cfg.TerraformBin,
		"--state-encryption", "off", "--encryption-keys", triggertest.EncryptionKeys + "\n" + second}); err != nil {
		t.Fatal(err)
	}
	if ids := specKeyIDs(t, db); len(ids) != 1 || ids[0] != "test-2" {
		t.Fatalf("after rotate-key, sealed under %v, want test-2", ids)
	}
	// The first key is gone: the update and the offboarding open the
	// rotated revisions with the second alone.
	cfg.EncryptionKeys = second
	tr = startTrigger(t, cfg)
	update := postWebhook(t, tr.url, event("evt-rest-2", "customer.updated", "acme", func(tn map[string]any) {
		withIdP(tn)
		tn["display_name"] = "Acme renamed"
	}))
	if r := waitRun(t, tr.url, update.RunID, 3*time.Minute); r.State != store.StateCompleted {
		t.Fatalf("update: %s %s", r.State, r.Error)
	}
	del := postWebhook(t, tr.url, event("evt-rest-3", "customer.deleted", "acme", nil))
	if r := waitRun(t, tr.url, del.RunID, 3*time.Minute); r.State != store.StateCompleted {
		t.Fatalf("offboarding: %s %s", r.State, r.Error)
	}
	if ids := specKeyIDs(t, db); len(ids) != 2 || ids[0] != "test-2" || ids[1] != "test-2" {
		t.Fatalf("sealed under %v, want both revisions under test-2", ids)
	}
}

// tofuBin is the repository's OpenTofu (`make tofu`), which state
// encryption needs whatever engine the suite runs on.
func tofuBin(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(testenv.RepoRoot(), "bin", "tofu")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("OpenTofu is needed for state encryption: run `make tofu` (%v)", err)
	}
	return bin
}

// stateRow returns the tenant's state as stored by the pg backend.
func stateRow(t *testing.T, dbURL, tenant string) string {
	t.Helper()
	var data string
	if err := dbPool(t, dbURL).QueryRow(context.Background(),
		`SELECT coalesce(data, '') FROM terraform_remote_state.states WHERE name = $1`, tenant).Scan(&data); err != nil {
		t.Fatal(err)
	}
	return data
}

// TestE2EOpenTofuStateEncryptedAfterMigration: on OpenTofu, a tenant
// onboarded with state encryption off has a plain-text state (the secret
// readable in the row); the service then refuses to start with encryption
// until rotate-key has migrated the state; after that the row holds no
// secret, and the tenant is re-applied and destroyed normally under the
// newest key alone.
func TestE2EOpenTofuStateEncryptedAfterMigration(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	crm := startCRM(t)
	db := testenv.NewDatabase(t)
	cfg := testConfig(t, db, t.TempDir(), s, crm)
	cfg.TerraformBin = tofuBin(t)
	cfg.StateEncryption = server.StateEncryptionOff
	tr := startTrigger(t, cfg)
	onboard := postWebhook(t, tr.url, event("evt-tofu-1", "customer.created", "acme", withIdP))
	if r := waitRun(t, tr.url, onboard.RunID, 3*time.Minute); r.State != store.StateCompleted {
		t.Fatalf("onboarding: %s %s", r.State, r.Error)
	}
	if row := stateRow(t, db, "acme"); !strings.Contains(row, atRestSecret) {
		t.Fatalf("the plain-text state should hold the secret (the check below would prove nothing): %.300s", row)
	}
	tr.stop(t)

	cfg.StateEncryption = server.StateEncryptionAuto
	if err := startErr(t, cfg); err == nil || !strings.Contains(err.Error(), "1 Terraform states are not encrypted (acme)") {
		t.Fatalf("start-up with a plain-text state: %v", err)
	}

	second := otherKey(t, "test-2")
	if err := cmdRotateKey(context.Background(), []string{"--database-url", db, "--terraform-bin", cfg.TerraformBin,
		"--encryption-keys", triggertest.EncryptionKeys + "\n" + second}); err != nil {
		t.Fatal(err)
	}
	assertEncrypted := func(when string) {
		t.Helper()
		row := stateRow(t, db, "acme")
		for _, leak := range []string{atRestSecret, `"client_secret"`, `"resources"`} {
			if strings.Contains(row, leak) {
				t.Fatalf("%s: the state row holds %s: %.300s", when, leak, row)
			}
		}
		if !strings.Contains(row, `"encrypted_data"`) || !strings.Contains(row, "key_provider.pbkdf2.tenantops_test-2") {
			t.Fatalf("%s: the state row is not encrypted under test-2: %.300s", when, row)
		}
	}
	assertEncrypted("after rotate-key")

	cfg.EncryptionKeys = second
	tr = startTrigger(t, cfg)
	update := postWebhook(t, tr.url, event("evt-tofu-2", "customer.updated", "acme", func(tn map[string]any) {
		withIdP(tn)
		tn["display_name"] = "Acme renamed"
	}))
	if r := waitRun(t, tr.url, update.RunID, 3*time.Minute); r.State != store.StateCompleted {
		t.Fatalf("update on the encrypted state: %s %s", r.State, r.Error)
	}
	assertEncrypted("after the update")
	del := postWebhook(t, tr.url, event("evt-tofu-3", "customer.deleted", "acme", nil))
	if r := waitRun(t, tr.url, del.RunID, 3*time.Minute); r.State != store.StateCompleted {
		t.Fatalf("offboarding on the encrypted state: %s %s", r.State, r.Error)
	}
	if inv := s.Inventory(); len(inv) != 0 {
		t.Fatalf("left after the offboarding: %v", inv)
	}
}
