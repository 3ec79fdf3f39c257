package contract

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"slices"

	"github.com/tenantops/tenantops/internal/sim/record"
)

// jwks checks a realm's certs answer, a JWK Set (RFC 7517).
func jwks(e record.Exchange) []string {
	if e.Status != http.StatusOK {
		return []string{fmt.Sprintf("status %d for a realm's keys", e.Status)}
	}
	if ct := kcMediaType(e.RespHeader.Get("Content-Type")); ct != "application/json" && ct != "application/jwk-set+json" {
		return []string{fmt.Sprintf("Content-Type %q, want application/json or application/jwk-set+json (RFC 7517 §8.5)", ct)}
	}
	var set map[string]any
	if err := json.Unmarshal(e.RespBody, &set); err != nil {
		return []string{"JWK Set is not a JSON object: " + err.Error()}
	}
	keys, ok := set["keys"].([]any)
	if !ok {
		return []string{"JWK Set has no keys array (RFC 7517 §5.1)"}
	}
	var out []string
	for i, raw := range keys {
		k, ok := raw.(map[string]any)
		if !ok {
			out = append(out, fmt.Sprintf("keys[%d] is not an object", i))
			continue
		}
		for _, msg := range jwk(k) {
			out = append(out, fmt.Sprintf("keys[%d] (kid %v): %s", i, k["kid"], msg))
		}
	}
	return out
}

// jwk checks one key: RFC 7517 §4 members, RFC 7518 §6.3.1 for RSA, and the
// members Keycloak gives every key it publishes.
func jwk(k map[string]any) []string {
	var out []string
	if kcStr(k["kty"]) == "" {
		return []string{"no kty (RFC 7517 §4.1)"}
	}
	if u, ok := k["use"]; ok && u != "sig" && u != "enc" {
		out = append(out, fmt.Sprintf("use %v is neither sig nor enc (RFC 7517 §4.2)", u))
	}
	for _, m := range []string{"kid", "alg", "use"} {
		if kcStr(k[m]) == "" {
			out = append(out, "no "+m+" (Keycloak names every key's kid, alg and use)")
		}
	}
	if k["kty"] != "RSA" {
		return out
	}
	pub, err := rsaJWK(k)
	if err != nil {
		return append(out, err.Error())
	}
	chain, ok := k["x5c"].([]any)
	if !ok || len(chain) == 0 {
		return append(out, "no x5c certificate chain (Keycloak publishes each RSA key's certificate)")
	}
	// RFC 7517 §4.7: standard base64 DER; the first certificate's key
	// MUST match the JWK's.
	der, err := base64.StdEncoding.DecodeString(kcStr(chain[0]))
	if err != nil {
		return append(out, "x5c[0] is not base64 (RFC 7517 §4.7): "+err.Error())
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return append(out, "x5c[0] is not a DER certificate: "+err.Error())
	}
	if cpub, ok := cert.PublicKey.(*rsa.PublicKey); !ok || !cpub.Equal(pub) {
		out = append(out, "x5c[0] certifies a different key than n/e (RFC 7517 §4.7)")
	}
	return out
}

// rsaJWK decodes an RSA key's n and e (RFC 7518 §6.3.1: base64url, no padding).
func rsaJWK(k map[string]any) (*rsa.PublicKey, error) {
	n, errN := base64.RawURLEncoding.DecodeString(kcStr(k["n"]))
	e, errE := base64.RawURLEncoding.DecodeString(kcStr(k["e"]))
	if errN != nil || errE != nil || len(n) == 0 || len(e) == 0 {
		return nil, fmt.Errorf("n and e are not base64url unsigned integers (RFC 7518 §6.3.1)")
	}
	exp := new(big.Int).SetBytes(e)
	if !exp.IsInt64() || exp.Int64() < 3 || exp.Int64() > 1<<31-1 {
		return nil, fmt.Errorf("exponent e out of range")
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(exp.Int64())}, nil
}

// discoveryRequired are the metadata Discovery 1.0 §3 requires of an
// OpenID Provider serving the authorization code flow.
var discoveryRequired = []string{"issuer", "authorization_endpoint", "token_endpoint", "jwks_uri",
	"response_types_supported", "subject_types_supported", "id_token_signing_alg_values_supported"}

// discovery checks a realm's .well-known/openid-configuration answer
// (OpenID Connect Discovery 1.0).
func discovery(e record.Exchange) []string {
	if e.Status != http.StatusOK {
		return []string{fmt.Sprintf("status %d for the discovery document (Discovery 1.0 §4.2 requires 200)", e.Status)}
	}
	if ct := kcMediaType(e.RespHeader.Get("Content-Type")); ct != "application/json" {
		return []string{fmt.Sprintf("Content-Type %q, Discovery 1.0 §4.2 requires application/json", ct)}
	}
	var m map[string]any
	if err := json.Unmarshal(e.RespBody, &m); err != nil {
		return []string{"discovery document is not a JSON object: " + err.Error()}
	}
	var out []string
	for _, k := range discoveryRequired {
		if _, ok := m[k]; !ok {
			out = append(out, "no "+k+" (Discovery 1.0 §3)")
		}
	}
	issuer := kcStr(m["issuer"])
	iss, err := url.Parse(issuer)
	if err != nil || iss.Scheme != "https" || iss.Host == "" || iss.RawQuery != "" || iss.Fragment != "" {
		out = append(out, fmt.Sprintf("issuer %q is not an https URL without query or fragment (Discovery 1.0 §3)", issuer))
	} else if iss.Path+"/.well-known/openid-configuration" != e.Path {
		// §4.3: the issuer MUST be identical to the URL the document was
		// retrieved from, less /.well-known/openid-configuration.
		out = append(out, fmt.Sprintf("issuer %q does not match the document's address %s (Discovery 1.0 §4.3)", issuer, e.Path))
	}
	for _, k := range []string{"authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint"} {
		if v, ok := m[k]; ok {
			if u, err := url.Parse(kcStr(v)); err != nil || u.Scheme != "https" || u.Host == "" {
				out = append(out, fmt.Sprintf("%s %v is not an https URL (Discovery 1.0 §3)", k, v))
			}
		}
	}
	// Keycloak serves its endpoints under the issuer; the document must
	// point at the ones the simulator answers.
	for k, suffix := range map[string]string{"token_endpoint": "/protocol/openid-connect/token", "jwks_uri": "/protocol/openid-connect/certs"} {
		if v := kcStr(m[k]); v != "" && v != issuer+suffix {
			out = append(out, fmt.Sprintf("%s %q, Keycloak serves it at %s%s", k, v, issuer, suffix))
		}
	}
	for _, k := range []string{"response_types_supported", "subject_types_supported", "id_token_signing_alg_values_supported"} {
		if v, ok := m[k]; ok {
			if l, isList := v.([]any); !isList || len(l) == 0 {
				out = append(out, fmt.Sprintf("%s is not a non-empty array (Discovery 1.0 §3)", k))
			}
		}
	}
	if l, ok := m["id_token_signing_alg_values_supported"].([]any); ok && !slices.Contains(anyStrings(l), "RS256") {
		out = append(out, "id_token_signing_alg_values_supported lacks RS256, which Discovery 1.0 §3 requires")
	}
	return out
}

func anyStrings(l []any) []string {
	out := make([]string, 0, len(l))
	for _, v := range l {
		out = append(out, kcStr(v))
	}
	return out
}

func kcStr(v any) string {
	s, _ := v.(string)
	return s
}
