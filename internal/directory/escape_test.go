package directory

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"
)

func TestEscapeDN(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"Smith, John", `Smith\, John`},
		{"a+b", `a\+b`},
		{`back\slash`, `back\\slash`},
		{"x=y", `x\=y`},
		{`"quoted"`, `\"quoted\"`},
		{"<tag>;", `\<tag\>\;`},
		{"#leading", `\#leading`},
		{"mid#hash", "mid#hash"},
		{" lead", `\ lead`},
		{"trail ", `trail\ `},
		{"in side", "in side"},
		{" ", `\ `},
		{"nul\x00byte", `nul\00byte`},
		{"ctl\nline", `ctl\0Aline`},
		{"*)(uid=*", `*)(uid\=*`},
		{"bad\xffutf8", `bad\FFutf8`},
		{"Müller", "Müller"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := EscapeDN(tt.in); got != tt.want {
			t.Errorf("EscapeDN(%q) = %q, want %q", tt.in, got, tt.want)
		}
		// every escaped value must parse back to exactly the original
		if tt.in != "" {
			assertDNRoundTrip(t, tt.in)
		}
	}
}

func TestEscapeFilter(t *testing.T) {
	tests := []struct{ in, want string }{
		{"alice", "alice"},
		{"*", `\2a`},
		{"*)(objectClass=*", `\2a\29\28objectClass=\2a`},
		{`a\b`, `a\5cb`},
		{"nul\x00", `nul\00`},
		{"é", `\c3\a9`},
		{"admin)(|(cn=*", `admin\29\28|\28cn=\2a`},
	}
	for _, tt := range tests {
		if got := EscapeFilter(tt.in); got != tt.want {
			t.Errorf("EscapeFilter(%q) = %q, want %q", tt.in, got, tt.want)
		}
		assertFilterSafe(t, tt.in)
	}
	if got := EscapeFilterBytes([]byte{0x00, 0x2a, 0xff}); got != `\00\2a\ff` {
		t.Errorf("EscapeFilterBytes = %q", got)
	}
}

func TestNormalizeDN(t *testing.T) {
	same := [][2]string{
		{"CN=Alice,OU=Staff,DC=test,DC=local", "cn=alice, ou=staff, dc=TEST, dc=local"},
		{"CN=Smith\\, John,DC=x", "cn=smith\\2c john,dc=X"},
		{"cn=a+sn=b,dc=x", "SN=B+CN=A,DC=X"},
		{"CN=\\#hash,DC=x", "cn=\\23HASH,dc=x"},
	}
	for _, p := range same {
		if !EqualDN(p[0], p[1]) {
			a, _ := NormalizeDN(p[0])
			b, _ := NormalizeDN(p[1])
			t.Errorf("EqualDN(%q, %q) = false (%q vs %q)", p[0], p[1], a, b)
		}
	}
	differ := [][2]string{
		{"CN=Alice,OU=Staff,DC=test,DC=local", "CN=Alice,OU=Other,DC=test,DC=local"},
		{"CN=a\\,b,DC=x", "CN=a,CN=b,DC=x"},
	}
	for _, p := range differ {
		if EqualDN(p[0], p[1]) {
			t.Errorf("EqualDN(%q, %q) = true", p[0], p[1])
		}
	}
	if !SameDNSet([]string{"CN=A,DC=x", "CN=B,DC=x"}, []string{"cn=b, dc=x", "cn=a,dc=X"}) {
		t.Error("SameDNSet: same members in other spelling differ")
	}
	if SameDNSet([]string{"CN=A,DC=x"}, []string{"CN=A,DC=x", "CN=B,DC=x"}) {
		t.Error("SameDNSet: different sets equal")
	}
	got := ReconcileDNs([]string{"cn=alice, dc=x"}, []string{"CN=Alice,DC=x", "CN=Bob,DC=x"})
	if got[0] != "cn=alice, dc=x" || got[1] != "CN=Bob,DC=x" {
		t.Errorf("ReconcileDNs = %q", got)
	}
}

func TestSplitDN(t *testing.T) {
	name, parent, err := SplitDN(`CN=Smith\, John,OU=Staff,DC=test,DC=local`)
	if err != nil || name != "Smith, John" || parent != "OU=Staff,DC=test,DC=local" {
		t.Fatalf("SplitDN = %q, %q, %v", name, parent, err)
	}
	if _, _, err := SplitDN("not a dn"); err == nil {
		t.Fatal("SplitDN accepted garbage")
	}
}

