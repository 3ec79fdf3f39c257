package keycloak

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var loginActionRE = regexp.MustCompile(`action="([^"]+)"`)

// The staff realm's authorization code flow: the login form, a wrong
// password, the redirect with code, state and iss, the code exchanged once
// with the PKCE verifier, and the refusals Keycloak gives for a foreign
// redirect_uri, a reused code and a wrong verifier.
func TestStaffRealmAuthorizationCode(t *testing.T) {
	s, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.AddStaffRealm(StaffRealm{Name: "staff", RoleClaim: "tenantops_roles",
		Clients: []StaffClient{{ClientID: "console", Secret: "s3cret-console", RedirectURIs: []string{"https://app.example/cb"}}},
		Users:   []StaffUser{{Username: "ana", Password: "pw-ana-1", Roles: []string{"approver"}}}})
	if inv := s.Inventory(); len(inv) != 0 {
		t.Fatalf("a staff realm is not a tenant object: %v", inv)
	}
	hc := httpClient(t, s)
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	verifier := "a-verifier-of-at-least-forty-three-characters-0123"
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {"console"}, "redirect_uri": {"https://app.example/cb"},
		"scope": {"openid profile"}, "state": {"st-1"}, "nonce": {"n-1"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	authURL := s.URL + "/realms/staff/protocol/openid-connect/auth?"

	bad := url.Values{}
	for k, v := range q {
		bad[k] = v
	}
	bad.Set("redirect_uri", "https://evil.example/cb")
	if code, body := fetch(t, hc, http.MethodGet, authURL+bad.Encode(), nil); code != http.StatusBadRequest || !strings.Contains(body, "Invalid parameter: redirect_uri") {
		t.Fatalf("foreign redirect_uri: %d %s", code, body)
	}
	code, form := fetch(t, hc, http.MethodGet, authURL+q.Encode(), nil)
	m := loginActionRE.FindStringSubmatch(form)
	if code != http.StatusOK || m == nil {
		t.Fatalf("login form: %d %s", code, form)
	}
	action := s.URL + strings.ReplaceAll(m[1], "&amp;", "&")
	if code, body := fetch(t, hc, http.MethodPost, action, url.Values{"username": {"ana"}, "password": {"nope"}}); code != http.StatusOK ||
		!strings.Contains(body, "Invalid username or password.") {
		t.Fatalf("wrong password: %d %s", code, body)
	}
	resp, err := hc.PostForm(action, url.Values{"username": {"ana"}, "password": {"pw-ana-1"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Host != "app.example" || loc.Query().Get("state") != "st-1" ||
		loc.Query().Get("iss") != s.URL+"/realms/staff" || loc.Query().Get("code") == "" {
		t.Fatalf("redirect after login: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	exchange := func(code, verifier string) (int, map[string]any) {
		c, body := fetch(t, hc, http.MethodPost, s.URL+"/realms/staff/protocol/openid-connect/token", url.Values{
			"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"https://app.example/cb"},
			"client_id": {"console"}, "client_secret": {"s3cret-console"}, "code_verifier": {verifier}})
		var out map[string]any
		_ = json.Unmarshal([]byte(body), &out)
		return c, out
	}
	c, tok := exchange(loc.Query().Get("code"), verifier)
	if c != http.StatusOK || tok["id_token"] == nil {
		t.Fatalf("code exchange: %d %v", c, tok)
	}
	parts := strings.Split(tok["id_token"].(string), ".")
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	_ = json.Unmarshal(raw, &claims)
	if claims["aud"] != "console" || claims["nonce"] != "n-1" || claims["typ"] != "ID" || claims["preferred_username"] != "ana" ||
		!strings.Contains(string(raw), `"tenantops_roles":["approver"]`) {
		t.Fatalf("ID token claims %s", raw)
	}
	if c, out := exchange(loc.Query().Get("code"), verifier); c != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("reused code: %d %v", c, out)
	}

	// A second login, exchanged with the wrong verifier.
	_, form = fetch(t, hc, http.MethodGet, authURL+q.Encode(), nil)
	action = s.URL + strings.ReplaceAll(loginActionRE.FindStringSubmatch(form)[1], "&amp;", "&")
	resp, err = hc.PostForm(action, url.Values{"username": {"ana"}, "password": {"pw-ana-1"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ = url.Parse(resp.Header.Get("Location"))
	if c, out := exchange(loc.Query().Get("code"), "another-verifier-of-forty-three-characters-000000"); c != http.StatusBadRequest ||
		out["error_description"] != "PKCE verification failed: Code mismatch" {
		t.Fatalf("wrong verifier: %d %v", c, out)
	}
}

func fetch(t *testing.T, hc *http.Client, method, u string, form url.Values) (int, string) {
	t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodPost {
		resp, err = hc.PostForm(u, form)
	} else {
		resp, err = hc.Get(u)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
