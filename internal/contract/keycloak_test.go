package contract

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tenantops/tenantops/internal/sim/record"
)

// The Keycloak checker is fed exchanges the simulator used to serve (the
// wrong shapes it was fixed for) and their corrected form: each old shape
// must be reported, each new one must pass.

const kcBase = "https://127.0.0.1:8443"

func kcCheck(t *testing.T, ex ...record.Exchange) Result {
	t.Helper()
	return keycloakChecker{}.check(ReferenceDir(), ex)
}

func jsonHeader(extra ...string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	for i := 0; i+1 < len(extra); i += 2 {
		h.Set(extra[i], extra[i+1])
	}
	return h
}

func adminEx(method, path string, status int, reqBody, respBody string, resp http.Header) record.Exchange {
	req := http.Header{"Authorization": {"Bearer [redacted]"}}
	if reqBody != "" {
		req.Set("Content-Type", "application/json")
	}
	return record.Exchange{System: "keycloak", Method: method, Path: path, ReqHeader: req, ReqBody: []byte(reqBody),
		Status: status, RespHeader: resp, RespBody: []byte(respBody)}
}

// wantViolation fails unless exactly the exchange's operation was checked
// and a violation mentioning each of want was reported; with no want, it
// fails on any violation.
func wantViolation(t *testing.T, r Result, want ...string) {
	t.Helper()
	if r.NotChecked != "" {
		t.Fatalf("not checked: %s", r.NotChecked)
	}
	if r.Checked == 0 {
		t.Fatalf("nothing checked: undescribed %v", r.Undescribed)
	}
	var msgs []string
	for _, v := range r.Violations {
		msgs = append(msgs, v.String())
	}
	all := strings.Join(msgs, "\n")
	if len(want) == 0 && len(msgs) > 0 {
		t.Fatalf("unexpected violations:\n%s", all)
	}
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("no violation mentions %q; got:\n%s", w, all)
		}
	}
}

var testKey struct {
	once sync.Once
	priv *rsa.PrivateKey
	der  []byte
}

// realmKey is an RSA key with a self-signed certificate, as the simulator
// makes for a realm.
func realmKey(t *testing.T) (*rsa.PrivateKey, []byte) {
	t.Helper()
	testKey.once.Do(func() {
		priv, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "master"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
		if err != nil {
			t.Fatal(err)
		}
		testKey.priv, testKey.der = priv, der
	})
	return testKey.priv, testKey.der
}

