package contract

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/tenantops/tenantops/internal/sim/record"
)

// Operation keys of the OpenID Connect endpoints Keycloak serves outside
// the admin API, which its admin OpenAPI does not describe.
const (
	oidcTokenKey     = "/realms/{realm}/protocol/openid-connect/token"
	oidcCertsKey     = "/realms/{realm}/protocol/openid-connect/certs"
	oidcDiscoveryKey = "/realms/{realm}/.well-known/openid-configuration"
)

// kcOIDC checks the token, certs and discovery exchanges in code against the
// public standards that define them, and Keycloak's own choices where the
// standards leave room:
//   - token: RFC 6749 §4.3.2, §4.4.2 and §6 (requests), §5.1 and §4.4.3
//     (success), §5.2 (errors); Keycloak issues RS256-signed JWT access
//     tokens whose iss is <base>/realms/<realm>.
//   - certs: RFC 7517 §4 and §5, RFC 7518 §6.3.1; Keycloak gives every key
//     kid, alg, use and its certificate chain in x5c.
//   - discovery: OpenID Connect Discovery 1.0 §3 and §4.3.
type kcOIDC struct {
	// keys are the RSA keys every certs answer in the traffic published,
	// by kid: access tokens signed with one of them are verified.
	keys map[string]*rsa.PublicKey
}

func newOIDCChecker(ex []record.Exchange) *kcOIDC {
	o := &kcOIDC{keys: map[string]*rsa.PublicKey{}}
	for _, e := range ex {
		if e.Method != http.MethodGet || e.Status != http.StatusOK || kcOIDCKey(e.Path) != oidcCertsKey {
			continue
		}
		var set struct {
			Keys []map[string]any `json:"keys"`
		}
		if json.Unmarshal(e.RespBody, &set) != nil {
			continue
		}
		for _, k := range set.Keys {
			if pub, err := rsaJWK(k); err == nil && kcStr(k["kid"]) != "" {
				o.keys[kcStr(k["kid"])] = pub
			}
		}
	}
	return o
}

// handles reports whether an exchange is for Keycloak's OpenID Connect
// endpoints (/realms/...) rather than the admin API (/admin/realms/...).
func (o *kcOIDC) handles(e record.Exchange) bool { return strings.HasPrefix(e.Path, "/realms/") }

// kcOIDCKey returns the operation path of an OpenID Connect exchange, or "".
func kcOIDCKey(p string) string {
	seg := strings.Split(strings.Trim(p, "/"), "/")
	if len(seg) < 3 || seg[0] != "realms" {
		return ""
	}
	switch strings.Join(seg[2:], "/") {
	case "protocol/openid-connect/token":
		return oidcTokenKey
	case "protocol/openid-connect/certs":
		return oidcCertsKey
	case ".well-known/openid-configuration":
		return oidcDiscoveryKey
	}
	return ""
}

func (o *kcOIDC) check(e record.Exchange, r *Result) {
	realm := strings.Split(strings.Trim(e.Path, "/"), "/")[1]
	var msgs []string
	switch key := kcOIDCKey(e.Path); {
	case key == oidcTokenKey && e.Method == http.MethodPost:
		msgs = o.token(e, realm)
	case key == oidcCertsKey && e.Method == http.MethodGet:
		msgs = jwks(e)
	case key == oidcDiscoveryKey && e.Method == http.MethodGet:
		msgs = discovery(e)
	default:
		count(&r.Undescribed, e.Method+" "+kcUndescribedPath(e.Path))
		return
	}
	key := e.Method + " " + kcOIDCKey(e.Path)
	count(&r.Operations, key)
	r.Checked++
	for _, m := range msgs {
		side := "response"
		if strings.HasPrefix(m, "request: ") {
			side, m = "request", strings.TrimPrefix(m, "request: ")
		}
		r.Violations = append(r.Violations, kcViolation(e, side, key+": "+m))
	}
}

// ---- token endpoint (RFC 6749) ----

// oauthErrors are the error codes RFC 6749 §5.2 defines for the token endpoint.
var oauthErrors = []string{"invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
	"unsupported_grant_type", "invalid_scope"}

