package testenv

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
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

func (s *Samba) start() error {
	dir, err := os.MkdirTemp("", "tenantops-samba-")
	if err != nil {
		return err
	}
	s.dir = dir
	if err := s.writeCertificates(); err != nil {
		return fmt.Errorf("samba: certificates: %w", err)
	}
	t := time.Now()
	if out, err := exec.Command(sambaTool(), "domain", "provision",
		"--targetdir="+dir,
		"--realm="+sambaRealm, "--domain="+sambaDomain, "--server-role=dc",
		"--dns-backend=NONE", "--host-name="+sambaHostName,
		"--adminpass="+sambaAdminPassword,
		"--option=interfaces="+s.Host+"/8", "--option=bind interfaces only=yes",
		"--option=log file="+filepath.Join(dir, "log.%m"),
		"--option=pid directory="+filepath.Join(dir, "pid"),
	).CombinedOutput(); err != nil {
		return fmt.Errorf("samba-tool domain provision: %w\n%s", err, tail(out))
	}
	logf("samba: domain provisioned in %s", time.Since(t).Round(time.Millisecond))
	conf := filepath.Join(dir, "etc", "smb.conf")
	if err := os.WriteFile(conf, []byte(s.smbConf()), 0o600); err != nil {
		return err
	}
	if out, err := exec.Command(sambaTool(), "domain", "passwordsettings", "set",
		"-s", conf, "-H", filepath.Join(dir, "private", "sam.ldb"),
		"--complexity=off", "--min-pwd-length=1", "--min-pwd-age=0", "--history-length=0",
	).CombinedOutput(); err != nil {
		return fmt.Errorf("samba-tool domain passwordsettings: %w\n%s", err, tail(out))
	}

	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	logFile, err := os.Create(filepath.Join(dir, "samba.out"))
	if err != nil {
		return err
	}
	cmd := exec.Command(sambaBin(), "-s", conf, "--foreground", "--no-process-group", "--debug-stdout")
	cmd.Stdin = r
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		logFile.Close()
		return fmt.Errorf("start samba: %w", err)
	}
	r.Close()
	s.cmd, s.stdin = cmd, w
	go func() {
		_ = cmd.Wait()
		logFile.Close()
		close(s.done)
	}()
	return s.waitReady(60 * time.Second)
}

// waitReady polls until the DC answers an LDAPS bind as the administrator.
func (s *Samba) waitReady(limit time.Duration) error {
	cfg, err := s.TLSConfig()
	if err != nil {
		return err
	}
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			out, _ := os.ReadFile(filepath.Join(s.dir, "samba.out"))
			return fmt.Errorf("samba exited during start-up:\n%s", tail(out))
		default:
		}
		c, err := ldap.DialURL(s.URL, ldap.DialWithTLSConfig(cfg),
			ldap.DialWithDialer(&net.Dialer{Timeout: 2 * time.Second}))
		if err == nil {
			err = c.Bind(s.BindDN, s.BindPassword)
			c.Close()
			if err == nil {
				return nil
			}
		}
		last = err
		time.Sleep(250 * time.Millisecond)
	}
	out, _ := os.ReadFile(filepath.Join(s.dir, "samba.out"))
	return fmt.Errorf("samba did not answer an LDAPS bind within %s (last error: %v):\n%s", limit, last, tail(out))
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

// Close stops the DC (the whole process group), removes its directory and
// releases the loopback address. It is safe to call more than once.
func (s *Samba) Close() {
	if s == nil {
		return
	}
	s.once.Do(func() {
		if s.cmd != nil && s.cmd.Process != nil {
			pgid := s.cmd.Process.Pid
			_ = syscall.Kill(-pgid, syscall.SIGTERM)
			select {
			case <-s.done:
			case <-time.After(10 * time.Second):
				_ = syscall.Kill(-pgid, syscall.SIGKILL)
				<-s.done
			}
			// children that outlived the parent share its group
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			logf("samba: DC %s stopped at %s", s.URL, time.Now().UTC().Format(time.RFC3339))
		}
		if s.stdin != nil {
			s.stdin.Close()
		}
		if s.dir != "" {
			os.RemoveAll(s.dir)
		}
		if s.lock != nil {
			s.lock.Close() // releases the flock
		}
	})
}