func signedToken(t *testing.T, priv *rsa.PrivateKey, kid string, life int64) string {
	t.Helper()
	now := time.Now().Unix()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"exp": now + life, "iat": now, "jti": "b8a3",
		"iss": kcBase + "/realms/master", "sub": "4c1d", "typ": "Bearer", "azp": "tenantops"})
	tok.Header["kid"] = kid
	s, err := tok.SignedString(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func tokenEx(form string, status int, resp http.Header, body string) record.Exchange {
	return record.Exchange{System: "keycloak", Method: http.MethodPost, Path: "/realms/master/protocol/openid-connect/token",
		ReqHeader: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Authorization": {"Basic [redacted]"}},
		ReqBody:   []byte(form), Status: status, RespHeader: resp, RespBody: []byte(body)}
}

func certsEx(t *testing.T, kid string, pub *rsa.PublicKey, der []byte) record.Exchange {
	t.Helper()
	body := `{"keys":[{"kid":"` + kid + `","kty":"RSA","alg":"RS256","use":"sig","n":"` +
		base64.RawURLEncoding.EncodeToString(pub.N.Bytes()) + `","e":"AQAB","x5c":["` +
		base64.StdEncoding.EncodeToString(der) + `"]}]}`
	return record.Exchange{System: "keycloak", Method: http.MethodGet, Path: "/realms/master/protocol/openid-connect/certs",
		Status: 200, RespHeader: jsonHeader(), RespBody: []byte(body)}
}

func TestKeycloakSpecLoads(t *testing.T) {
	r := kcCheck(t, adminEx("GET", "/admin/realms/acme", 200, "", `{"id":"1","realm":"acme","enabled":true,"otpPolicyDigits":6}`, jsonHeader()))
	wantViolation(t, r)
	if r.Operations["GET /admin/realms/{realm}"] != 1 {
		t.Fatalf("operations = %v", r.Operations)
	}
}

// The simulator answered the token endpoint with an opaque access token,
// a refresh token for client credentials and no cache headers.
func TestKeycloakTokenAnswer(t *testing.T) {
	old := tokenEx("grant_type=client_credentials", 200, jsonHeader(),
		`{"access_token":"9f2c4e1ab7d3","expires_in":60,"refresh_expires_in":1800,"refresh_token":"77ab","token_type":"Bearer","scope":"profile email"}`)
	wantViolation(t, kcCheck(t, old), "not a JWS", "Cache-Control: no-store", "Pragma: no-cache", "refresh_token in a client_credentials answer")

	priv, _ := realmKey(t)
	good := tokenEx("grant_type=client_credentials", 200, jsonHeader("Cache-Control", "no-store", "Pragma", "no-cache"),
		`{"access_token":"`+signedToken(t, priv, "k1", 60)+`","expires_in":60,"refresh_expires_in":0,"token_type":"Bearer","not-before-policy":0,"scope":"profile email"}`)
	r := kcCheck(t, good)
	wantViolation(t, r)
	if r.Operations["POST "+oidcTokenKey] != 1 {
		t.Fatalf("operations = %v", r.Operations)
	}

	// A token whose lifetime disagrees with expires_in, or that is not
	// Keycloak's RS256 JWT.
	wantViolation(t, kcCheck(t, tokenEx("grant_type=client_credentials", 200, jsonHeader("Cache-Control", "no-store", "Pragma", "no-cache"),
		`{"access_token":"`+signedToken(t, priv, "k1", 300)+`","expires_in":60,"token_type":"Bearer"}`)), "lives 300 s")
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": kcBase + "/realms/master"})
	hsTok, _ := hs.SignedString([]byte("secret"))
	wantViolation(t, kcCheck(t, tokenEx("grant_type=client_credentials", 200, jsonHeader("Cache-Control", "no-store", "Pragma", "no-cache"),
		`{"access_token":"`+hsTok+`","expires_in":60,"token_type":"Bearer"}`)), "alg HS256", "no kid", "numeric exp")
}

func TestKeycloakTokenRequestsAndErrors(t *testing.T) {
	bad := tokenEx("grant_type=password&client_id=admin-cli&username=admin", 401, jsonHeader(),
		`{"error":"invalid_grant","error_description":"Invalid user credentials"}`)
	wantViolation(t, kcCheck(t, bad), "grant_type password without password")
	bad.ReqHeader.Set("Content-Type", "application/json")
	wantViolation(t, kcCheck(t, bad), "application/x-www-form-urlencoded")

	good := tokenEx("grant_type=password&client_id=admin-cli&username=admin&password=x", 401, jsonHeader(),
		`{"error":"invalid_grant","error_description":"Invalid user credentials"}`)
	wantViolation(t, kcCheck(t, good))
	wantViolation(t, kcCheck(t, tokenEx("grant_type=password&client_id=admin-cli&username=admin&password=x", 401, jsonHeader(),
		`{"error":"Invalid user credentials"}`)), "none of RFC 6749 §5.2's codes")
	// A missing realm is Keycloak's own 404, not an OAuth error.
	wantViolation(t, kcCheck(t, tokenEx("grant_type=client_credentials", 404, jsonHeader(), `{"error":"Realm does not exist"}`)))
}

// The simulator's 404s carried an error_description Keycloak adds only to
// server errors.
func TestKeycloakNotFoundBodies(t *testing.T) {
	for _, path := range []string{"/admin/realms/gone", "/admin/realms/acme/clients/8d1c", "/admin/realms/acme/components/8d1c",
		"/admin/realms/acme/identity-provider/instances/entra"} {
		old := adminEx("GET", path, 404, "", `{"error":"Realm not found.","error_description":"For more on this error consult the server log."}`, jsonHeader())
		wantViolation(t, kcCheck(t, old), "error_description on a 404")
		wantViolation(t, kcCheck(t, adminEx("GET", path, 404, "", `{"error":"Realm not found."}`, jsonHeader())))
	}
	wantViolation(t, kcCheck(t, adminEx("GET", "/admin/realms/gone", 404, "", `Realm not found.`, http.Header{"Content-Type": {"text/plain"}})),
		`error answered as "text/plain"`)
	wantViolation(t, kcCheck(t, adminEx("POST", "/admin/realms/acme/clients", 409, `{"clientId":"portal"}`,
		`{"errorMessage":"Client portal already exists"}`, jsonHeader())))
	wantViolation(t, kcCheck(t, adminEx("POST", "/admin/realms/acme/clients", 409, `{"clientId":"portal"}`,
		`{"message":"Client portal already exists"}`, jsonHeader())), "neither errorMessage nor error")
}

// The simulator's realms carried firstBrokerLoginFlow, a Keycloak 24 field.
func TestKeycloakRealmFieldsOfOtherVersions(t *testing.T) {
	old := adminEx("GET", "/admin/realms/acme", 200, "", `{"id":"1","realm":"acme","browserFlow":"browser","firstBrokerLoginFlow":"first broker login"}`, jsonHeader())
	wantViolation(t, kcCheck(t, old), `property "firstBrokerLoginFlow" is unsupported`)
	wantViolation(t, kcCheck(t, adminEx("GET", "/admin/realms/acme", 200, "", `{"id":"1","realm":"acme","browserFlow":"browser","dockerAuthenticationFlow":"docker auth"}`, jsonHeader())))
	// Requests are held to the same classes: Keycloak refuses unknown fields.
	wantViolation(t, kcCheck(t, adminEx("PUT", "/admin/realms/acme", 204, `{"realm":"acme","organizationsEnabled":true}`, "", http.Header{})),
		`property "organizationsEnabled" is unsupported`)
}

// The executions list carried priority (a Keycloak 25 field), and our
// client updated requirements with gocloak's struct, sending nulls.
func TestKeycloakExecutions(t *testing.T) {
	const path = "/admin/realms/acme/authentication/flows/browser/executions"
	old := adminEx("GET", path, 200, "", `[{"id":"e1","requirement":"REQUIRED","displayName":"OTP Form","requirementChoices":["REQUIRED","ALTERNATIVE","DISABLED"],"configurable":false,"providerId":"auth-otp-form","level":2,"index":1,"priority":20}]`, jsonHeader())
	wantViolation(t, kcCheck(t, old), `property "priority" is unsupported`)
	wantViolation(t, kcCheck(t, adminEx("GET", path, 200, "", `[{"id":"e1","requirement":"REQUIRED","displayName":"OTP Form","requirementChoices":["REQUIRED","ALTERNATIVE","DISABLED"],"configurable":false,"providerId":"auth-otp-form","level":2,"index":1}]`, jsonHeader())))

	oldPut := adminEx("PUT", path, 204, `{"id":"e1","providerId":"auth-otp-form","authenticationConfig":null,"requirement":"REQUIRED","flowId":null,"description":null,"level":2,"index":1}`, "", http.Header{})
	wantViolation(t, kcCheck(t, oldPut), "/flowId: Value is not nullable", "/description: Value is not nullable")
	wantViolation(t, kcCheck(t, adminEx("PUT", path, 204, `{"id":"e1","requirement":"REQUIRED"}`, "", http.Header{})))
}

// "[string]" bodies are read as objects or arrays of strings, no wider.
func TestKeycloakStringCollectionBodies(t *testing.T) {
	const path = "/admin/realms/acme/authentication/flows/tenantops%20browser%20Browser%20-%20Conditional%20OTP/executions/execution"
	loc := jsonHeader("Location", kcBase+"/admin/realms/acme/authentication/executions/e9")
	r := kcCheck(t, adminEx("POST", "/admin/realms/acme/authentication/flows/tenantops browser Browser - Conditional OTP/executions/execution", 201,
		`{"provider":"webauthn-authenticator"}`, "", loc))
	wantViolation(t, r)
	if r.Operations["POST /admin/realms/{realm}/authentication/flows/{flowAlias}/executions/execution"] != 1 {
		t.Fatalf("operations = %v (path %s)", r.Operations, path)
	}
	wantViolation(t, kcCheck(t, adminEx("POST", "/admin/realms/acme/authentication/flows/browser/copy", 201,
		`"tenantops browser"`, "", jsonHeader("Location", kcBase+"/admin/realms/acme/authentication/flows/f2"))), "request body has an error")
}

func TestKeycloakCreateAndDeleteAnswers(t *testing.T) {
	wantViolation(t, kcCheck(t, adminEx("POST", "/admin/realms/acme/clients", 201, `{"clientId":"portal"}`, "", http.Header{})),
		"201 without an absolute Location header")
	wantViolation(t, kcCheck(t, adminEx("POST", "/admin/realms/acme/clients", 201, `{"clientId":"portal"}`, "",
		http.Header{"Location": {kcBase + "/admin/realms/acme/clients/8d1c"}})))
	wantViolation(t, kcCheck(t, adminEx("DELETE", "/admin/realms/acme/clients/8d1c", 204, "", `{}`, jsonHeader())), "204 with a body")
	// The realm create sits at the description's server root.
	r := kcCheck(t, adminEx("POST", "/admin/realms/", 201, `{"realm":"acme","enabled":true}`, "",
		http.Header{"Location": {kcBase + "/admin/realms/acme"}}))
	wantViolation(t, r)
	if r.Operations["POST /admin/realms/"] != 1 {
		t.Fatalf("operations = %v", r.Operations)
	}
}

func TestKeycloakCertsAndTokenSignature(t *testing.T) {
	priv, der := realmKey(t)
	certs := certsEx(t, "k1", &priv.PublicKey, der)
	answer := func(tok string) record.Exchange {
		return tokenEx("grant_type=client_credentials", 200, jsonHeader("Cache-Control", "no-store", "Pragma", "no-cache"),
			`{"access_token":"`+tok+`","expires_in":60,"token_type":"Bearer"}`)
	}
	r := kcCheck(t, certs, answer(signedToken(t, priv, "k1", 60)))
	wantViolation(t, r)
	if r.Operations["GET "+oidcCertsKey] != 1 {
		t.Fatalf("operations = %v", r.Operations)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	wantViolation(t, kcCheck(t, certs, answer(signedToken(t, other, "k1", 60))), "signature does not verify with key k1")

	noChain := certs
	noChain.RespBody = []byte(strings.Replace(string(certs.RespBody), `"x5c"`, `"x5u"`, 1))
	wantViolation(t, kcCheck(t, noChain), "no x5c certificate chain")
	wrongCert := certsEx(t, "k1", &other.PublicKey, der)
	wantViolation(t, kcCheck(t, wrongCert), "x5c[0] certifies a different key")
	noKid := certs
	noKid.RespBody = []byte(strings.Replace(string(certs.RespBody), `"kid":"k1",`, "", 1))
	wantViolation(t, kcCheck(t, noKid), "no kid")
	wantViolation(t, kcCheck(t, record.Exchange{System: "keycloak", Method: "GET", Path: "/realms/master/protocol/openid-connect/certs",
		Status: 200, RespHeader: jsonHeader(), RespBody: []byte(`[{"kty":"RSA"}]`)}), "not a JSON object")
}

func TestKeycloakDiscovery(t *testing.T) {
	iss := kcBase + "/realms/acme"
	doc := func(issuer, jwks string) record.Exchange {
		return record.Exchange{System: "keycloak", Method: "GET", Path: "/realms/acme/.well-known/openid-configuration", Status: 200,
			RespHeader: jsonHeader(), RespBody: []byte(`{"issuer":"` + issuer + `","authorization_endpoint":"` + iss + `/protocol/openid-connect/auth",` +
				`"token_endpoint":"` + iss + `/protocol/openid-connect/token","jwks_uri":"` + jwks + `",` +
				`"response_types_supported":["code"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["RS256"]}`)}
	}
	r := kcCheck(t, doc(iss, iss+"/protocol/openid-connect/certs"))
	wantViolation(t, r)
	if r.Operations["GET "+oidcDiscoveryKey] != 1 {
		t.Fatalf("operations = %v", r.Operations)
	}
	wantViolation(t, kcCheck(t, doc(kcBase+"/realms/other", iss+"/protocol/openid-connect/certs")), "Discovery 1.0 §4.3")
	wantViolation(t, kcCheck(t, doc(iss, iss+"/keys")), "Keycloak serves it at")
	noJWKS := doc(iss, "")
	noJWKS.RespBody = []byte(strings.Replace(string(noJWKS.RespBody), `"jwks_uri":"",`, "", 1))
	wantViolation(t, kcCheck(t, noJWKS), "no jwks_uri")
	noRS256 := doc(iss, iss+"/protocol/openid-connect/certs")
	noRS256.RespBody = []byte(strings.Replace(string(noRS256.RespBody), `["RS256"]`, `["ES256"]`, 1))
	wantViolation(t, kcCheck(t, noRS256), "lacks RS256")
}

func TestKeycloakUndescribed(t *testing.T) {
	r := kcCheck(t,
		record.Exchange{System: "keycloak", Method: "GET", Path: "/realms/acme/protocol/openid-connect/userinfo", Status: 200},
		adminEx("GET", "/admin/realms/acme/no-such-thing", 404, "", `{"error":"HTTP 404 Not Found"}`, jsonHeader()))
	if r.Checked != 0 || r.Undescribed["GET /realms/{realm}/protocol/openid-connect/userinfo"] != 1 ||
		r.Undescribed["GET /admin/realms/{realm}/no-such-thing"] != 1 {
		t.Fatalf("checked %d, undescribed %v", r.Checked, r.Undescribed)
	}
}

// Every endpoint the product calls is an operation the description (or,
// for the OpenID Connect endpoints, a standard) defines, under the key the
// checker reports it by.
func TestKeycloakEndpointsAreDescribed(t *testing.T) {
	spec, err := loadKeycloakSpec(ReferenceDir() + "/" + keycloakSpecFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, ep := range (keycloakChecker{}).endpoints() {
		method, tmpl, _ := strings.Cut(ep, " ")
		if strings.HasPrefix(tmpl, "/realms/") {
			if kcOIDCKey(strings.ReplaceAll(tmpl, "{realm}", "acme")) != tmpl {
				t.Errorf("%s: not an OpenID Connect operation the checker knows", ep)
			}
			continue
		}
		path := strings.NewReplacer("{realm}", "acme", "{flowAlias}", "browser", "{alias}", "x", "{id}", "8d1c").Replace(tmpl)
		req, err := spec.request(record.Exchange{Method: method, Path: path})
		if err != nil {
			t.Fatal(err)
		}
		route, _, err := spec.router.FindRoute(req)
		if err != nil || method+" "+spec.base+route.Path != ep {
			t.Errorf("%s: routed to %v (%v)", ep, route, err)
		}
	}
}