func (o *kcOIDC) token(e record.Exchange, realm string) []string {
	out, grant := tokenRequest(e)
	switch {
	case e.Status == http.StatusOK:
		out = append(out, o.tokenResponse(e, realm, grant)...)
	case e.Status == http.StatusBadRequest || e.Status == http.StatusUnauthorized:
		out = append(out, tokenError(e)...)
	case e.Status >= 400:
		// Not an OAuth answer (e.g. 404 for a realm that does not exist):
		// KeycloakErrorHandler's JSON.
		if msg := kcErrorBody(e.Status, e.RespBody); msg != "" {
			out = append(out, msg)
		}
	default:
		out = append(out, fmt.Sprintf("status %d: RFC 6749 §5.1/§5.2 allow 200, or 400/401 with an error", e.Status))
	}
	return out
}

// tokenRequest checks the request against RFC 6749 and returns its grant type.
func tokenRequest(e record.Exchange) ([]string, string) {
	var out []string
	if ct := kcMediaType(e.ReqHeader.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
		return []string{fmt.Sprintf("request: Content-Type %q, RFC 6749 §4.3.2/§4.4.2/§6 require application/x-www-form-urlencoded", ct)}, ""
	}
	form, err := url.ParseQuery(string(e.ReqBody))
	if err != nil {
		return []string{"request: body is not form-encoded: " + err.Error()}, ""
	}
	grant := form.Get("grant_type")
	need := map[string][]string{
		"password":           {"username", "password"}, // §4.3.2
		"client_credentials": nil,                      // §4.4.2
		"refresh_token":      {"refresh_token"},        // §6
		"authorization_code": {"code"},                 // §4.1.3
	}
	params, known := need[grant]
	if !known {
		out = append(out, fmt.Sprintf("request: grant_type %q is none of RFC 6749's", grant))
	}
	for _, p := range params {
		if form.Get(p) == "" {
			out = append(out, fmt.Sprintf("request: grant_type %s without %s", grant, p))
		}
	}
	// §2.3.1 / §3.2.1: the client authenticates with HTTP Basic or
	// identifies itself with client_id in the body.
	if !strings.HasPrefix(e.ReqHeader.Get("Authorization"), "Basic ") && form.Get("client_id") == "" {
		out = append(out, "request: the client neither authenticates (HTTP Basic) nor sends client_id")
	}
	return out, grant
}

func (o *kcOIDC) tokenResponse(e record.Exchange, realm, grant string) []string {
	var out []string
	if ct := kcMediaType(e.RespHeader.Get("Content-Type")); ct != "application/json" {
		out = append(out, fmt.Sprintf("Content-Type %q, RFC 6749 §5.1 requires application/json", ct))
	}
	// §5.1: "The authorization server MUST include the HTTP Cache-Control
	// response header field with a value of no-store ... as well as the
	// Pragma response header field with a value of no-cache."
	if !strings.Contains(strings.ToLower(e.RespHeader.Get("Cache-Control")), "no-store") {
		out = append(out, "no Cache-Control: no-store (RFC 6749 §5.1)")
	}
	if !strings.Contains(strings.ToLower(e.RespHeader.Get("Pragma")), "no-cache") {
		out = append(out, "no Pragma: no-cache (RFC 6749 §5.1)")
	}
	var m map[string]any
	if err := json.Unmarshal(e.RespBody, &m); err != nil {
		return append(out, "body is not a JSON object: "+err.Error())
	}
	access, ok := m["access_token"].(string)
	if !ok || access == "" {
		out = append(out, "no access_token (RFC 6749 §5.1)")
	}
	if tt, ok := m["token_type"].(string); !ok || !strings.EqualFold(tt, "bearer") {
		out = append(out, fmt.Sprintf("token_type %v, want Bearer (RFC 6749 §5.1, RFC 6750 §4)", m["token_type"]))
	}
	expiresIn, hasExp := m["expires_in"].(float64)
	if v, ok := m["expires_in"]; ok && !hasExp {
		out = append(out, fmt.Sprintf("expires_in %v is not a number (RFC 6749 §5.1)", v))
	}
	for _, k := range []string{"refresh_token", "scope"} {
		if v, ok := m[k]; ok {
			if _, isStr := v.(string); !isStr {
				out = append(out, fmt.Sprintf("%s %v is not a string (RFC 6749 §5.1)", k, v))
			}
		}
	}
	if _, ok := m["refresh_token"]; ok && grant == "client_credentials" {
		// §4.4.3: "A refresh token SHOULD NOT be included." Keycloak
		// follows it by default since version 12 (client setting "Use
		// refresh tokens for client credentials grant", off).
		out = append(out, "refresh_token in a client_credentials answer (RFC 6749 §4.4.3; Keycloak's default)")
	}
	if access != "" {
		out = append(out, o.accessToken(access, realm, expiresIn, hasExp)...)
	}
	return out
}

