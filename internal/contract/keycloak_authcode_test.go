package contract

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/sim/record"
)

func jwtPart(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// The authorization code checks flag what OpenID Connect Core and RFC 9207
// require and pass what the simulator should send.
func TestKeycloakAuthCodeChecks(t *testing.T) {
	access := "header.claims.sig"
	sum := sha256.Sum256([]byte(access))
	good := base64.RawURLEncoding.EncodeToString(sum[:16])
	idt := func(atHash string) string {
		return jwtPart(map[string]any{"alg": "RS256", "kid": "k"}) + "." + jwtPart(map[string]any{
			"iss": "https://kc/realms/staff", "sub": "u", "aud": "console", "exp": 200, "iat": 100, "at_hash": atHash}) + ".c2ln"
	}
	tokenAnswer := func(id string) record.Exchange {
		b, _ := json.Marshal(map[string]any{"access_token": access, "id_token": id})
		return record.Exchange{Method: http.MethodPost, Path: "/realms/staff/protocol/openid-connect/token", Status: http.StatusOK, RespBody: b}
	}
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	login := func(loc string) record.Exchange {
		return record.Exchange{Method: http.MethodPost, Path: "/realms/staff/login-actions/authenticate", ReqHeader: form,
			Status: http.StatusFound, RespHeader: http.Header{"Location": {loc}}}
	}
	auth := func(query string, status int, loc string) record.Exchange {
		return record.Exchange{Method: http.MethodGet, Path: "/realms/staff/protocol/openid-connect/auth", RawQuery: query,
			Status: status, RespHeader: http.Header{"Location": {loc}, "Content-Type": {"text/html;charset=utf-8"}}}
	}
	full := "response_type=code&client_id=c&redirect_uri=https%3A%2F%2Fapp%2Fcb&scope=openid&state=s1"
	for _, tc := range []struct {
		name string
		ex   record.Exchange
		want string // "" = no violation
	}{
		{"good id token", tokenAnswer(idt(good)), ""},
		{"wrong at_hash", tokenAnswer(idt("AAAA")), "at_hash"},
		{"good login redirect", login("https://app/cb?code=x&state=s1&iss=https%3A%2F%2Fkc%2Frealms%2Fstaff"), ""},
		{"login redirect without iss", login("https://app/cb?code=x&state=s1"), "RFC 9207"},
		{"login form", auth(full, http.StatusOK, ""), ""},
		{"no redirect_uri", auth("response_type=code&client_id=c&scope=openid", http.StatusOK, ""), "no redirect_uri"},
		{"error redirect", auth(full, http.StatusFound, "https://app/cb?error=invalid_scope&state=s1"), ""},
		{"error redirect loses state", auth(full, http.StatusFound, "https://app/cb?error=invalid_scope"), "state"},
		{"unknown error code", auth(full, http.StatusFound, "https://app/cb?error=nope&state=s1"), "§4.1.2.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r Result
			kcAuthCode(&kcOIDC{}, tc.ex, &r)
			var msgs []string
			for _, v := range r.Violations {
				msgs = append(msgs, v.Message)
			}
			got := strings.Join(msgs, "; ")
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("violations %q, want one containing %q", got, tc.want)
			}
		})
	}
}
