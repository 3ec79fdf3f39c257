// Package dev runs the whole of tenantops on one machine: every backend
// simulator (Cloud Director, Keycloak, Zerto, SCIM, CRM), a throwaway
// PostgreSQL cluster, optionally a Samba AD domain controller, and the
// trigger wired to all of them. It implements the `tenantops-trigger dev`,
// `demo` and `send` subcommands.
package dev

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/tenantops/tenantops/internal/pgcluster"
	"github.com/tenantops/tenantops/internal/sim/crm"
	"github.com/tenantops/tenantops/internal/sim/keycloak"
	"github.com/tenantops/tenantops/internal/sim/scim"
	"github.com/tenantops/tenantops/internal/sim/vcd"
	"github.com/tenantops/tenantops/internal/sim/zerto"
	"github.com/tenantops/tenantops/internal/testenv"
)

// Directory modes: whether dev starts a Samba AD domain controller for the
// tenants' directory resources.
const (
	DirectoryAuto = "auto" // when running as root (Samba refuses otherwise)
	DirectoryOn   = "on"
	DirectoryOff  = "off"
)

// Backends are the simulators and servers dev starts for the trigger.
type Backends struct {
	VCD      *vcd.Server
	Keycloak *keycloak.Server
	Zerto    *zerto.Server
	SCIM     *scim.Server
	CRM      *crm.Server
	// Samba is nil when the directory part is switched off.
	Samba *testenv.Samba
	// Postgres is nil when an external database was given.
	Postgres    *pgcluster.Cluster
	DatabaseURL string
	// Dir holds the CA files and the trigger's work directory.
	Dir string

	// Credentials the simulators accept.
	VCDUser, VCDPassword                   string
	KeycloakClientID, KeycloakClientSecret string
	ZertoClientID, ZertoClientSecret       string

	closers []func()
	once    sync.Once
}

// BackendOptions say what StartBackends starts.
type BackendOptions struct {
	// DatabaseURL uses an existing PostgreSQL instead of a throwaway cluster.
	DatabaseURL string
	// Directory is DirectoryAuto, DirectoryOn or DirectoryOff.
	Directory string
	// WebhookSecret is shared by the CRM simulator and the trigger (random when empty).
	WebhookSecret string
	// Dir is the parent of the temporary directory (os.TempDir when empty).
	Dir string
	// Log receives progress lines.
	Log *slog.Logger
}

