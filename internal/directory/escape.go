package directory

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"
)

// EscapeFilter escapes a value for use inside an LDAP search filter
// (RFC 4515). go-ldap's implementation is correct: it hex-escapes `*`, `(`,
// `)`, `\`, NUL and every byte outside ASCII.
func EscapeFilter(v string) string { return ldap.EscapeFilter(v) }

// EscapeFilterBytes hex-escapes every byte of a binary value (objectGUID,
// objectSid) for a filter.
func EscapeFilterBytes(b []byte) string {
	const hexDigits = "0123456789abcdef"
	var sb strings.Builder
	sb.Grow(len(b) * 3)
	for _, c := range b {
		sb.WriteByte('\\')
		sb.WriteByte(hexDigits[c>>4])
		sb.WriteByte(hexDigits[c&0xf])
	}
	return sb.String()
}

// EscapeDN escapes an attribute value for use in a DN (RFC 4514 section
// 2.4). Unlike ldap.EscapeDN it works on bytes, so invalid UTF-8 is
// hex-escaped instead of being silently replaced by U+FFFD, and it also
// hex-escapes ASCII control characters, which AD rejects unescaped; a value
// of only spaces keeps every space.
func EscapeDN(v string) string {
	const hexDigits = "0123456789ABCDEF"
	var sb strings.Builder
	sb.Grow(len(v) + 8)
	hexByte := func(c byte) {
		sb.WriteByte('\\')
		sb.WriteByte(hexDigits[c>>4])
		sb.WriteByte(hexDigits[c&0xf])
	}
	for i := 0; i < len(v); {
		c := v[i]
		switch {
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(v[i:])
			if r == utf8.RuneError && size <= 1 {
				hexByte(c)
				i++
				continue
			}
			sb.WriteString(v[i : i+size])
			i += size
			continue
		case c < 0x20 || c == 0x7f:
			hexByte(c)
		case c == ' ' && (i == 0 || i == len(v)-1):
			sb.WriteString(`\ `)
		case c == '#' && i == 0:
			sb.WriteString(`\#`)
		case strings.IndexByte(`"+,;<>\=`, c) >= 0:
			sb.WriteByte('\\')
			sb.WriteByte(c)
		default:
			sb.WriteByte(c)
		}
		i++
	}
	return sb.String()
}

// RDN builds "type=escaped value".
func RDN(attrType, value string) string { return attrType + "=" + EscapeDN(value) }

// Join appends a parent DN to an RDN.
func Join(rdn, parent string) string {
	if parent == "" {
		return rdn
	}
	return rdn + "," + parent
}

// SplitDN returns the (unescaped) value of the first RDN's first attribute
// and the parent DN (as the server or user spelt it).
func SplitDN(dn string) (name, parent string, err error) {
	parsed, err := ldap.ParseDN(dn)
	if err != nil {
		return "", "", fmt.Errorf("invalid DN %q: %w", dn, err)
	}
	if len(parsed.RDNs) == 0 || len(parsed.RDNs[0].Attributes) == 0 {
		return "", "", fmt.Errorf("invalid DN %q: empty", dn)
	}
	name = parsed.RDNs[0].Attributes[0].Value
	// Find the first unescaped comma: everything after it is the parent.
	escaped := false
	for i := 0; i < len(dn); i++ {
		switch {
		case escaped:
			escaped = false
		case dn[i] == '\\':
			escaped = true
		case dn[i] == ',' || dn[i] == ';':
			return name, strings.TrimLeft(dn[i+1:], " "), nil
		}
	}
	return name, "", nil
}

// NormalizeDN returns a canonical spelling of dn for comparison: attribute
// types and values lower-cased (AD compares DNs case-insensitively), spaces
// around separators dropped, values re-escaped the same way and
// multi-valued RDNs sorted. Two DNs name the same entry in AD exactly when
// their normalized forms are equal.
func NormalizeDN(dn string) (string, error) {
	parsed, err := ldap.ParseDN(dn)
	if err != nil {
		return "", fmt.Errorf("invalid DN %q: %w", dn, err)
	}
	rdns := make([]string, 0, len(parsed.RDNs))
	for _, r := range parsed.RDNs {
		parts := make([]string, 0, len(r.Attributes))
		for _, a := range r.Attributes {
			parts = append(parts, strings.ToLower(strings.TrimSpace(a.Type))+"="+EscapeDN(strings.ToLower(a.Value)))
		}
		sort.Strings(parts)
		rdns = append(rdns, strings.Join(parts, "+"))
	}
	return strings.Join(rdns, ","), nil
}

// EqualDN reports whether a and b name the same entry. Unparseable DNs are
// compared as text.
func EqualDN(a, b string) bool {
	na, errA := NormalizeDN(a)
	nb, errB := NormalizeDN(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return na == nb
}

// ReconcileDNs returns actual, but spelt as in prior wherever a prior DN
// names the same entry, so a refresh never rewrites a DN the user wrote in
// another case or spacing.
func ReconcileDNs(prior, actual []string) []string {
	byNorm := make(map[string]string, len(prior))
	for _, p := range prior {
		if n, err := NormalizeDN(p); err == nil {
			byNorm[n] = p
		}
	}
	out := make([]string, 0, len(actual))
	for _, a := range actual {
		if n, err := NormalizeDN(a); err == nil {
			if p, ok := byNorm[n]; ok {
				out = append(out, p)
				continue
			}
		}
		out = append(out, a)
	}
	return out
}

// SameDNSet reports whether a and b hold the same entries, whatever the
// spelling.
func SameDNSet(a, b []string) bool {
	na, nb := normSet(a), normSet(b)
	if len(na) != len(nb) {
		return false
	}
	for k := range na {
		if _, ok := nb[k]; !ok {
			return false
		}
	}
	return true
}

func normSet(dns []string) map[string]struct{} {
	m := make(map[string]struct{}, len(dns))
	for _, d := range dns {
		n, err := NormalizeDN(d)
		if err != nil {
			n = d
		}
		m[n] = struct{}{}
	}
	return m
}
