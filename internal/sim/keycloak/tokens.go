package keycloak

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // x5t is defined as a SHA-1 thumbprint (RFC 7517 §4.8)
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Keycloak's token endpoint, its realm keys (certs) and its discovery
// document. Keycloak signs access tokens with the realm's "rsa-generated"
// RS256 key and refresh tokens with its "hmac-generated-hs512" key; certs
// publishes the RSA key with its kid and self-signed certificate; the admin
// API accepts a token only while its signature verifies, it has not expired
// and it has not been revoked.

// refreshLifespan is master's SSO session idle timeout, the lifetime
// Keycloak gives a refresh token (refresh_expires_in).
const refreshLifespan = 1800

// realmKeys are a realm's signing keys, made on first use (a realm Keycloak
// creates gets them at once; generating lazily keeps the simulator quick).
type realmKeys struct {
	kid     string
	priv    *rsa.PrivateKey
	certDER []byte
	hmacKid string
	hmac    []byte
}

func (r *realm) signingKeys() (*realmKeys, error) {
	if r.keys != nil {
		return r.keys, nil
	}
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(math.MaxInt64))
	if err != nil {
		return nil, err
	}
	// Keycloak's generated certificate is self-signed with the realm name
	// as common name.
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: str(r.rep["realm"])},
		NotBefore: now.Add(-time.Minute), NotAfter: now.AddDate(10, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 64)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	r.keys = &realmKeys{kid: randomKid(), priv: priv, certDER: der, hmacKid: newID(), hmac: secret}
	return r.keys, nil
}

// randomKid is a key id shaped like Keycloak's (43 base64url characters).
func randomKid() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// issuer is a realm's issuer URL as Keycloak derives it from the request.
func issuer(req *http.Request, realmName string) string {
	return "https://" + req.Host + "/realms/" + realmName
}

// ---- token endpoint ----

func (s *Server) token(w http.ResponseWriter, req *http.Request, realmName string) {
	// RFC 6749 §5.1: token answers must not be cached.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	if req.Method != http.MethodPost {
		methodNotAllowed(w)
		return
	}
	if err := req.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "Unable to parse the form")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.realms[realmName]
	if r == nil {
		notFound(w, "Realm does not exist")
		return
	}
	clientID, secret, basic := basicAuth(req)
	if !basic {
		clientID, secret = req.PostFormValue("client_id"), req.PostFormValue("client_secret")
	}
	var sess session
	grant := req.PostFormValue("grant_type")
	switch grant {
	case "client_credentials":
		if clientID != s.opts.AdminClientID || secret != s.opts.AdminClientSecret || realmName != "master" {
			oauthError(w, http.StatusUnauthorized, "unauthorized_client", "Invalid client or Invalid client credentials")
			return
		}
		sess = session{clientID: clientID, sub: s.serviceAccountID, username: "service-account-" + clientID}
	case "password":
		if clientID != "admin-cli" && clientID != s.opts.AdminClientID {
			oauthError(w, http.StatusUnauthorized, "invalid_client", "Invalid client or Invalid client credentials")
			return
		}
		if req.PostFormValue("username") != s.opts.AdminUser || req.PostFormValue("password") != s.opts.AdminPassword || realmName != "master" {
			oauthError(w, http.StatusUnauthorized, "invalid_grant", "Invalid user credentials")
			return
		}
		sess = session{clientID: clientID, sub: s.adminUserID, username: s.opts.AdminUser, id: newID()}
	case "authorization_code":
		s.codeGrant(w, req, r, realmName, clientID, secret)
		return
	case "refresh_token":
		var ok bool
		if sess, ok = s.refreshSession(r, req.PostFormValue("refresh_token"), clientID); !ok {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Invalid refresh token")
			return
		}
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant_type")
		return
	}
	out, err := s.issue(req, r, realmName, sess)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "unknown_error"})
		return
	}
	s.grants[grant]++
	writeJSON(w, http.StatusOK, out)
}

// session is who a token speaks for. A password login opens a user
// session (id); a client-credentials login opens none: Keycloak (12 and
// later, client setting "Use refresh tokens for client credentials grant"
// off) issues no refresh token for it and drops the session at once.
type session struct {
	clientID, sub, username, id string
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// issue signs an access token (and a refresh token for a user session) and
// builds the token endpoint's answer.
func (s *Server) issue(req *http.Request, r *realm, realmName string, sess session) (map[string]any, error) {
	keys, err := r.signingKeys()
	if err != nil {
		return nil, err
	}
	life := int64(math.Ceil(s.opts.TokenLifespan.Seconds()))
	now := time.Now().Unix()
	iss := issuer(req, realmName)
	claims := jwt.MapClaims{"exp": now + life, "iat": now, "jti": newID(), "iss": iss, "sub": sess.sub,
		"typ": "Bearer", "azp": sess.clientID, "acr": "1", "scope": "profile email", "email_verified": false,
		"preferred_username": sess.username}
	if sess.id != "" {
		claims["sid"], claims["session_state"] = sess.id, sess.id
	} else {
		claims["clientId"], claims["clientHost"], claims["clientAddress"] = sess.clientID, "127.0.0.1", "127.0.0.1"
	}
	access := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	access.Header["kid"] = keys.kid
	signed, err := access.SignedString(keys.priv)
	if err != nil {
		return nil, err
	}
	s.active[str(claims["jti"])] = true
	out := map[string]any{"access_token": signed, "expires_in": life, "refresh_expires_in": 0,
		"token_type": "Bearer", "not-before-policy": 0, "scope": "profile email"}
	if sess.id == "" {
		return out, nil
	}
	rc := jwt.MapClaims{"exp": now + refreshLifespan, "iat": now, "jti": newID(), "iss": iss, "aud": iss,
		"sub": sess.sub, "typ": "Refresh", "azp": sess.clientID, "sid": sess.id, "session_state": sess.id,
		"scope": "profile email"}
	refresh := jwt.NewWithClaims(jwt.SigningMethodHS512, rc)
	refresh.Header["kid"] = keys.hmacKid
	signedRefresh, err := refresh.SignedString(keys.hmac)
	if err != nil {
		return nil, err
	}
	s.activeRefresh[str(rc["jti"])] = true
	out["refresh_token"], out["refresh_expires_in"], out["session_state"] = signedRefresh, refreshLifespan, sess.id
	return out, nil
}

// refreshSession checks a refresh token as Keycloak does (signature, type,
// expiry, the client it was issued to, not revoked) and returns its session.
// Keycloak lets a refresh token be reused until it expires (realm setting
// "Revoke refresh token" off).
func (s *Server) refreshSession(r *realm, raw, clientID string) (session, bool) {
	if r.keys == nil {
		return session{}, false
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return r.keys.hmac, nil },
		jwt.WithValidMethods([]string{"HS512"}), jwt.WithoutClaimsValidation())
	if err != nil || claims["typ"] != "Refresh" || expired(claims) || !s.activeRefresh[str(claims["jti"])] ||
		str(claims["azp"]) != clientID {
		return session{}, false
	}
	user := s.opts.AdminUser
	return session{clientID: clientID, sub: str(claims["sub"]), username: user, id: str(claims["sid"])}, true
}