// StartBackends starts every simulator, PostgreSQL (unless a URL is given)
// and, when asked, Samba. On error everything already started is stopped.
func StartBackends(ctx context.Context, o BackendOptions) (_ *Backends, err error) {
	log := o.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	b := &Backends{}
	defer func() {
		if err != nil {
			b.Close()
		}
	}()
	b.Dir, err = os.MkdirTemp(o.Dir, "tenantops-dev-")
	if err != nil {
		return nil, err
	}
	dir := b.Dir
	b.closers = append(b.closers, func() { os.RemoveAll(dir) })

	secret := o.WebhookSecret
	if secret == "" {
		secret = randomHex(24)
	}
	// Each simulator gets its own random credentials so nothing in dev mode
	// works with a well-known password.
	b.VCDUser, b.VCDPassword = "admin", randomHex(12)
	if b.VCD, err = vcd.Start(vcd.Options{User: b.VCDUser, Password: b.VCDPassword}); err != nil {
		return nil, fmt.Errorf("cloud director simulator: %w", err)
	}
	b.closers = append(b.closers, b.VCD.Close)

	b.KeycloakClientID, b.KeycloakClientSecret = "tenantops", randomHex(12)
	if b.Keycloak, err = keycloak.Start(keycloak.Options{AdminClientID: b.KeycloakClientID, AdminClientSecret: b.KeycloakClientSecret,
		AdminPassword: randomHex(12)}); err != nil {
		return nil, fmt.Errorf("keycloak simulator: %w", err)
	}
	b.closers = append(b.closers, b.Keycloak.Close)
	// Cloud Director reads the realms' discovery documents and keys itself.
	if err := b.VCD.TrustIdentityProvider(b.Keycloak.CAPEM); err != nil {
		return nil, err
	}

	b.ZertoClientID, b.ZertoClientSecret = "tenantops", randomHex(12)
	// The ZVM protects the Cloud Director simulator's vApps.
	if b.Zerto, err = zerto.Start(zerto.Options{ClientID: b.ZertoClientID, ClientSecret: b.ZertoClientSecret,
		Password: randomHex(12), VApps: testenv.ZertoVApps(b.VCD)}); err != nil {
		return nil, fmt.Errorf("zerto simulator: %w", err)
	}
	b.closers = append(b.closers, b.Zerto.Close)

	if b.SCIM, err = scim.Start(scim.Options{Token: randomHex(16)}); err != nil {
		return nil, fmt.Errorf("scim server: %w", err)
	}
	b.closers = append(b.closers, b.SCIM.Close)

	cert, err := crmCertificate()
	if err != nil {
		return nil, fmt.Errorf("crm simulator certificate: %w", err)
	}
	if b.CRM, err = crm.Start(crm.Options{Secret: []byte(secret), Certificate: &cert}); err != nil {
		return nil, fmt.Errorf("crm simulator: %w", err)
	}
	b.closers = append(b.closers, b.CRM.Close)
	log.Info("simulators started")

	if o.DatabaseURL != "" {
		b.DatabaseURL = o.DatabaseURL
	} else {
		t0 := time.Now()
		pg, err := pgcluster.Start(ctx, pgcluster.Options{})
		if err != nil {
			return nil, fmt.Errorf("throwaway PostgreSQL (pass --database-url to use your own): %w", err)
		}
		b.Postgres = pg
		b.closers = append(b.closers, func() { _ = pg.Stop() })
		b.DatabaseURL = pg.URL
		log.Info("postgresql started", "port", pg.Port, "took", time.Since(t0).Round(time.Millisecond))
	}

	if wantDirectory(o.Directory) {
		t0 := time.Now()
		log.Info("starting a Samba AD domain controller")
		s, err := testenv.StartSamba()
		if err != nil {
			if o.Directory == DirectoryOn {
				return nil, fmt.Errorf("samba: %w", err)
			}
			log.Warn("directory resources switched off: Samba did not start", "error", err.Error())
		} else {
			b.Samba = s
			b.closers = append(b.closers, s.Close)
			log.Info("samba started", "url", s.URL, "took", time.Since(t0).Round(time.Millisecond))
		}
	}
	return b, nil
}

func wantDirectory(mode string) bool {
	switch mode {
	case DirectoryOn:
		return true
	case DirectoryOff:
		return false
	default:
		return os.Geteuid() == 0 || os.Getenv("TENANTOPS_TEST_LDAP_URL") != ""
	}
}

// Secret returns the webhook secret shared with the CRM simulator.
func (b *Backends) Secret() string { return b.CRM.Secret() }

