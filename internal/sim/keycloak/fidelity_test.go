package keycloak

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/Nerzal/gocloak/v13"

	"github.com/tenantops/tenantops/internal/sim/fault"
)

// The fidelity test drives the simulator with the unmodified gocloak client,
// through every endpoint tenantops uses, and checks Keycloak's behaviour:
// status codes, error bodies, Location ids, masking and merge semantics.

func newGocloak(t *testing.T) (*Server, *gocloak.GoCloak, string) {
	t.Helper()
	s, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(s.CAPEM)) {
		t.Fatal("CAPEM holds no certificate")
	}
	gc := gocloak.NewClient(s.URL)
	gc.RestyClient().SetTLSClientConfig(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
	tok, err := gc.LoginClient(context.Background(), "tenantops", "sim-secret", "master")
	if err != nil {
		t.Fatal(err)
	}
	return s, gc, tok.AccessToken
}

func apiCode(t *testing.T, err error) int {
	t.Helper()
	var e *gocloak.APIError
	if !errors.As(err, &e) {
		t.Fatalf("want *gocloak.APIError, got %T %v", err, err)
	}
	return e.Code
}

func TestFidelityAuth(t *testing.T) {
	s, gc, tok := newGocloak(t)
	ctx := context.Background()
	if tok == "" {
		t.Fatal("empty access token")
	}
	// Password grant with admin-cli.
	jwt, err := gc.LoginAdmin(ctx, "admin", "admin", "master")
	if err != nil || jwt.RefreshToken == "" || jwt.ExpiresIn != 60 {
		t.Fatalf("LoginAdmin = %+v, %v", jwt, err)
	}
	// Refresh grant.
	if _, err := gc.RefreshToken(ctx, jwt.RefreshToken, "admin-cli", "", "master"); err != nil {
		t.Fatalf("RefreshToken: %v", err)
	}
	// Bad credentials: 401 with Keycloak's error body.
	_, err = gc.LoginAdmin(ctx, "admin", "wrong", "master")
	if apiCode(t, err) != 401 || !strings.Contains(err.Error(), "invalid_grant") || !strings.Contains(err.Error(), "Invalid user credentials") {
		t.Fatalf("bad password: %v", err)
	}
	_, err = gc.LoginClient(ctx, "tenantops", "wrong", "master")
	if apiCode(t, err) != 401 || !strings.Contains(err.Error(), "unauthorized_client") {
		t.Fatalf("bad client secret: %v", err)
	}
	// A revoked token answers 401 on the admin API.
	s.RevokeTokens()
	_, err = gc.GetRealm(ctx, tok, "master")
	if apiCode(t, err) != 401 {
		t.Fatalf("revoked token: %v", err)
	}
}

