package keycloak

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/sim/fault"
	kcsim "github.com/tenantops/tenantops/internal/sim/keycloak"
	"github.com/tenantops/tenantops/internal/tlsutil"
)

// conditionalOTPFlow is the sub-flow of Keycloak's built-in browser flow
// that holds the OTP form.
const conditionalOTPFlow = "Browser - Conditional OTP"

func newTestClient(t *testing.T, opts kcsim.Options, cfg Config) (*kcsim.Server, *Client) {
	t.Helper()
	s, err := kcsim.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	cfg.URL = s.URL
	cfg.TLS = tlsutil.Options{CAPEM: s.CAPEM}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

// Keycloak issues no refresh token for the client credentials grant
// (keycloak/keycloak#7725): the client logs in again when its token is about
// to lapse, and once more after a 401.
func TestClientCredentialsRelogin(t *testing.T) {
	s, c := newTestClient(t, kcsim.Options{TokenLifespan: time.Second}, Config{ClientID: "tenantops", ClientSecret: "sim-secret"})
	ctx := context.Background()
	if err := c.CreateRealm(ctx, Realm{Name: "acme", Enabled: true, OTPType: "totp", OTPAlgorithm: "HmacSHA1", OTPDigits: 6, OTPPeriod: 30}); err != nil {
		t.Fatal(err)
	}
	if n := s.Grants("client_credentials"); n != 1 {
		t.Fatalf("client_credentials grants = %d, want 1", n)
	}
	time.Sleep(1100 * time.Millisecond)
	if _, err := c.GetRealm(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	if n, r := s.Grants("client_credentials"), s.Grants("refresh_token"); n != 2 || r != 0 {
		t.Fatalf("after expiry: client_credentials grants = %d (want 2), refresh grants = %d (want 0)", n, r)
	}
	// A 401 (tokens revoked server-side) triggers exactly one fresh login.
	s.RevokeTokens()
	if _, err := c.GetRealm(ctx, "acme"); err != nil {
		t.Fatalf("after revocation: %v", err)
	}
	if n := s.Grants("client_credentials"); n != 3 {
		t.Fatalf("client_credentials grants = %d, want 3", n)
	}
}

// A password login comes with a refresh token: the client renews its
// access token with it, and logs in again after a 401.
func TestPasswordGrantRefreshAndRelogin(t *testing.T) {
	s, c := newTestClient(t, kcsim.Options{TokenLifespan: time.Second}, Config{Username: "admin", Password: "admin"})
	ctx := context.Background()
	if _, err := c.GetRealm(ctx, "master"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	if _, err := c.GetRealm(ctx, "master"); err != nil {
		t.Fatal(err)
	}
	if p, r := s.Grants("password"), s.Grants("refresh_token"); p != 1 || r != 1 {
		t.Fatalf("password grants = %d (want 1), refresh grants = %d (want 1)", p, r)
	}
	s.RevokeTokens()
	if _, err := c.GetRealm(ctx, "master"); err != nil {
		t.Fatalf("after revocation: %v", err)
	}
	if p := s.Grants("password"); p != 2 {
		t.Fatalf("password grants = %d, want 2", p)
	}
}

func TestPasswordGrantAndBadCredentials(t *testing.T) {
	_, c := newTestClient(t, kcsim.Options{}, Config{Username: "admin", Password: "admin"})
	if _, err := c.GetRealm(context.Background(), "master"); err != nil {
		t.Fatal(err)
	}
	_, bad := newTestClient(t, kcsim.Options{}, Config{Username: "admin", Password: "nope"})
	_, err := bad.GetRealm(context.Background(), "master")
	if err == nil || !strings.Contains(err.Error(), "admin login failed") || !strings.Contains(err.Error(), "Invalid user credentials") {
		t.Fatalf("bad password: %v", err)
	}
	if strings.Contains(err.Error(), "nope") {
		t.Fatal("error leaks the password")
	}
}

func TestMFAModes(t *testing.T) {
	s, c := newTestClient(t, kcsim.Options{}, Config{ClientID: "tenantops", ClientSecret: "sim-secret"})
	ctx := context.Background()
	if err := c.CreateRealm(ctx, Realm{Name: "acme", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	// OTP modes change requirements in the built-in browser flow, which
	// Keycloak allows; WebAuthn needs a new execution, which it refuses in a
	// built-in flow, so the realm moves to tenantops' copy and stays there.
	tests := []struct {
		mode, sub, otp, webauthn string
		totp, register           bool
		flow                     string
	}{
		{MFAOptional, "CONDITIONAL", "REQUIRED", "", false, false, BrowserFlow},
		{MFAOTP, "REQUIRED", "REQUIRED", "", true, false, BrowserFlow},
		{MFAWebAuthn, "REQUIRED", "DISABLED", "REQUIRED", false, true, TenantopsBrowserFlow},
		{MFAOTP, "REQUIRED", "REQUIRED", "DISABLED", true, false, TenantopsBrowserFlow},
		{MFAOptional, "CONDITIONAL", "REQUIRED", "DISABLED", false, false, TenantopsBrowserFlow},
		{MFAWebAuthn, "REQUIRED", "DISABLED", "REQUIRED", false, true, TenantopsBrowserFlow},
	}
	for _, tt := range tests {
		if err := c.SetMFA(ctx, "acme", tt.mode); err != nil {
			t.Fatalf("SetMFA(%s): %v", tt.mode, err)
		}
		got, err := c.GetMFA(ctx, "acme")
		if err != nil || got != tt.mode {
			t.Fatalf("GetMFA after %s = %q, %v", tt.mode, got, err)
		}
		if s.Requirement("acme", conditionalOTPFlow) != tt.sub || s.Requirement("acme", OTPAuthenticator) != tt.otp ||
			s.Requirement("acme", WebAuthnAuth) != tt.webauthn || s.DefaultAction("acme", ConfigureTOTP) != tt.totp ||
			s.DefaultAction("acme", WebAuthnRegister) != tt.register {
			t.Fatalf("%s: flow/actions not as expected", tt.mode)
		}
		if flow, _ := s.BrowserFlow("acme"); flow != tt.flow {
			t.Fatalf("%s: bound browser flow %q, want %q", tt.mode, flow, tt.flow)
		}
	}
	if err := c.SetMFA(ctx, "acme", "sms"); err == nil {
		t.Fatal("unknown mode accepted")
	}
}

func TestErrorsCarryKeycloakMessage(t *testing.T) {
	s, c := newTestClient(t, kcsim.Options{}, Config{ClientID: "tenantops", ClientSecret: "sim-secret"})
	ctx := context.Background()
	_, err := c.GetRealm(ctx, "missing")
	if !IsNotFound(err) || !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "Realm not found.") {
		t.Fatalf("missing realm: %v", err)
	}
	if err := c.DeleteRealm(ctx, "missing"); err != nil {
		t.Fatalf("deleting a missing realm: %v", err)
	}
	s.Faults.Add(fault.Rule{Method: "POST", Path: `/admin/realms/$`, Kind: fault.Status, Status: 500,
		ContentType: "application/json", Body: `{"errorMessage":"database is read-only"}`})
	err = c.CreateRealm(ctx, Realm{Name: "x", Enabled: true})
	var e *Error
	if !errors.As(err, &e) || e.Status != 500 || !strings.Contains(e.Message, "database is read-only") {
		t.Fatalf("fault: %v", err)
	}
}

func TestTransientFailuresRetriedForIdempotentCalls(t *testing.T) {
	s, c := newTestClient(t, kcsim.Options{}, Config{ClientID: "tenantops", ClientSecret: "sim-secret"})
	ctx := context.Background()
	if err := c.CreateRealm(ctx, Realm{Name: "acme", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	s.Faults.Add(fault.Rule{Method: "GET", Path: `/admin/realms/acme$`, Kind: fault.Status, Status: 503, Times: 2})
	s.Faults.Add(fault.Rule{Method: "GET", Path: `/authentication/flows/browser/executions$`, Kind: fault.Reset, Times: 1})
	if _, err := c.GetRealm(ctx, "acme"); err != nil {
		t.Fatalf("GetRealm through two 503s and a reset: %v", err)
	}
	// A POST is not repeated: the failure reaches the caller.
	s.Faults.Add(fault.Rule{Method: "POST", Path: `/clients$`, Kind: fault.Status, Status: 503, Times: 1})
	if _, err := c.CreateClient(ctx, "acme", OIDCClient{ClientID: "x"}); err == nil {
		t.Fatal("POST was retried")
	}
	if inv := s.Inventory(); len(inv) != 1 {
		t.Fatalf("inventory = %v", inv)
	}
}

func TestConcurrentCallsShareOneLogin(t *testing.T) {
	s, c := newTestClient(t, kcsim.Options{}, Config{ClientID: "tenantops", ClientSecret: "sim-secret"})
	ctx := context.Background()
	if err := c.CreateRealm(ctx, Realm{Name: "acme", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func(i int) {
			_, err := c.CreateClient(ctx, "acme", OIDCClient{ClientID: "app-" + string(rune('a'+i)), Enabled: true})
			errs <- err
		}(i)
	}
	for i := 0; i < 8; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := s.Grants("client_credentials"); n != 1 {
		t.Fatalf("client_credentials grants = %d, want 1", n)
	}
	if n := len(s.Inventory()); n != 9 {
		t.Fatalf("inventory holds %d objects, want 9", n)
	}
}

func TestEnsureRealm(t *testing.T) {
	s, c := newTestClient(t, kcsim.Options{}, Config{ClientID: "tenantops", ClientSecret: "sim-secret"})
	ctx := context.Background()
	want := Realm{Name: "acme", DisplayName: "Acme", Enabled: true, MFA: MFAOTP, OTPType: "totp", OTPAlgorithm: "HmacSHA1",
		OTPDigits: 6, OTPPeriod: 30, SSOSessionIdleTimeout: 1800, SSOSessionMaxLifespan: 36000}
	created, err := c.EnsureRealm(ctx, want)
	if err != nil || !created {
		t.Fatalf("first EnsureRealm = %v, %v", created, err)
	}
	want.DisplayName, want.MFA = "Acme Corp", MFAWebAuthn
	created, err = c.EnsureRealm(ctx, want)
	if err != nil || created {
		t.Fatalf("second EnsureRealm = %v, %v", created, err)
	}
	got, err := c.GetRealm(ctx, "acme")
	if err != nil || got.DisplayName != "Acme Corp" || got.MFA != MFAWebAuthn || got.OTPDigits != 6 {
		t.Fatalf("GetRealm = %+v, %v", got, err)
	}
	// WebAuthn needs an execution the built-in browser flow cannot take:
	// the realm is bound to tenantops' copy.
	if inv := strings.Join(s.Inventory(), ","); inv != "flow/acme/"+TenantopsBrowserFlow+",realm/acme" {
		t.Fatalf("inventory = %v", inv)
	}
	if flow, builtIn := s.BrowserFlow("acme"); flow != TenantopsBrowserFlow || builtIn {
		t.Fatalf("bound browser flow = %q (built in %v)", flow, builtIn)
	}
}

func TestFindLDAPFederationIgnoresMappersOfTheSameName(t *testing.T) {
	_, c := newTestClient(t, kcsim.Options{}, Config{ClientID: "tenantops", ClientSecret: "sim-secret"})
	ctx := context.Background()
	if err := c.CreateRealm(ctx, Realm{Name: "acme", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	// Keycloak names one of the provider's default mappers "email" too.
	id, err := c.CreateLDAPFederation(ctx, "acme", LDAPFederation{Name: "email", Enabled: true, Vendor: "ad",
		ConnectionURL: "ldaps://dc1.example.com", BindDN: "CN=svc", BindCredential: "pw", UsersDN: "OU=Users",
		EditMode: "READ_ONLY", UUIDAttribute: "objectGUID", FullSyncPeriod: -1, ChangedSyncPeriod: 3600})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.FindLDAPFederation(ctx, "acme", "email")
	if err != nil || got.ID != id || got.BindCredential != "" || got.FullSyncPeriod != -1 || got.ChangedSyncPeriod != 3600 {
		t.Fatalf("FindLDAPFederation = %+v, %v", got, err)
	}
	if _, err := c.FindLDAPFederation(ctx, "acme", "nope"); !IsNotFound(err) {
		t.Fatalf("missing federation: %v", err)
	}
}

func TestUpdateLDAPFederationKeepsTheCredentialLeftOut(t *testing.T) {
	s, c := newTestClient(t, kcsim.Options{}, Config{ClientID: "tenantops", ClientSecret: "sim-secret"})
	ctx := context.Background()
	if err := c.CreateRealm(ctx, Realm{Name: "acme", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	l := LDAPFederation{Name: "ad", Enabled: true, Vendor: "ad", ConnectionURL: "ldaps://dc1.example.com", BindDN: "CN=svc",
		BindCredential: "first", UsersDN: "OU=Users", EditMode: "READ_ONLY", FullSyncPeriod: -1, ChangedSyncPeriod: -1}
	id, err := c.CreateLDAPFederation(ctx, "acme", l)
	if err != nil {
		t.Fatal(err)
	}
	stored := func() string {
		cfg, _ := s.Component("acme", "ad")["config"].(map[string]any)
		return fmt.Sprint(cfg["bindCredential"])
	}
	l.ID, l.BindCredential, l.EditMode = id, "", "WRITABLE"
	if err := c.UpdateLDAPFederation(ctx, "acme", l); err != nil {
		t.Fatal(err)
	}
	if got := stored(); got != "[first]" {
		t.Fatalf("bindCredential after an update without one = %v, want [first]", got)
	}
	l.BindCredential = "second"
	if err := c.UpdateLDAPFederation(ctx, "acme", l); err != nil {
		t.Fatal(err)
	}
	if got := stored(); got != "[second]" {
		t.Fatalf("bindCredential after an update with one = %v, want [second]", got)
	}
}
