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

// The authorization code flow of a Keycloak realm (the operator console's
// sign-in), checked against OpenID Connect Core 1.0 and RFC 6749 §4.1:
//   - the authorization endpoint (§3.1.2.1: scope with openid,
//     response_type, client_id, redirect_uri) answers a login page, an
//     error page for an untrusted client or redirect_uri (§3.1.2.6 lets
//     the provider refuse to redirect then), or a redirect carrying an
//     RFC 6749 §4.1.2.1 error and the state;
//   - the login form's POST redirects with code, the state and iss
//     (RFC 9207, which Keycloak adds), or shows the form again;
//   - a token answer with an ID token (§3.1.3.3) carries a JWS signed
//     RS256 whose claims §2 and §3.1.3.7 require (iss, sub, aud, exp,
//     iat) and an at_hash matching the access token (§3.1.3.6).
const (
	oidcAuthKey  = "/realms/{realm}/protocol/openid-connect/auth"
	oidcLoginKey = "/realms/{realm}/login-actions/authenticate"
)

// authErrors are RFC 6749 §4.1.2.1's error codes.
var authErrors = []string{"invalid_request", "unauthorized_client", "access_denied", "unsupported_response_type",
	"invalid_scope", "server_error", "temporarily_unavailable"}

// kcAuthCode checks an exchange of the authorization code flow and
// reports whether it was one of its endpoints (the caller then skips its
// other checks). A token answer holding an ID token gets the ID token
// checked here and false: the token endpoint's own checks still apply.
func kcAuthCode(o *kcOIDC, e record.Exchange, r *Result) bool {
	seg := strings.Split(strings.Trim(e.Path, "/"), "/")
	if len(seg) < 3 || seg[0] != "realms" {
		return false
	}
	realm, key := seg[1], ""
	var msgs []string
	switch strings.Join(seg[2:], "/") {
	case "protocol/openid-connect/auth":
		key, msgs = oidcAuthKey, authEndpoint(e)
	case "login-actions/authenticate":
		key, msgs = oidcLoginKey, loginAction(e, realm)
	case "protocol/openid-connect/token":
		if e.Status == http.StatusOK {
			var m map[string]any
			if json.Unmarshal(e.RespBody, &m) == nil && m["id_token"] != nil {
				for _, msg := range o.idToken(m, realm) {
					r.Violations = append(r.Violations, kcViolation(e, "response", "POST "+oidcTokenKey+": "+msg))
				}
			}
		}
		return false
	default:
		return false
	}
	op := e.Method + " " + key
	count(&r.Operations, op)
	r.Checked++
	for _, m := range msgs {
		side := "response"
		if strings.HasPrefix(m, "request: ") {
			side, m = "request", strings.TrimPrefix(m, "request: ")
		}
		r.Violations = append(r.Violations, kcViolation(e, side, op+": "+m))
	}
	return true
}

func authEndpoint(e record.Exchange) []string {
	var out []string
	q, _ := url.ParseQuery(e.RawQuery)
	if e.Method == http.MethodPost {
		if form, err := url.ParseQuery(string(e.ReqBody)); err == nil {
			for k, v := range form {
				q[k] = v
			}
		}
	} else if e.Method != http.MethodGet {
		// §3.1.2.1: "Authorization Servers MUST support the use of the HTTP
		// GET and POST methods".
		return []string{fmt.Sprintf("request: method %s, OpenID Connect Core §3.1.2.1 allows GET and POST", e.Method)}
	}
	for _, p := range []string{"response_type", "client_id", "redirect_uri", "scope"} {
		if q.Get(p) == "" && e.Status != http.StatusNotFound {
			out = append(out, "request: no "+p+" (OpenID Connect Core §3.1.2.1)")
		}
	}
	switch {
	case e.Status == http.StatusOK || e.Status == http.StatusBadRequest:
		out = append(out, htmlPage(e)...)
	case e.Status == http.StatusFound:
		loc, err := url.Parse(e.RespHeader.Get("Location"))
		if err != nil || !strings.HasPrefix(loc.String(), q.Get("redirect_uri")) {
			return append(out, fmt.Sprintf("redirect to %q, not the request's redirect_uri", e.RespHeader.Get("Location")))
		}
		lq := loc.Query()
		if !slices.Contains(authErrors, lq.Get("error")) {
			out = append(out, fmt.Sprintf("redirect error %q is none of RFC 6749 §4.1.2.1's", lq.Get("error")))
		}
		if s := q.Get("state"); s != "" && lq.Get("state") != s {
			out = append(out, "redirect does not return the request's state (RFC 6749 §4.1.2.1)")
		}
	case e.Status == http.StatusNotFound:
		if msg := kcErrorBody(e.Status, e.RespBody); msg != "" {
			out = append(out, msg)
		}
	default:
		out = append(out, fmt.Sprintf("status %d: the authorization endpoint answers a page (200/400) or redirects (302)", e.Status))
	}
	return out
}

