package testenv

import (
	"crypto/rand"
	"crypto/rsa"
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
	"strings"
	"time"
)

// start provisions the domain into a new temporary directory and runs the DC.
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
	return s.run(conf)
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

func sambaBin() string { return findBin("samba") }

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
