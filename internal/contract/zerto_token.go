package contract

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tenantops/tenantops/internal/sim/record"
)

// zertoIssue is one disagreement with RFC 6749 found in a token exchange.
type zertoIssue struct{ side, msg string }

// zertoOAuthErrors are the error codes RFC 6749 section 5.2 defines.
var zertoOAuthErrors = map[string]bool{"invalid_request": true, "invalid_client": true, "invalid_grant": true,
	"unauthorized_client": true, "unsupported_grant_type": true, "invalid_scope": true}

// zertoCheckToken checks an exchange with the ZVM appliance's token
// endpoint against RFC 6749: the request (section 3.2: POST with a form
// body; 4.3.2 password grant: username and password; 4.4.2 client
// credentials: the client authenticates) and the answer (5.1: a JSON
// object with access_token and token_type, Cache-Control: no-store and
// Pragma: no-cache; 5.2: 400, or 401 for invalid_client, with a JSON
// object whose "error" is one of the defined codes).
func zertoCheckToken(e record.Exchange) []zertoIssue {
	var out []zertoIssue
	req := func(f string, a ...any) { out = append(out, zertoIssue{"request", fmt.Sprintf(f, a...)}) }
	resp := func(f string, a ...any) { out = append(out, zertoIssue{"response", fmt.Sprintf(f, a...)}) }

	if e.Method != http.MethodPost {
		req("RFC 6749 3.2: the token endpoint takes POST, got %s", e.Method)
	}
	ct, _, _ := strings.Cut(e.ReqHeader.Get("Content-Type"), ";")
	if !strings.EqualFold(strings.TrimSpace(ct), "application/x-www-form-urlencoded") {
		req("RFC 6749 4.3.2/4.4.2: the request body must be application/x-www-form-urlencoded, got %q", ct)
	}
	form, err := url.ParseQuery(string(e.ReqBody))
	if err != nil {
		req("RFC 6749 appendix B: the body is no form: %v", err)
	}
	basic := strings.HasPrefix(strings.ToLower(e.ReqHeader.Get("Authorization")), "basic ")
	switch g := form.Get("grant_type"); g {
	case "password":
		if form.Get("username") == "" || form.Get("password") == "" {
			req("RFC 6749 4.3.2: the password grant needs username and password")
		}
	case "client_credentials":
		if !basic && (form.Get("client_id") == "" || form.Get("client_secret") == "") {
			req("RFC 6749 4.4.2/2.3.1: the client credentials grant needs the client to authenticate")
		}
	case "":
		req("RFC 6749 4.3.2/4.4.2: grant_type is required")
	}

	var body map[string]any
	if err := json.Unmarshal(e.RespBody, &body); err != nil || body == nil {
		resp("RFC 6749 5.1/5.2: the answer must be a JSON object: %s", strings.TrimSpace(string(e.RespBody)))
		return out
	}
	rct, _, _ := strings.Cut(e.RespHeader.Get("Content-Type"), ";")
	if !strings.EqualFold(strings.TrimSpace(rct), "application/json") {
		resp("RFC 6749 5.1/5.2: Content-Type must be application/json, got %q", rct)
	}
	if e.Status == http.StatusOK {
		for _, k := range []string{"access_token", "token_type"} {
			if s, ok := body[k].(string); !ok || s == "" {
				resp("RFC 6749 5.1: %q is required and must be a string", k)
			}
		}
		if v, ok := body["expires_in"]; ok {
			if _, num := v.(float64); !num {
				resp("RFC 6749 5.1: expires_in must be a number")
			}
		}
		if !strings.Contains(strings.ToLower(e.RespHeader.Get("Cache-Control")), "no-store") {
			resp("RFC 6749 5.1: an answer carrying a token must send Cache-Control: no-store")
		}
		if !strings.EqualFold(strings.TrimSpace(e.RespHeader.Get("Pragma")), "no-cache") {
			resp("RFC 6749 5.1: an answer carrying a token must send Pragma: no-cache")
		}
		return out
	}
	code, _ := body["error"].(string)
	if !zertoOAuthErrors[code] {
		resp("RFC 6749 5.2: \"error\" must be one of the defined codes, got %q", code)
	}
	if v, ok := body["error_description"]; ok {
		if _, s := v.(string); !s {
			resp("RFC 6749 5.2: error_description must be a string")
		}
	}
	// RFC 6749 answers errors with 400 and allows 401 for invalid_client;
	// the description also lists 401, which the appliance's Keycloak sends
	// for rejected user credentials (invalid_grant).
	switch {
	case e.Status == http.StatusUnauthorized && code != "invalid_client" && code != "invalid_grant":
		resp("RFC 6749 5.2: 401 is for invalid_client (and, per the description, rejected credentials), got %q", code)
	case e.Status != http.StatusBadRequest && e.Status != http.StatusUnauthorized:
		resp("RFC 6749 5.2: an error answer is 400 (401 for invalid_client), got %d", e.Status)
	}
	return out
}