func TestFidelityRealmsAndFlows(t *testing.T) {
	s, gc, tok := newGocloak(t)
	ctx := context.Background()

	name, err := gc.CreateRealm(ctx, tok, gocloak.RealmRepresentation{Realm: gocloak.StringP("acme"), Enabled: gocloak.BoolP(true),
		OtpPolicyDigits: gocloak.IntP(8), PasswordPolicy: gocloak.StringP("length(12)")})
	if err != nil || name != "acme" {
		t.Fatalf("CreateRealm = %q, %v", name, err)
	}
	_, err = gc.CreateRealm(ctx, tok, gocloak.RealmRepresentation{Realm: gocloak.StringP("acme")})
	if apiCode(t, err) != 409 || !strings.Contains(err.Error(), "Conflict detected") {
		t.Fatalf("duplicate realm: %v", err)
	}
	r, err := gc.GetRealm(ctx, tok, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if gocloak.PInt(r.OtpPolicyDigits) != 8 || gocloak.PString(r.OtpPolicyAlgorithm) != "HmacSHA1" ||
		gocloak.PString(r.WebAuthnPolicyRpEntityName) != "keycloak" || gocloak.PInt(r.SsoSessionIdleTimeout) != 1800 ||
		gocloak.PString(r.PasswordPolicy) != "length(12)" || gocloak.PString(r.BrowserFlow) != "browser" || gocloak.PString(r.ID) == "" {
		t.Fatalf("realm defaults: %+v", r)
	}
	// PUT applies only the fields sent.
	if err := gc.UpdateRealm(ctx, tok, gocloak.RealmRepresentation{Realm: gocloak.StringP("acme"), DisplayName: gocloak.StringP("Acme")}); err != nil {
		t.Fatal(err)
	}
	r, _ = gc.GetRealm(ctx, tok, "acme")
	if gocloak.PString(r.DisplayName) != "Acme" || gocloak.PInt(r.OtpPolicyDigits) != 8 {
		t.Fatalf("partial update lost fields: %+v", r)
	}
	realms, err := gc.GetRealms(ctx, tok)
	if err != nil || len(realms) != 2 {
		t.Fatalf("GetRealms = %d, %v", len(realms), err)
	}
	_, err = gc.GetRealm(ctx, tok, "nope")
	if apiCode(t, err) != 404 || !strings.Contains(err.Error(), "Realm not found.") {
		t.Fatalf("missing realm: %v", err)
	}

	// The default browser flow with its conditional OTP sub-flow.
	flows, err := gc.GetAuthenticationFlows(ctx, tok, "acme")
	if err != nil {
		t.Fatal(err)
	}
	var browser *gocloak.AuthenticationFlowRepresentation
	for _, f := range flows {
		if gocloak.PString(f.Alias) == "browser" {
			browser = f
		}
		if !gocloak.PBool(f.TopLevel) {
			t.Fatalf("GetAuthenticationFlows returned sub-flow %q", gocloak.PString(f.Alias))
		}
	}
	if browser == nil || len(*browser.AuthenticationExecutions) != 4 {
		t.Fatalf("browser flow: %+v", browser)
	}
	if got, err := gc.GetAuthenticationFlow(ctx, tok, "acme", gocloak.PString(browser.ID)); err != nil || gocloak.PString(got.Alias) != "browser" {
		t.Fatalf("GetAuthenticationFlow = %+v, %v", got, err)
	}
	execs, err := gc.GetAuthenticationExecutions(ctx, tok, "acme", "browser")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Cookie/ALTERNATIVE/0", "Kerberos/DISABLED/0", "Identity Provider Redirector/ALTERNATIVE/0", "forms/ALTERNATIVE/0",
		"Username Password Form/REQUIRED/1", "Browser - Conditional OTP/CONDITIONAL/1", "Condition - user configured/REQUIRED/2", "OTP Form/REQUIRED/2"}
	var got []string
	var sub, otp *gocloak.ModifyAuthenticationExecutionRepresentation
	for _, e := range execs {
		got = append(got, gocloak.PString(e.DisplayName)+"/"+gocloak.PString(e.Requirement)+"/"+string(rune('0'+gocloak.PInt(e.Level))))
		switch gocloak.PString(e.DisplayName) {
		case "Browser - Conditional OTP":
			sub = e
		case "OTP Form":
			otp = e
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("browser executions:\n got %v\nwant %v", got, want)
	}
	if !gocloak.PBool(sub.AuthenticationFlow) || gocloak.PString(otp.ProviderID) != "auth-otp-form" {
		t.Fatalf("execution shapes: sub=%+v otp=%+v", sub, otp)
	}
	sub.Requirement = gocloak.StringP("REQUIRED")
	if err := gc.UpdateAuthenticationExecution(ctx, tok, "acme", "browser", *sub); err != nil {
		t.Fatal(err)
	}
	// Keycloak 23 takes any requirement name (Requirement.valueOf) without
	// holding it to the execution's choices.
	otp.Requirement = gocloak.StringP("CONDITIONAL")
	if err := gc.UpdateAuthenticationExecution(ctx, tok, "acme", "browser", *otp); err != nil {
		t.Fatalf("CONDITIONAL on an authenticator: %v", err)
	}
	otp.Requirement = gocloak.StringP("REQUIRED")
	if err := gc.UpdateAuthenticationExecution(ctx, tok, "acme", "browser", *otp); err != nil {
		t.Fatal(err)
	}
	// Nothing may be added to a built-in flow.
	err = gc.CreateAuthenticationExecution(ctx, tok, "acme", "Browser - Conditional OTP",
		gocloak.CreateAuthenticationExecutionRepresentation{Provider: gocloak.StringP("webauthn-authenticator")})
	if apiCode(t, err) != 400 || !strings.Contains(err.Error(), "It is illegal to add execution to a built in flow") {
		t.Fatalf("execution added to a built-in flow: %v", err)
	}
	execs, _ = gc.GetAuthenticationExecutions(ctx, tok, "acme", "browser")
	if len(execs) != 8 || gocloak.PString(execs[5].Requirement) != "REQUIRED" {
		t.Fatalf("browser executions after the updates: %d, sub-flow %+v", len(execs), execs[5])
	}

	// Required actions.
	actions, err := gc.GetRequiredActions(ctx, tok, "acme")
	if err != nil || len(actions) < 5 {
		t.Fatalf("GetRequiredActions = %d, %v", len(actions), err)
	}
	ra, err := gc.GetRequiredAction(ctx, tok, "acme", "CONFIGURE_TOTP")
	if err != nil || gocloak.PBool(ra.DefaultAction) || !gocloak.PBool(ra.Enabled) {
		t.Fatalf("CONFIGURE_TOTP = %+v, %v", ra, err)
	}
	ra.DefaultAction = gocloak.BoolP(true)
	if err := gc.UpdateRequiredAction(ctx, tok, "acme", *ra); err != nil {
		t.Fatal(err)
	}
	if ra, _ = gc.GetRequiredAction(ctx, tok, "acme", "CONFIGURE_TOTP"); !gocloak.PBool(ra.DefaultAction) {
		t.Fatal("defaultAction not stored")
	}
	if _, err := gc.GetRequiredAction(ctx, tok, "acme", "nope"); apiCode(t, err) != 404 {
		t.Fatalf("missing required action: %v", err)
	}
	if err := gc.RegisterRequiredAction(ctx, tok, "acme", gocloak.RequiredActionProviderRepresentation{
		ProviderID: gocloak.StringP("custom-action"), Name: gocloak.StringP("Custom")}); err != nil {
		t.Fatal(err)
	}

	// Copying a flow (no gocloak helper: the request gocloak would build).
	resp, err := gc.GetRequestWithBearerAuth(ctx, tok).SetBody(map[string]string{"newName": "browser-mfa"}).
		Post(s.URL + "/admin/realms/acme/authentication/flows/browser/copy")
	if err != nil || resp.StatusCode() != 201 || !strings.Contains(resp.Header().Get("Location"), "/authentication/flows/") {
		t.Fatalf("copy flow: %v %v", resp, err)
	}
	copied, _ := gc.GetAuthenticationExecutions(ctx, tok, "acme", "browser-mfa")
	if len(copied) != len(execs) || gocloak.PString(copied[5].DisplayName) != "browser-mfa Browser - Conditional OTP" {
		t.Fatalf("copied flow has %d executions (want %d), sub-flow %+v", len(copied), len(execs), copied[5])
	}
	resp, err = gc.GetRequestWithBearerAuth(ctx, tok).SetBody(map[string]string{"newName": "browser-mfa"}).
		Post(s.URL + "/admin/realms/acme/authentication/flows/browser/copy")
	if err != nil || resp.StatusCode() != 409 || !strings.Contains(resp.String(), `"errorMessage":"New flow alias name already exists"`) {
		t.Fatalf("copy to an existing name: %v %v", resp, err)
	}
	// The copy is not built in: it takes new executions.
	if err := gc.CreateAuthenticationExecution(ctx, tok, "acme", "browser-mfa Browser - Conditional OTP",
		gocloak.CreateAuthenticationExecutionRepresentation{Provider: gocloak.StringP("webauthn-authenticator")}); err != nil {
		t.Fatal(err)
	}
	copied, _ = gc.GetAuthenticationExecutions(ctx, tok, "acme", "browser-mfa")
	last := copied[len(copied)-1]
	if gocloak.PString(last.ProviderID) != "webauthn-authenticator" || gocloak.PString(last.Requirement) != "DISABLED" || gocloak.PInt(last.Level) != 2 {
		t.Fatalf("new execution: %+v", last)
	}
	if inv := strings.Join(s.Inventory(), ","); inv != "flow/acme/browser-mfa,realm/acme" {
		t.Fatalf("Inventory = %s", inv)
	}

	if err := gc.DeleteRealm(ctx, tok, "acme"); err != nil {
		t.Fatal(err)
	}
	if err := gc.DeleteRealm(ctx, tok, "acme"); apiCode(t, err) != 404 {
		t.Fatalf("second delete: %v", err)
	}
}

func TestFidelityClients(t *testing.T) {
	s, gc, tok := newGocloak(t)
	ctx := context.Background()
	if _, err := gc.CreateRealm(ctx, tok, gocloak.RealmRepresentation{Realm: gocloak.StringP("acme")}); err != nil {
		t.Fatal(err)
	}
	id, err := gc.CreateClient(ctx, tok, "acme", gocloak.Client{ClientID: gocloak.StringP("portal"),
		RedirectURIs: &[]string{"https://portal.example/*"}})
	if err != nil || len(id) != 36 {
		t.Fatalf("CreateClient = %q, %v", id, err)
	}
	if _, err := gc.CreateClient(ctx, tok, "acme", gocloak.Client{ClientID: gocloak.StringP("portal")}); apiCode(t, err) != 409 ||
		!strings.Contains(err.Error(), "Client portal already exists") {
		t.Fatalf("duplicate client: %v", err)
	}
	list, err := gc.GetClients(ctx, tok, "acme", gocloak.GetClientsParams{ClientID: gocloak.StringP("portal")})
	if err != nil || len(list) != 1 || gocloak.PString(list[0].ID) != id {
		t.Fatalf("GetClients = %+v, %v", list, err)
	}
	c, err := gc.GetClient(ctx, tok, "acme", id)
	if err != nil || gocloak.PBool(c.PublicClient) || !gocloak.PBool(c.StandardFlowEnabled) || gocloak.PString(c.Secret) == "" {
		t.Fatalf("GetClient = %+v, %v", c, err)
	}
	sec, err := gc.GetClientSecret(ctx, tok, "acme", id)
	if err != nil || gocloak.PString(sec.Type) != "secret" || gocloak.PString(sec.Value) != gocloak.PString(c.Secret) {
		t.Fatalf("GetClientSecret = %+v, %v", sec, err)
	}
	regen, err := gc.RegenerateClientSecret(ctx, tok, "acme", id)
	if err != nil || gocloak.PString(regen.Value) == gocloak.PString(sec.Value) {
		t.Fatalf("RegenerateClientSecret = %+v, %v", regen, err)
	}
	c.Name = gocloak.StringP("Portal")
	if err := gc.UpdateClient(ctx, tok, "acme", *c); err != nil {
		t.Fatal(err)
	}
	if got := s.Client("acme", "portal"); got["name"] != "Portal" {
		t.Fatalf("update not stored: %v", got)
	}
	if err := gc.DeleteClient(ctx, tok, "acme", id); err != nil {
		t.Fatal(err)
	}
	if _, err := gc.GetClient(ctx, tok, "acme", id); apiCode(t, err) != 404 {
		t.Fatalf("deleted client: %v", err)
	}
}

func TestFidelityIdentityProviders(t *testing.T) {
	s, gc, tok := newGocloak(t)
	ctx := context.Background()
	if _, err := gc.CreateRealm(ctx, tok, gocloak.RealmRepresentation{Realm: gocloak.StringP("acme")}); err != nil {
		t.Fatal(err)
	}
	oidc := gocloak.IdentityProviderRepresentation{Alias: gocloak.StringP("entra"), ProviderID: gocloak.StringP("oidc"),
		Config: &map[string]string{"authorizationUrl": "https://login.example/authorize", "tokenUrl": "https://login.example/token",
			"clientId": "abc", "clientSecret": "s3cret", "pkceEnabled": "true", "pkceMethod": "S256"}}
	alias, err := gc.CreateIdentityProvider(ctx, tok, "acme", oidc)
	if err != nil || alias != "entra" {
		t.Fatalf("CreateIdentityProvider = %q, %v", alias, err)
	}
	if _, err := gc.CreateIdentityProvider(ctx, tok, "acme", oidc); apiCode(t, err) != 409 {
		t.Fatalf("duplicate idp: %v", err)
	}
	bad := oidc
	bad.Alias = gocloak.StringP("bad")
	bad.Config = &map[string]string{"authorizationUrl": "not a url", "tokenUrl": "https://x/token"}
	if _, err := gc.CreateIdentityProvider(ctx, tok, "acme", bad); apiCode(t, err) != 400 || !strings.Contains(err.Error(), "malformed") {
		t.Fatalf("bad URL: %v", err)
	}
	bad.Config = &map[string]string{"authorizationUrl": "https://x/a", "tokenUrl": "https://x/token", "pkceEnabled": "true", "pkceMethod": "MD5"}
	if _, err := gc.CreateIdentityProvider(ctx, tok, "acme", bad); apiCode(t, err) != 400 || !strings.Contains(err.Error(), "PKCE") {
		t.Fatalf("bad PKCE method: %v", err)
	}
	got, err := gc.GetIdentityProvider(ctx, tok, "acme", "entra")
	if err != nil || (*got.Config)["clientSecret"] != Mask || gocloak.PString(got.InternalID) == "" || !gocloak.PBool(got.Enabled) {
		t.Fatalf("GetIdentityProvider = %+v, %v", got, err)
	}
	// Writing the mask back keeps the stored secret.
	got.DisplayName = gocloak.StringP("Entra ID")
	if err := gc.UpdateIdentityProvider(ctx, tok, "acme", "entra", *got); err != nil {
		t.Fatal(err)
	}
	cfg := s.IdentityProvider("acme", "entra")["config"].(map[string]any)
	if cfg["clientSecret"] != "s3cret" {
		t.Fatalf("mask overwrote the secret: %v", cfg["clientSecret"])
	}
	saml := gocloak.IdentityProviderRepresentation{Alias: gocloak.StringP("adfs"), ProviderID: gocloak.StringP("saml"),
		Config: &map[string]string{"singleSignOnServiceUrl": "https://adfs.example/adfs/ls/", "idpEntityId": "http://adfs.example/trust"}}
	if _, err := gc.CreateIdentityProvider(ctx, tok, "acme", saml); err != nil {
		t.Fatal(err)
	}
	list, err := gc.GetIdentityProviders(ctx, tok, "acme")
	if err != nil || len(list) != 2 {
		t.Fatalf("GetIdentityProviders = %d, %v", len(list), err)
	}
	if err := gc.DeleteIdentityProvider(ctx, tok, "acme", "adfs"); err != nil {
		t.Fatal(err)
	}
	if _, err := gc.GetIdentityProvider(ctx, tok, "acme", "adfs"); apiCode(t, err) != 404 {
		t.Fatalf("deleted idp: %v", err)
	}
}

func TestFidelityComponents(t *testing.T) {
	s, gc, tok := newGocloak(t)
	ctx := context.Background()
	if _, err := gc.CreateRealm(ctx, tok, gocloak.RealmRepresentation{Realm: gocloak.StringP("acme")}); err != nil {
		t.Fatal(err)
	}
	r, _ := gc.GetRealm(ctx, tok, "acme")
	cfg := map[string][]string{"vendor": {"ad"}, "connectionUrl": {"ldaps://dc1.example.com:636"}, "bindDn": {"CN=svc"},
		"bindCredential": {"p4ss"}, "editMode": {"READ_ONLY"}, "uuidLDAPAttribute": {"objectGUID"}}
	comp := gocloak.Component{Name: gocloak.StringP("ad"), ProviderID: gocloak.StringP("ldap"),
		ProviderType: gocloak.StringP("org.keycloak.storage.UserStorageProvider"), ParentID: r.ID, ComponentConfig: &cfg}
	id, err := gc.CreateComponent(ctx, tok, "acme", comp)
	if err != nil || id == "" {
		t.Fatalf("CreateComponent = %q, %v", id, err)
	}
	noEdit := map[string][]string{"connectionUrl": {"ldaps://x"}}
	bad := comp
	bad.ComponentConfig = &noEdit
	if _, err := gc.CreateComponent(ctx, tok, "acme", bad); apiCode(t, err) != 400 || !strings.Contains(err.Error(), "ldapErrorEditModeMandatory") {
		t.Fatalf("missing edit mode: %v", err)
	}
	got, err := gc.GetComponent(ctx, tok, "acme", id)
	if err != nil || (*got.ComponentConfig)["bindCredential"][0] != Mask || gocloak.PString(got.ParentID) != gocloak.PString(r.ID) {
		t.Fatalf("GetComponent = %+v, %v", got, err)
	}
	// gocloak's provider type filter is ignored, like Keycloak does.
	list, err := gc.GetComponentsWithParams(ctx, tok, "acme", gocloak.GetComponentsParams{Name: gocloak.StringP("ad"),
		ProviderType: gocloak.StringP("something-else")})
	if err != nil || len(list) != 1 {
		t.Fatalf("GetComponentsWithParams = %d, %v", len(list), err)
	}
	// Keycloak adds six attribute mappers under a new LDAP provider.
	all, err := gc.GetComponents(ctx, tok, "acme")
	if err != nil || len(all) != 7 {
		t.Fatalf("GetComponents = %d, %v", len(all), err)
	}
	mappers, err := gc.GetComponentsWithParams(ctx, tok, "acme", gocloak.GetComponentsParams{ParentID: gocloak.StringP(id)})
	if err != nil || len(mappers) != 6 || gocloak.PString(mappers[0].ProviderType) != "org.keycloak.storage.ldap.mappers.LDAPStorageMapper" {
		t.Fatalf("mappers = %d, %v", len(mappers), err)
	}
	(*got.ComponentConfig)["editMode"] = []string{"WRITABLE"}
	if err := gc.UpdateComponent(ctx, tok, "acme", *got); err != nil {
		t.Fatal(err)
	}
	stored := s.Component("acme", "ad")["config"].(map[string]any)
	if stored["bindCredential"].([]any)[0] != "p4ss" || stored["editMode"].([]any)[0] != "WRITABLE" {
		t.Fatalf("component update: %v", stored)
	}
	if inv := s.Inventory(); len(inv) != 8 || inv[0] != "component/acme/ldap/ad" || inv[7] != "realm/acme" {
		t.Fatalf("Inventory = %v", inv)
	}
	// Deleting the provider deletes its mappers.
	if err := gc.DeleteComponent(ctx, tok, "acme", id); err != nil {
		t.Fatal(err)
	}
	if inv := strings.Join(s.Inventory(), ","); inv != "realm/acme" {
		t.Fatalf("Inventory after delete = %s", inv)
	}
	if _, err := gc.GetComponent(ctx, tok, "acme", id); apiCode(t, err) != 404 {
		t.Fatalf("deleted component: %v", err)
	}
}

func TestFidelityContentTypeAndFaults(t *testing.T) {
	s, _, _ := newGocloak(t)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(s.CAPEM))
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	resp, err := hc.Get(s.URL + "/admin/realms/acme")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("unauthenticated: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s.Faults.Add(fault.Rule{Path: `/token$`, Kind: fault.Status, Status: 503, Body: `{"error":"down"}`, ContentType: "application/json", Times: 1})
	gc := gocloak.NewClient(s.URL)
	gc.RestyClient().SetTLSClientConfig(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
	if _, err := gc.LoginClient(context.Background(), "tenantops", "sim-secret", "master"); apiCode(t, err) != 503 {
		t.Fatalf("fault: %v", err)
	}
	if _, err := gc.LoginClient(context.Background(), "tenantops", "sim-secret", "master"); err != nil {
		t.Fatalf("after the fault: %v", err)
	}
}
