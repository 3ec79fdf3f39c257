package testenv

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Samba is a running Active Directory domain controller (or, when
// TENANTOPS_TEST_LDAP_URL is set, an existing directory the tests use
// instead). All fields are what an LDAP client needs to talk to it.
type Samba struct {
	URL          string // ldaps://127.0.0.X:636
	Host         string // the loopback address the DC listens on
	BaseDN       string // DC=test,DC=local
	Realm        string // TEST.LOCAL
	BindDN       string // the domain administrator
	BindPassword string
	CAPEM        string // PEM of the CA that signed the DC's certificate
	CAFile       string // the same CA as a file

	baseline map[string]bool // lower-cased DNs present right after start-up

	dir   string
	cmd   *exec.Cmd
	stdin *os.File // held open: samba stops when its stdin closes
	lock  *os.File
	done  chan struct{}
	once  sync.Once
}

const (
	sambaRealm    = "TEST.LOCAL"
	sambaDomain   = "TEST"
	sambaHostName = "dc1"
	sambaBaseDN   = "DC=test,DC=local"
	// sambaAdminPassword satisfies the default AD complexity rules that are
	// in force while the domain is provisioned.
	sambaAdminPassword = "Tenantops-Adm1n!Pw"
)

// StartSamba provisions a fresh Samba AD domain (realm TEST.LOCAL) into a
// temporary directory and starts a domain controller that serves LDAPS on a
// loopback address of its own (127.0.0.10..40, chosen with a lock file, since
// LDAP's ports are fixed). Nothing outside the temporary directory is touched
// except the lock file; the samba packages are installed with apt-get when
// missing. Samba must run as root; as anyone else set TENANTOPS_TEST_LDAP_URL
// (and _BIND_DN, _BIND_PASSWORD, _CA_FILE, _BASE_DN) to use an existing DC.
// Progress and timings go to stderr. Close stops the DC and removes
// everything it created.
func StartSamba() (*Samba, error) {
	if u := os.Getenv("TENANTOPS_TEST_LDAP_URL"); u != "" {
		return sambaFromEnv(u)
	}
	if os.Geteuid() != 0 {
		return nil, errors.New("starting a Samba AD domain controller needs root (samba refuses to run otherwise); " +
			"run the tests as root or point them at an existing directory with TENANTOPS_TEST_LDAP_URL, " +
			"TENANTOPS_TEST_LDAP_BIND_DN, TENANTOPS_TEST_LDAP_BIND_PASSWORD, TENANTOPS_TEST_LDAP_CA_FILE and " +
			"TENANTOPS_TEST_LDAP_BASE_DN")
	}
	start := time.Now()
	logf("samba: starting at %s", start.UTC().Format(time.RFC3339))
	if err := ensureSambaInstalled(); err != nil {
		return nil, err
	}
	lock, host, err := lockLoopback()
	if err != nil {
		return nil, err
	}
	s := &Samba{
		URL: "ldaps://" + host + ":636", Host: host, BaseDN: sambaBaseDN, Realm: sambaRealm,
		BindDN:       "CN=Administrator,CN=Users," + sambaBaseDN,
		BindPassword: sambaAdminPassword,
		lock:         lock,
		done:         make(chan struct{}),
	}
	if err := s.start(); err != nil {
		s.Close()
		return nil, err
	}
	if s.baseline, err = s.dns(); err != nil {
		s.Close()
		return nil, fmt.Errorf("samba: listing the provisioned domain: %w", err)
	}
	logf("samba: DC %s ready at %s after %s", s.URL, time.Now().UTC().Format(time.RFC3339),
		time.Since(start).Round(time.Millisecond))
	return s, nil
}

// Inventory lists every object added to the domain since the DC started
// (sorted DNs), so tests can assert that nothing was left behind, the same
// way they ask the simulators. A failure to list is reported as an entry.
func (s *Samba) Inventory() []string {
	all, err := s.dns()
	if err != nil {
		return []string{"inventory failed: " + err.Error()}
	}
	var out []string
	for dn := range all {
		if !s.baseline[dn] {
			out = append(out, dn)
		}
	}
	sort.Strings(out)
	return out
}

// dns returns the lower-cased DNs of every object in the domain partition.
func (s *Samba) dns() (map[string]bool, error) {
	cfg, err := s.TLSConfig()
	if err != nil {
		return nil, err
	}
	c, err := ldap.DialURL(s.URL, ldap.DialWithTLSConfig(cfg))
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if err := c.Bind(s.BindDN, s.BindPassword); err != nil {
		return nil, err
	}
	res, err := c.SearchWithPaging(ldap.NewSearchRequest(s.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		0, 0, false, "(objectClass=*)", []string{"1.1"}, nil), 500)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(res.Entries))
	for _, e := range res.Entries {
		out[strings.ToLower(e.DN)] = true
	}
	return out, nil
}

// TLSConfig trusts the DC's CA only (or the system pool when no CA is known).
func (s *Samba) TLSConfig() (*tls.Config, error) {
	if s.CAPEM == "" { // an external directory with a publicly trusted certificate
		return &tls.Config{MinVersion: tls.VersionTLS12}, nil
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(s.CAPEM)) {
		return nil, errors.New("samba: no CA certificate")
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

func sambaFromEnv(u string) (*Samba, error) {
	s := &Samba{
		URL:          u,
		BaseDN:       os.Getenv("TENANTOPS_TEST_LDAP_BASE_DN"),
		BindDN:       os.Getenv("TENANTOPS_TEST_LDAP_BIND_DN"),
		BindPassword: os.Getenv("TENANTOPS_TEST_LDAP_BIND_PASSWORD"),
		CAFile:       os.Getenv("TENANTOPS_TEST_LDAP_CA_FILE"),
		done:         make(chan struct{}),
	}
	if s.BaseDN == "" || s.BindDN == "" || s.BindPassword == "" {
		return nil, errors.New("TENANTOPS_TEST_LDAP_URL is set: TENANTOPS_TEST_LDAP_BASE_DN, _BIND_DN and _BIND_PASSWORD are required too")
	}
	if s.CAFile != "" {
		b, err := os.ReadFile(s.CAFile)
		if err != nil {
			return nil, fmt.Errorf("TENANTOPS_TEST_LDAP_CA_FILE: %w", err)
		}
		s.CAPEM = string(b)
	}
	// Best effort: an unreachable directory fails in the tests themselves.
	if base, err := s.dns(); err == nil {
		s.baseline = base
	} else {
		logf("samba: %s: no inventory baseline: %v", u, err)
	}
	return s, nil
}

var (
	sambaMu     sync.Mutex
	sambaShared *Samba
	sambaErr    error
)

// SambaForTests returns the test process's shared DC, starting it on first
// use. Tests isolate themselves with an OU of their own. StopSamba (called
// from TestMain after m.Run) stops it.
func SambaForTests() (*Samba, error) {
	sambaMu.Lock()
	defer sambaMu.Unlock()
	if sambaShared == nil && sambaErr == nil {
		sambaShared, sambaErr = StartSamba()
	}
	return sambaShared, sambaErr
}

// StopSamba stops the shared DC if one was started; otherwise it does nothing.
func StopSamba() {
	sambaMu.Lock()
	defer sambaMu.Unlock()
	if sambaShared != nil {
		sambaShared.Close()
		sambaShared = nil
	}
	sambaErr = nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

func tail(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}