// ProviderEnv is the environment that points the tenantops provider at the
// backends (TENANTOPS_<BLOCK>_<ATTR>).
func (b *Backends) ProviderEnv() map[string]string {
	env := map[string]string{
		"TENANTOPS_VCD_URL":      b.VCD.URL,
		"TENANTOPS_VCD_USER":     b.VCDUser,
		"TENANTOPS_VCD_PASSWORD": b.VCDPassword,
		"TENANTOPS_VCD_ORG":      "System",
		"TENANTOPS_VCD_CA_PEM":   b.VCD.CAPEM,

		"TENANTOPS_KEYCLOAK_URL":           b.Keycloak.URL,
		"TENANTOPS_KEYCLOAK_REALM":         "master",
		"TENANTOPS_KEYCLOAK_CLIENT_ID":     b.KeycloakClientID,
		"TENANTOPS_KEYCLOAK_CLIENT_SECRET": b.KeycloakClientSecret,
		"TENANTOPS_KEYCLOAK_CA_PEM":        b.Keycloak.CAPEM,

		"TENANTOPS_SCIM_URL":    b.SCIM.URL,
		"TENANTOPS_SCIM_TOKEN":  b.SCIM.Token,
		"TENANTOPS_SCIM_CA_PEM": b.SCIM.CAPEM,

		"TENANTOPS_ZERTO_URL":           b.Zerto.URL,
		"TENANTOPS_ZERTO_CLIENT_ID":     b.ZertoClientID,
		"TENANTOPS_ZERTO_CLIENT_SECRET": b.ZertoClientSecret,
		"TENANTOPS_ZERTO_CA_PEM":        b.Zerto.CAPEM,
	}
	if s := b.Samba; s != nil {
		env["TENANTOPS_DIRECTORY_URL"] = s.URL
		env["TENANTOPS_DIRECTORY_BIND_DN"] = s.BindDN
		env["TENANTOPS_DIRECTORY_BIND_PASSWORD"] = s.BindPassword
		env["TENANTOPS_DIRECTORY_CA_PEM"] = s.CAPEM
		// On loopback Keycloak federates with the same account; a real
		// deployment gives it a read-only one.
		env["TENANTOPS_FEDERATION_BIND_PASSWORD"] = s.BindPassword
	}
	return env
}

// Platform returns the operator-chosen template variables that match what
// the simulators hold (provider VDC, storage profile, DR sites, ...). Every
// key is a variable some tier declares: the trigger refuses others.
func (b *Backends) Platform() map[string]any {
	p := map[string]any{
		"provider_vdc":        "pvdc-1",
		"storage_profile":     "gold",
		"network_pool":        "np-1",
		"portal_url":          b.VCD.URL,
		"dr_recovery_site":    zerto.RecoverySiteName,
		"dr_recovery_org_vdc": zerto.RecoveryVdc,
		"dr_storage_policy":   zerto.StoragePolicy,
		"dr_failover_network": zerto.FailoverNetwork,
		"dr_test_network":     zerto.TestNetwork,
		"dr_service_profile":  zerto.ServiceProfileName,
		"dr_zorg":             zerto.ZorgName,
	}
	if s := b.Samba; s != nil {
		p["directory_base_dn"] = s.BaseDN
		p["directory_ldap_url"] = s.URL
		p["directory_bind_dn"] = s.BindDN
	}
	return p
}

// Inventories returns every backend's Inventory, by backend name.
func (b *Backends) Inventories() map[string][]string {
	return map[string][]string{
		"vcd":      b.VCD.Inventory(),
		"keycloak": b.Keycloak.Inventory(),
		"zerto":    b.Zerto.Inventory(),
		"scim":     b.SCIM.Inventory(),
	}
}

// WriteCA writes the PEM of every simulator certificate into one bundle
// file, alone in its directory, and returns its path (for curl --cacert and the trigger's clients).
func (b *Backends) WriteCA() (string, error) {
	dir := filepath.Join(b.Dir, "ca")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "simulators-ca.pem")
	pems := b.VCD.CAPEM + b.Keycloak.CAPEM + b.Zerto.CAPEM + b.SCIM.CAPEM + b.CRM.CAPEM
	if b.Samba != nil {
		pems += b.Samba.CAPEM
	}
	return path, os.WriteFile(path, []byte(pems), 0o600)
}

// Close stops everything StartBackends started, newest first. It is safe
// to call more than once.
func (b *Backends) Close() {
	b.once.Do(func() {
		for i := len(b.closers) - 1; i >= 0; i-- {
			b.closers[i]()
		}
	})
}

func randomHex(n int) string {
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		panic(errors.New("crypto/rand failed: " + err.Error()))
	}
	return hex.EncodeToString(buf)
}