func (s *Samba) smbConf() string {
	d := s.dir
	return fmt.Sprintf(`# tenantops test domain controller: private paths only
[global]
	netbios name = DC1
	realm = %s
	workgroup = %s
	server role = active directory domain controller
	server services = ldap
	interfaces = %s/8
	bind interfaces only = yes
	private dir = %s/private
	state directory = %s/state
	cache directory = %s/cache
	lock directory = %s/lock
	pid directory = %s/pid
	ncalrpc dir = %s/ncalrpc
	binddns dir = %s/bind-dns
	winbindd socket directory = %s/winbindd
	ntp signd socket directory = %s/ntp_signd
	log file = %s/log.%%m
	log level = 1
	tls enabled = yes
	tls keyfile = %s/tls/key.pem
	tls certfile = %s/tls/cert.pem
	tls cafile = %s/tls/ca.pem
	old password allowed period = 0
	idmap_ldb:use rfc2307 = no
`, sambaRealm, sambaDomain, s.Host, d, d, d, d, d, d, d, d, d, d, d, d, d)
}

// writeCertificates makes a CA and a server certificate whose SANs name the
// loopback address and host name (Samba's self-made certificate has no SANs,
// which Go's verifier rejects).
func (s *Samba) writeCertificates() error {
	tlsDir := filepath.Join(s.dir, "tls")
	if err := os.MkdirAll(tlsDir, 0o700); err != nil {
		return err
	}
	caKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "tenantops test CA", Organization: []string{"tenantops"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	fqdn := sambaHostName + "." + strings.ToLower(sambaRealm)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: fqdn},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{fqdn, sambaHostName, "localhost"},
		IPAddresses:  []net.IP{net.ParseIP(s.Host)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	files := map[string][]byte{
		"ca.pem":   caPEM,
		"cert.pem": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		"key.pem":  pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(tlsDir, name), b, 0o600); err != nil {
			return err
		}
	}
	s.CAPEM = string(caPEM)
	s.CAFile = filepath.Join(tlsDir, "ca.pem")
	return nil
}

// lockLoopback takes an exclusive lock on the first free address of
// 127.0.0.10..40 whose LDAP ports are not in use, so several test processes
// can each run a DC.
func lockLoopback() (*os.File, string, error) {
	for n := 10; n <= 40; n++ {
		host := fmt.Sprintf("127.0.0.%d", n)
		f, err := os.OpenFile(fmt.Sprintf("/tmp/tenantops-samba-%s.lock", host), os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			return nil, "", err
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			continue
		}
		if portsFree(host) {
			return f, host, nil
		}
		f.Close() // a leftover server still holds the ports: skip it
	}
	return nil, "", errors.New("samba: no free loopback address in 127.0.0.10..40 (all locked or in use)")
}

func portsFree(host string) bool {
	for _, p := range []string{"389", "636"} {
		l, err := net.Listen("tcp", net.JoinHostPort(host, p))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}

func ensureSambaInstalled() error {
	if sambaBin() != "" && sambaTool() != "" {
		return nil
	}
	logf("samba: installing samba with apt-get (one time)")
	pkgs := []string{"install", "-y", "samba", "winbind", "krb5-user", "ldb-tools"}
	install := func() ([]byte, error) {
		cmd := exec.Command("apt-get", pkgs...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		return cmd.CombinedOutput()
	}
	if _, err := install(); err != nil {
		if out, err := exec.Command("apt-get", "update").CombinedOutput(); err != nil {
			return fmt.Errorf("apt-get update: %w\n%s", err, tail(out))
		}
		if out, err := install(); err != nil {
			return fmt.Errorf("apt-get install samba: %w\n%s", err, tail(out))
		}
	}
	if sambaBin() == "" || sambaTool() == "" {
		return errors.New("samba: samba or samba-tool still missing after apt-get install")
	}
	return nil
}

func sambaBin() string  { return findBin("samba") }
func sambaTool() string { return findBin("samba-tool") }

func findBin(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, d := range []string{"/usr/sbin", "/usr/bin", "/sbin"} {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
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
