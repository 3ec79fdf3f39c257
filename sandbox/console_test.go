package sandbox

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// consoleSignInStarts: the console of a dev environment sends an operator
// to the Keycloak simulator's staff realm, with PKCE, and that realm
// answers its login form.
func consoleSignInStarts(t *testing.T, e *Env) {
	t.Helper()
	if len(e.StaffAccounts) != 2 || e.ConsoleURL == "" {
		t.Fatalf("console accounts %v at %q", e.StaffAccounts, e.ConsoleURL)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(e.ConsoleURL + "login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc.String(), e.Keycloak.URL+"/realms/staff/protocol/openid-connect/auth") ||
		loc.Query().Get("code_challenge_method") != "S256" {
		t.Fatalf("console login redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = http.Get(loc.String())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("staff realm login form: %d", resp.StatusCode)
	}
}
