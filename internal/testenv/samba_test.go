package testenv

import (
	"os"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

// TestSambaStarts provisions and starts a DC, binds over verified LDAPS and
// reads the domain's root entry, then stops it.
func TestSambaStarts(t *testing.T) {
	s, err := StartSamba()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cfg, err := s.TLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	c, err := ldap.DialURL(s.URL, ldap.DialWithTLSConfig(cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Bind(s.BindDN, s.BindPassword); err != nil {
		t.Fatal(err)
	}
	res, err := c.Search(ldap.NewSearchRequest(s.BaseDN, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=domain)", []string{"objectGUID"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 1 || len(res.Entries[0].GetRawAttributeValue("objectGUID")) != 16 {
		t.Fatalf("unexpected domain entry: %+v", res.Entries)
	}
	if inv := s.Inventory(); len(inv) != 0 {
		t.Fatalf("fresh domain has an inventory: %q", inv)
	}
	add := ldap.NewAddRequest("OU=inventory-probe,"+s.BaseDN, nil)
	add.Attribute("objectClass", []string{"organizationalUnit"})
	if err := c.Add(add); err != nil {
		t.Fatal(err)
	}
	if inv := s.Inventory(); len(inv) != 1 || inv[0] != "ou=inventory-probe,dc=test,dc=local" {
		t.Fatalf("inventory after adding an OU: %q", inv)
	}
	if err := c.Bind(s.BindDN, "wrong"); err == nil {
		t.Fatal("bind with a wrong password succeeded")
	}
}

// TestSambaFromEnv uses an existing directory instead of starting one.
func TestSambaFromEnv(t *testing.T) {
	ca := t.TempDir() + "/ca.pem"
	if err := os.WriteFile(ca, []byte("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TENANTOPS_TEST_LDAP_URL", "ldaps://dc.example.com:636")
	t.Setenv("TENANTOPS_TEST_LDAP_BIND_DN", "CN=admin,DC=example,DC=com")
	t.Setenv("TENANTOPS_TEST_LDAP_BIND_PASSWORD", "pw")
	t.Setenv("TENANTOPS_TEST_LDAP_BASE_DN", "DC=example,DC=com")
	t.Setenv("TENANTOPS_TEST_LDAP_CA_FILE", ca)
	s, err := StartSamba()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.URL != "ldaps://dc.example.com:636" || s.BaseDN != "DC=example,DC=com" || s.CAFile != ca || s.CAPEM == "" {
		t.Fatalf("unexpected settings: %+v", s)
	}
	t.Setenv("TENANTOPS_TEST_LDAP_BASE_DN", "")
	if _, err := StartSamba(); err == nil || !strings.Contains(err.Error(), "BASE_DN") {
		t.Fatalf("missing base DN: %v", err)
	}
}