// accessToken checks that an access token is what Keycloak issues: a JWS
// (RFC 7515 compact form) signed RS256 with a realm key named by kid,
// whose claims (RFC 7519) carry iss <base>/realms/<realm>, exp, iat, sub,
// azp and typ "Bearer". A token signed with a key the traffic's certs
// answers published is verified against it.
func (o *kcOIDC) accessToken(tok, realm string, expiresIn float64, hasExp bool) []string {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return []string{fmt.Sprintf("access_token is not a JWS in compact form (%d dot-separated parts, want 3)", len(parts))}
	}
	var hdr, claims map[string]any
	if err := decodeSegment(parts[0], &hdr); err != nil {
		return []string{"access_token header: " + err.Error()}
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return []string{"access_token claims: " + err.Error()}
	}
	var out []string
	if hdr["alg"] != "RS256" {
		out = append(out, fmt.Sprintf("access_token alg %v, Keycloak realms sign with RS256 by default", hdr["alg"]))
	}
	kid := kcStr(hdr["kid"])
	if kid == "" {
		out = append(out, "access_token header has no kid")
	}
	if hdr["typ"] != "JWT" {
		out = append(out, fmt.Sprintf("access_token header typ %v, want JWT", hdr["typ"]))
	}
	iss, _ := url.Parse(kcStr(claims["iss"]))
	if iss == nil || !iss.IsAbs() || iss.Path != "/realms/"+realm {
		out = append(out, fmt.Sprintf("access_token iss %v, want <base>/realms/%s", claims["iss"], realm))
	}
	exp, okExp := claims["exp"].(float64)
	iat, okIat := claims["iat"].(float64)
	switch {
	case !okExp || !okIat:
		out = append(out, "access_token lacks numeric exp and iat (RFC 7519 §4.1.4, §4.1.6)")
	case exp <= iat:
		out = append(out, "access_token exp is not after iat")
	case hasExp && (exp-iat < expiresIn-1 || exp-iat > expiresIn+1):
		out = append(out, fmt.Sprintf("access_token lives %.0f s, the answer's expires_in says %.0f", exp-iat, expiresIn))
	}
	for _, c := range []string{"sub", "azp", "jti"} {
		if kcStr(claims[c]) == "" {
			out = append(out, "access_token has no "+c+" claim")
		}
	}
	if claims["typ"] != "Bearer" {
		out = append(out, fmt.Sprintf("access_token typ claim %v, Keycloak's access tokens say Bearer", claims["typ"]))
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) == 0 {
		return append(out, "access_token signature is not base64url")
	}
	if pub := o.keys[kid]; pub != nil {
		sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
			out = append(out, "access_token signature does not verify with key "+kid+" of the realm's certs")
		}
	}
	return out
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return fmt.Errorf("not base64url: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("not a JSON object: %w", err)
	}
	return nil
}

// tokenError checks an error answer against RFC 6749 §5.2.
func tokenError(e record.Exchange) []string {
	if ct := kcMediaType(e.RespHeader.Get("Content-Type")); ct != "application/json" {
		return []string{fmt.Sprintf("error Content-Type %q, RFC 6749 §5.2 requires application/json", ct)}
	}
	var m map[string]any
	if err := json.Unmarshal(e.RespBody, &m); err != nil {
		return []string{"error body is not a JSON object: " + err.Error()}
	}
	var out []string
	if code, _ := m["error"].(string); !slices.Contains(oauthErrors, code) {
		out = append(out, fmt.Sprintf("error %v is none of RFC 6749 §5.2's codes", m["error"]))
	}
	for _, k := range []string{"error_description", "error_uri"} {
		if v, ok := m[k]; ok {
			if _, isStr := v.(string); !isStr {
				out = append(out, fmt.Sprintf("%s %v is not a string (RFC 6749 §5.2)", k, v))
			}
		}
	}
	return out
}