// expired applies Keycloak's rule (Token.isExpired): a token is valid up to
// and including the second its exp names.
func expired(claims jwt.MapClaims) bool {
	exp, ok := claims["exp"].(float64)
	return !ok || time.Now().Unix() > int64(exp)
}

// authorized reports whether the request carries an access token Keycloak
// would accept: RS256-signed with the key of the realm its iss names, not
// expired, a Bearer token, and not revoked.
func (s *Server) authorized(req *http.Request) bool {
	raw, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		r := s.realms[realmOfIssuer(str(claims["iss"]))]
		if r == nil || r.keys == nil || t.Header["kid"] != r.keys.kid {
			return nil, jwt.ErrTokenUnverifiable
		}
		return &r.keys.priv.PublicKey, nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation())
	return err == nil && claims["typ"] == "Bearer" && !expired(claims) && s.active[str(claims["jti"])]
}

func realmOfIssuer(iss string) string {
	_, name, ok := strings.Cut(iss, "/realms/")
	if !ok || strings.Contains(name, "/") {
		return ""
	}
	return name
}

// ---- certs and discovery ----

// certs answers the realm's JSON Web Key Set as Keycloak does: every key
// with kid, kty, alg, use, n, e, its certificate chain (x5c) and thumbprints.
func (s *Server) certs(w http.ResponseWriter, req *http.Request, realmName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.realms[realmName]
	if r == nil {
		notFound(w, "Realm does not exist")
		return
	}
	keys, err := r.signingKeys()
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "unknown_error"})
		return
	}
	pub := keys.priv.PublicKey
	sum1, sum256 := sha1.Sum(keys.certDER), sha256.Sum256(keys.certDER) //nolint:gosec // RFC 7517 §4.8
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]any{{
		"kid": keys.kid, "kty": "RSA", "alg": "RS256", "use": "sig",
		"n":        base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e":        base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		"x5c":      []string{base64.StdEncoding.EncodeToString(keys.certDER)},
		"x5t":      base64.RawURLEncoding.EncodeToString(sum1[:]),
		"x5t#S256": base64.RawURLEncoding.EncodeToString(sum256[:]),
	}}})
}

// discovery answers the realm's OpenID Provider metadata, naming the
// endpoints under the issuer where Keycloak serves them.
func (s *Server) discovery(w http.ResponseWriter, req *http.Request, realmName string) {
	s.mu.Lock()
	r := s.realms[realmName]
	s.mu.Unlock()
	if r == nil {
		notFound(w, "Realm does not exist")
		return
	}
	iss := issuer(req, realmName)
	oidc := iss + "/protocol/openid-connect"
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                iss,
		"authorization_endpoint":                oidc + "/auth",
		"token_endpoint":                        oidc + "/token",
		"introspection_endpoint":                oidc + "/token/introspect",
		"userinfo_endpoint":                     oidc + "/userinfo",
		"end_session_endpoint":                  oidc + "/logout",
		"jwks_uri":                              oidc + "/certs",
		"grant_types_supported":                 []string{"authorization_code", "implicit", "refresh_token", "password", "client_credentials"},
		"response_types_supported":              []string{"code", "none", "id_token", "token", "id_token token", "code id_token", "code token", "code id_token token"},
		"subject_types_supported":               []string{"public", "pairwise"},
		"id_token_signing_alg_values_supported": []string{"PS384", "ES384", "RS384", "HS256", "HS512", "ES256", "RS256", "HS384", "ES512", "PS256", "PS512", "RS512"},
		"token_endpoint_auth_methods_supported": []string{"private_key_jwt", "client_secret_basic", "client_secret_post", "tls_client_auth", "client_secret_jwt"},
		"scopes_supported":                      []string{"openid", "profile", "email", "address", "phone", "offline_access", "roles", "web-origins", "acr", "microprofile-jwt"},
		"claims_supported":                      []string{"aud", "sub", "iss", "auth_time", "name", "given_name", "family_name", "preferred_username", "email", "acr"},
		"code_challenge_methods_supported":      []string{"plain", "S256"},
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
	})
}