func loginAction(e record.Exchange, realm string) []string {
	if e.Method != http.MethodPost {
		return []string{"request: the login form is posted"}
	}
	if ct := kcMediaType(e.ReqHeader.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
		return []string{fmt.Sprintf("request: Content-Type %q, an HTML form posts application/x-www-form-urlencoded", ct)}
	}
	switch e.Status {
	case http.StatusOK, http.StatusBadRequest:
		return htmlPage(e)
	case http.StatusFound:
	default:
		return []string{fmt.Sprintf("status %d: the login form answers a page (200/400) or redirects (302)", e.Status)}
	}
	loc, err := url.Parse(e.RespHeader.Get("Location"))
	if err != nil || !loc.IsAbs() {
		return []string{fmt.Sprintf("redirect to %q is not an absolute URI (RFC 6749 §3.1.2)", e.RespHeader.Get("Location"))}
	}
	var out []string
	lq := loc.Query()
	if lq.Get("code") == "" {
		out = append(out, "redirect without code (RFC 6749 §4.1.2)")
	}
	if iss, err := url.Parse(lq.Get("iss")); err != nil || iss.Path != "/realms/"+realm {
		out = append(out, fmt.Sprintf("redirect iss %q, want <base>/realms/%s (RFC 9207 §2)", lq.Get("iss"), realm))
	}
	return out
}

func htmlPage(e record.Exchange) []string {
	if ct := kcMediaType(e.RespHeader.Get("Content-Type")); ct != "text/html" {
		return []string{fmt.Sprintf("Content-Type %q, Keycloak's login pages are text/html", ct)}
	}
	return nil
}

// idToken checks an ID token of a token answer (OpenID Connect Core §2,
// §3.1.3.3, §3.1.3.6, §3.1.3.7), verifying its signature with a realm key
// the traffic's certs answers published.
func (o *kcOIDC) idToken(m map[string]any, realm string) []string {
	tok, _ := m["id_token"].(string)
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return []string{"id_token is not a JWS in compact form (OpenID Connect Core §2)"}
	}
	var hdr, claims map[string]any
	if decodeSegment(parts[0], &hdr) != nil || decodeSegment(parts[1], &claims) != nil {
		return []string{"id_token header or claims are not base64url JSON"}
	}
	var out []string
	if hdr["alg"] != "RS256" {
		out = append(out, fmt.Sprintf("id_token alg %v: RS256 is the default (OpenID Connect Core §3.1.3.7)", hdr["alg"]))
	}
	if iss, err := url.Parse(kcStr(claims["iss"])); err != nil || iss.Path != "/realms/"+realm {
		out = append(out, fmt.Sprintf("id_token iss %v, want <base>/realms/%s", claims["iss"], realm))
	}
	for _, c := range []string{"sub", "aud"} {
		if claims[c] == nil || claims[c] == "" {
			out = append(out, "id_token has no "+c+" (OpenID Connect Core §2)")
		}
	}
	exp, okExp := claims["exp"].(float64)
	iat, okIat := claims["iat"].(float64)
	if !okExp || !okIat || exp <= iat {
		out = append(out, "id_token lacks numeric exp after iat (OpenID Connect Core §2)")
	}
	if access, _ := m["access_token"].(string); access != "" {
		sum := sha256.Sum256([]byte(access))
		if claims["at_hash"] != base64.RawURLEncoding.EncodeToString(sum[:16]) {
			out = append(out, "id_token at_hash does not match the access token (OpenID Connect Core §3.1.3.6)")
		}
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if pub := o.keys[kcStr(hdr["kid"])]; pub != nil && err == nil {
		sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
		if rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig) != nil {
			out = append(out, "id_token signature does not verify with the realm's key")
		}
	}
	return out
}