func TestGUIDRoundTrip(t *testing.T) {
	raw := []byte{0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}
	s := GUIDString(raw)
	if s != "00112233-4455-6677-8899-aabbccddeeff" {
		t.Fatalf("GUIDString = %s", s)
	}
	back, err := GUIDBytes(s)
	if err != nil || string(back) != string(raw) {
		t.Fatalf("GUIDBytes = %x, %v", back, err)
	}
	if _, err := GUIDBytes("CN=x"); err == nil {
		t.Fatal("GUIDBytes accepted a DN")
	}
}

func TestGroupTypeRoundTrip(t *testing.T) {
	want := map[[2]string]string{
		{"global", "security"}:           "-2147483646",
		{"domain_local", "security"}:     "-2147483644",
		{"universal", "security"}:        "-2147483640",
		{"global", "distribution"}:       "2",
		{"domain_local", "distribution"}: "4",
		{"universal", "distribution"}:    "8",
	}
	for k, v := range want {
		got, err := GroupType(k[0], k[1])
		if err != nil || got != v {
			t.Errorf("GroupType(%v) = %s, %v; want %s", k, got, err, v)
		}
		s, c, err := ParseGroupType(v)
		if err != nil || s != k[0] || c != k[1] {
			t.Errorf("ParseGroupType(%s) = %s, %s, %v", v, s, c, err)
		}
	}
}

func TestEncodePassword(t *testing.T) {
	if got := EncodePassword("ab"); got != "\"\x00a\x00b\x00\"\x00" {
		t.Fatalf("EncodePassword = %q", got)
	}
}

func assertDNRoundTrip(t testing.TB, v string) {
	t.Helper()
	dn := "CN=" + EscapeDN(v) + ",DC=test,DC=local"
	parsed, err := ldap.ParseDN(dn)
	if err != nil {
		t.Fatalf("value %q escaped as %q does not parse: %v", v, dn, err)
	}
	if len(parsed.RDNs) != 3 || len(parsed.RDNs[0].Attributes) != 1 {
		t.Fatalf("value %q escaped as %q split the DN: %d RDNs", v, dn, len(parsed.RDNs))
	}
	if got := parsed.RDNs[0].Attributes[0].Value; got != v {
		t.Fatalf("value %q escaped as %q parses back as %q", v, dn, got)
	}
}

func assertFilterSafe(t testing.TB, v string) {
	t.Helper()
	f := "(&(objectClass=user)(sAMAccountName=" + EscapeFilter(v) + "))"
	if _, err := ldap.CompileFilter(f); err != nil {
		t.Fatalf("value %q makes an invalid filter %q: %v", v, f, err)
	}
	esc := EscapeFilter(v)
	if strings.ContainsAny(esc, "()*\x00") {
		t.Fatalf("EscapeFilter(%q) = %q still holds a special character", v, esc)
	}
	// the escaped value decodes back to the input
	dec, err := unescapeFilterValue(esc)
	if err != nil || dec != v {
		t.Fatalf("EscapeFilter(%q) = %q decodes to %q (%v)", v, esc, dec, err)
	}
}

func unescapeFilterValue(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		var c byte
		for _, h := range s[i+1 : i+3] {
			c <<= 4
			switch {
			case h >= '0' && h <= '9':
				c |= byte(h - '0')
			case h >= 'a' && h <= 'f':
				c |= byte(h-'a') + 10
			default:
				return "", ldap.NewError(ldap.ErrorFilterCompile, nil)
			}
		}
		b.WriteByte(c)
		i += 2
	}
	return b.String(), nil
}

var hostileSeeds = []string{
	"*", ")(", "*)(cn=*", ",", "+", `\`, "\x00", "#x", " x", "x ", "  ", "=", `"`, "<>;",
	"\xff\xfe", "é,ü", "a\\2cb", "\\00", "OU=evil,DC=x",
}

func FuzzEscapeDN(f *testing.F) {
	for _, s := range hostileSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if v == "" {
			return
		}
		if !utf8.ValidString(v) {
			// go-ldap's parser decodes via []rune, which cannot carry
			// invalid UTF-8: the escape must hex-encode those bytes.
			if !utf8.ValidString(EscapeDN(v)) {
				t.Fatalf("EscapeDN(%q) leaks invalid UTF-8", v)
			}
			return
		}
		assertDNRoundTrip(t, v)
	})
}

func FuzzEscapeFilter(f *testing.F) {
	for _, s := range hostileSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		assertFilterSafe(t, v)
	})
}
