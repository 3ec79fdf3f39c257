package keycloak

import (
	"context"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/Nerzal/gocloak/v13"
	"github.com/golang-jwt/jwt/v5"
)

// httpClient trusts the simulator's certificate.
func httpClient(t *testing.T, s *Server) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(s.CAPEM)) {
		t.Fatal("CAPEM holds no certificate")
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
}

func getJSON(t *testing.T, hc *http.Client, url, token string, v any) (int, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, resp.Header
}

// realmKeySet follows the realm's discovery document to its jwks_uri and
// returns the RSA signing keys there by kid, each checked against the
// certificate Keycloak publishes with it (x5c).
func realmKeySet(t *testing.T, s *Server, realm string) (issuer string, keys map[string]*rsa.PublicKey) {
	t.Helper()
	hc := httpClient(t, s)
	var disc map[string]any
	if code, _ := getJSON(t, hc, s.URL+"/realms/"+realm+"/.well-known/openid-configuration", "", &disc); code != 200 {
		t.Fatalf("discovery: %d", code)
	}
	issuer, _ = disc["issuer"].(string)
	if issuer != s.URL+"/realms/"+realm || disc["jwks_uri"] != issuer+"/protocol/openid-connect/certs" ||
		disc["token_endpoint"] != issuer+"/protocol/openid-connect/token" {
		t.Fatalf("discovery document: %v", disc)
	}
	var set struct {
		Keys []struct {
			Kid, Kty, Alg, Use, N, E string
			X5c                      []string
		}
	}
	code, hdr := getJSON(t, hc, disc["jwks_uri"].(string), "", &set)
	if code != 200 || hdr.Get("Content-Type") != "application/json" || len(set.Keys) == 0 {
		t.Fatalf("certs: %d %s %+v", code, hdr.Get("Content-Type"), set)
	}
	keys = map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		if k.Kid == "" || k.Kty != "RSA" || k.Alg != "RS256" || k.Use != "sig" || len(k.X5c) == 0 {
			t.Fatalf("key %+v lacks Keycloak's members", k)
		}
		n, errN := base64.RawURLEncoding.DecodeString(k.N)
		e, errE := base64.RawURLEncoding.DecodeString(k.E)
		if errN != nil || errE != nil {
			t.Fatalf("key %s: n/e not base64url: %v %v", k.Kid, errN, errE)
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		der, err := base64.StdEncoding.DecodeString(k.X5c[0])
		if err != nil {
			t.Fatal(err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		if cpub, ok := cert.PublicKey.(*rsa.PublicKey); !ok || !cpub.Equal(pub) || cert.Subject.CommonName != realm {
			t.Fatalf("key %s: x5c certifies another key or subject %q", k.Kid, cert.Subject.CommonName)
		}
		keys[k.Kid] = pub
	}
	return issuer, keys
}

// verify checks an access token with golang-jwt against the realm's keys,
// as a relying party (Cloud Director's OIDC login) would.
func verify(t *testing.T, raw, issuer string, keys map[string]*rsa.PublicKey) jwt.MapClaims {
	t.Helper()
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		if k := keys[kid]; k != nil {
			return k, nil
		}
		return nil, jwt.ErrTokenUnverifiable
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(issuer), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	if err != nil {
		t.Fatalf("access token does not verify against the realm's certs: %v", err)
	}
	return claims
}

func TestAccessTokensAreJWTsVerifiableWithTheRealmCerts(t *testing.T) {
	s, gc, _ := newGocloak(t)
	ctx := context.Background()
	issuer, keys := realmKeySet(t, s, "master")

	cc, err := gc.LoginClient(ctx, "tenantops", "sim-secret", "master")
	if err != nil {
		t.Fatal(err)
	}
	claims := verify(t, cc.AccessToken, issuer, keys)
	if claims["typ"] != "Bearer" || claims["azp"] != "tenantops" || claims["sub"] == "" || claims["jti"] == "" {
		t.Fatalf("client credentials claims: %v", claims)
	}
	exp, _ := claims.GetExpirationTime()
	iat, _ := claims.GetIssuedAt()
	if got := exp.Sub(iat.Time); got != time.Duration(cc.ExpiresIn)*time.Second {
		t.Fatalf("token lives %v, expires_in says %d s", got, cc.ExpiresIn)
	}
	if master, err := gc.GetRealm(ctx, cc.AccessToken, "master"); err != nil || gocloak.PInt(master.AccessTokenLifespan) != cc.ExpiresIn {
		t.Fatalf("master's accessTokenLifespan disagrees with expires_in %d: %v", cc.ExpiresIn, err)
	}

	pw, err := gc.LoginAdmin(ctx, "admin", "admin", "master")
	if err != nil {
		t.Fatal(err)
	}
	claims = verify(t, pw.AccessToken, issuer, keys)
	if claims["azp"] != "admin-cli" || claims["preferred_username"] != "admin" || claims["sid"] != pw.SessionState {
		t.Fatalf("password claims: %v (session_state %s)", claims, pw.SessionState)
	}
	// A token altered after signing no longer verifies, and the admin API
	// refuses it.
	parts := strings.Split(cc.AccessToken, ".")
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"`+issuer+`","typ":"Bearer","exp":9999999999}`)) + "." + parts[2]
	if _, err := gc.GetRealm(ctx, forged, "master"); apiCode(t, err) != 401 {
		t.Fatalf("forged token: %v", err)
	}
	// Every realm has keys of its own.
	if _, err := gc.CreateRealm(ctx, cc.AccessToken, gocloak.RealmRepresentation{Realm: gocloak.StringP("acme")}); err != nil {
		t.Fatal(err)
	}
	acmeIssuer, acmeKeys := realmKeySet(t, s, "acme")
	for kid := range acmeKeys {
		if keys[kid] != nil || acmeIssuer == issuer {
			t.Fatal("realm acme shares master's key or issuer")
		}
	}
	var miss map[string]any
	if code, _ := getJSON(t, httpClient(t, s), s.URL+"/realms/nope/protocol/openid-connect/certs", "", &miss); code != 404 ||
		!reflect.DeepEqual(miss, map[string]any{"error": "Realm does not exist"}) {
		t.Fatalf("certs of a missing realm: %d %v", code, miss)
	}
}

func TestTokenAnswers(t *testing.T) {
	s, gc, _ := newGocloak(t)
	ctx := context.Background()
	hc := httpClient(t, s)
	post := func(form string, basic bool) (int, http.Header, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/realms/master/protocol/openid-connect/token", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basic {
			req.SetBasicAuth("tenantops", "sim-secret")
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, resp.Header, m
	}
	// Client credentials: no refresh token (RFC 6749 §4.4.3, Keycloak's
	// default since 12), never cached (§5.1).
	code, hdr, m := post("grant_type=client_credentials", true)
	if code != 200 || hdr.Get("Cache-Control") != "no-store" || hdr.Get("Pragma") != "no-cache" {
		t.Fatalf("client credentials: %d %v", code, hdr)
	}
	if _, ok := m["refresh_token"]; ok || m["refresh_expires_in"] != float64(0) || m["token_type"] != "Bearer" {
		t.Fatalf("client credentials answer: %v", m)
	}
	// Password: a refresh token, usable again until it expires.
	pw, err := gc.LoginAdmin(ctx, "admin", "admin", "master")
	if err != nil || pw.RefreshToken == "" || pw.RefreshExpiresIn != 1800 {
		t.Fatalf("password answer: %+v %v", pw, err)
	}
	for i := 0; i < 2; i++ {
		if _, err := gc.RefreshToken(ctx, pw.RefreshToken, "admin-cli", "", "master"); err != nil {
			t.Fatalf("refresh %d: %v", i, err)
		}
	}
	// A refresh token only serves the client it was issued to.
	if _, err := gc.RefreshToken(ctx, pw.RefreshToken, "tenantops", "sim-secret", "master"); apiCode(t, err) != 400 ||
		!strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("refresh by another client: %v", err)
	}
	code, hdr, m = post("grant_type=password&client_id=admin-cli&username=admin&password=wrong", false)
	if code != 401 || hdr.Get("Cache-Control") != "no-store" || m["error"] != "invalid_grant" {
		t.Fatalf("bad password: %d %v", code, m)
	}
}

func TestExpiredTokenAnswers401(t *testing.T) {
	s, err := Start(Options{TokenLifespan: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	hc := httpClient(t, s)
	gc := gocloak.NewClient(s.URL)
	gc.RestyClient().SetTransport(hc.Transport)
	ctx := context.Background()
	tok, err := gc.LoginClient(ctx, "tenantops", "sim-secret", "master")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gc.GetRealm(ctx, tok.AccessToken, "master"); err != nil {
		t.Fatalf("fresh token: %v", err)
	}
	// Keycloak's Token.isExpired: valid through the second exp names.
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(tok.AccessToken, claims); err != nil {
		t.Fatal(err)
	}
	exp, _ := claims.GetExpirationTime()
	time.Sleep(time.Until(exp.Add(1100 * time.Millisecond)))
	var body map[string]any
	if code, _ := getJSON(t, hc, s.URL+"/admin/realms/master", tok.AccessToken, &body); code != 401 ||
		!reflect.DeepEqual(body, map[string]any{"error": "HTTP 401 Unauthorized"}) {
		t.Fatalf("expired token: %d %v", code, body)
	}
}

// Keycloak's 404 and 409 bodies, byte for byte in meaning: a JAX-RS
// NotFoundException is {"error": message} (KeycloakErrorHandler adds no
// description to client errors), a conflict from ErrorResponse.exists is
// {"errorMessage": message}.
func TestNotFoundAndConflictBodies(t *testing.T) {
	s, gc, tok := newGocloak(t)
	ctx := context.Background()
	hc := httpClient(t, s)
	if _, err := gc.CreateRealm(ctx, tok, gocloak.RealmRepresentation{Realm: gocloak.StringP("acme")}); err != nil {
		t.Fatal(err)
	}
	if _, err := gc.CreateClient(ctx, tok, "acme", gocloak.Client{ClientID: gocloak.StringP("portal")}); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/admin/realms/nope":           "Realm not found.",
		"/admin/realms/nope/clients/x": "Realm not found.",
		"/admin/realms/acme/clients/00000000-0000-4000-8000-000000000000": "Could not find client",
		"/admin/realms/acme/identity-provider/instances/gone":             "HTTP 404 Not Found",
		"/admin/realms/acme/components/gone":                              "Could not find component",
		"/admin/realms/acme/authentication/flows/gone/executions":         "Flow not found",
		"/admin/realms/acme/authentication/required-actions/gone":         "Failed to find required action",
	} {
		var body map[string]any
		if code, _ := getJSON(t, hc, s.URL+path, tok, &body); code != 404 || !reflect.DeepEqual(body, map[string]any{"error": want}) {
			t.Errorf("GET %s: %d %v, want 404 {\"error\": %q}", path, code, body, want)
		}
	}
	resp, err := gc.GetRequestWithBearerAuth(ctx, tok).SetBody(map[string]string{"clientId": "portal"}).
		Post(s.URL + "/admin/realms/acme/clients")
	if err != nil || resp.StatusCode() != 409 || strings.TrimSpace(resp.String()) != `{"errorMessage":"Client portal already exists"}` {
		t.Fatalf("duplicate client: %v %v", resp, err)
	}
	resp, err = gc.GetRequestWithBearerAuth(ctx, tok).SetBody(map[string]string{"realm": "acme"}).Post(s.URL + "/admin/realms/")
	if err != nil || resp.StatusCode() != 409 || strings.TrimSpace(resp.String()) != `{"errorMessage":"Conflict detected. See logs for details"}` {
		t.Fatalf("duplicate realm: %v %v", resp, err)
	}
}
