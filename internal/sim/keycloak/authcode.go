package keycloak

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The authorization code flow (OpenID Connect Core 1.0 §3.1, RFC 6749
// §4.1, PKCE per RFC 7636) of a staff realm, as Keycloak serves it: the
// authorization endpoint answers a login form (Keycloak's login theme posts
// it to /realms/{realm}/login-actions/authenticate); good credentials
// redirect to the client's redirect_uri with code, state, session_state and
// iss (RFC 9207, which Keycloak adds); the token endpoint exchanges the code
// once, within the realm's access code lifespan (Keycloak's default 60 s),
// for an access, refresh and ID token. A protocol mapper of the staff
// realm puts the user's roles into the ID token under a configured claim.

// StaffUser is an account of a staff realm.
type StaffUser struct {
	Username, Password string
	// Roles are what the role claim lists (e.g. viewer, approver).
	Roles []string
}

// StaffClient is a confidential OpenID Connect client of a staff realm.
type StaffClient struct {
	ClientID, Secret string
	// RedirectURIs are the exact redirect URIs the client registered.
	RedirectURIs []string
}

// StaffRealm is a realm the operators of the trigger sign in with.
type StaffRealm struct {
	Name string
	// RoleClaim names the ID token claim listing a user's roles.
	RoleClaim string
	Clients   []StaffClient
	Users     []StaffUser
}

// codeLifespan is Keycloak's default "Client login timeout" / access code
// lifespan: a code must be exchanged within a minute.
const codeLifespan = 60 * time.Second

// staffState holds the staff realms, the logins in progress (by tab id)
// and the codes issued and not yet exchanged.
type staffState struct {
	realms  map[string]*StaffRealm
	pending map[string]authRequest
	codes   map[string]authCode
	userIDs map[string]string
}

// authRequest is an authorization request waiting for its login form.
type authRequest struct {
	realm, clientID, redirectURI, state, nonce, challenge, method, scope string
}

type authCode struct {
	authRequest
	user    StaffUser
	session string
	expires time.Time
}

// staffStates holds each simulator's staffState, guarded by its s.mu
// (kept beside the Server rather than in it, so this flow stays in files
// of its own).
var staffStates sync.Map // *Server -> *staffState

// staffOf returns the simulator's staff state (empty until a staff realm
// is added).
func (s *Server) staffOf() *staffState {
	v, _ := staffStates.LoadOrStore(s, &staffState{realms: map[string]*StaffRealm{}, pending: map[string]authRequest{},
		codes: map[string]authCode{}, userIDs: map[string]string{}})
	return v.(*staffState)
}

// AddStaffRealm creates a staff realm (built in: it is the operator's,
// not a tenant's, so Inventory does not list it).
func (s *Server) AddStaffRealm(sr StaffRealm) {
	st := s.staffOf()
	s.mu.Lock()
	defer s.mu.Unlock()
	if sr.RoleClaim == "" {
		sr.RoleClaim = "roles"
	}
	st.realms[sr.Name] = &sr
	for _, u := range sr.Users {
		st.userIDs[sr.Name+"/"+u.Username] = newID()
	}
	if s.realms[sr.Name] == nil {
		r := newRealm(sr.Name)
		r.builtin = true
		s.realms[sr.Name] = r
		s.order = append(s.order, sr.Name)
	}
}

// staffRoute serves the login endpoints of staff realms; false when the
// request is for another endpoint.
func (s *Server) staffRoute(w http.ResponseWriter, req *http.Request, seg []string) bool {
	switch {
	case len(seg) == 5 && seg[0] == "realms" && seg[2] == "protocol" && seg[3] == "openid-connect" && seg[4] == "auth":
		s.authorize(w, req, seg[1])
	case len(seg) == 4 && seg[0] == "realms" && seg[2] == "login-actions" && seg[3] == "authenticate":
		s.authenticate(w, req, seg[1])
	default:
		return false
	}
	return true
}

// authorize checks an authorization request and answers the login form.
// As Keycloak does, a request whose client or redirect_uri cannot be
// trusted gets an error page, never a redirect; other errors go back to
// the redirect_uri (RFC 6749 §4.1.2.1).
func (s *Server) authorize(w http.ResponseWriter, req *http.Request, realmName string) {
	if req.Method != http.MethodGet && req.Method != http.MethodPost {
		methodNotAllowed(w)
		return
	}
	_ = req.ParseForm()
	q := req.Form
	st := s.staffOf()
	s.mu.Lock()
	defer s.mu.Unlock()
	sr := st.realms[realmName]
	if sr == nil {
		if s.realms[realmName] == nil {
			notFound(w, "Realm does not exist")
			return
		}
		loginError(w, http.StatusBadRequest, "Client not found.")
		return
	}
	client := sr.client(q.Get("client_id"))
	if client == nil {
		loginError(w, http.StatusBadRequest, "Client not found.")
		return
	}
	redirect := q.Get("redirect_uri")
	if !slices.Contains(client.RedirectURIs, redirect) {
		loginError(w, http.StatusBadRequest, "Invalid parameter: redirect_uri")
		return
	}
	ar := authRequest{realm: realmName, clientID: client.ClientID, redirectURI: redirect, state: q.Get("state"),
		nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), method: q.Get("code_challenge_method"), scope: q.Get("scope")}
	switch {
	case q.Get("response_type") != "code":
		redirectError(w, req, ar, "unsupported_response_type", "Client is not allowed to initiate browser login with given response_type.")
		return
	case !slices.Contains(strings.Fields(ar.scope), "openid"):
		// Without openid it is plain OAuth 2.0; the console needs an ID token.
		redirectError(w, req, ar, "invalid_scope", "Invalid scopes: "+ar.scope)
		return
	case ar.challenge != "" && ar.method != "S256" && ar.method != "plain" && ar.method != "":
		redirectError(w, req, ar, "invalid_request", "Invalid parameter: code challenge method is not matching the configured one")
		return
	}
	if ar.challenge != "" && ar.method == "" {
		ar.method = "plain" // RFC 7636 §4.3
	}
	tab := newID()
	st.pending[tab] = ar
	loginForm(w, http.StatusOK, realmName, client.ClientID, tab, "", "")
}

// authenticate checks the login form's credentials and redirects with a
// code; a wrong password shows the form again with Keycloak's message.
func (s *Server) authenticate(w http.ResponseWriter, req *http.Request, realmName string) {
	if req.Method != http.MethodPost {
		methodNotAllowed(w)
		return
	}
	if err := req.ParseForm(); err != nil {
		loginError(w, http.StatusBadRequest, "Invalid Request")
		return
	}
	st := s.staffOf()
	s.mu.Lock()
	defer s.mu.Unlock()
	tab := req.URL.Query().Get("tab_id")
	ar, ok := st.pending[tab]
	sr := st.realms[realmName]
	if !ok || sr == nil || ar.realm != realmName {
		// Keycloak's page for a login whose session is gone.
		loginError(w, http.StatusBadRequest, "Your login attempt timed out. Login will start from the beginning.")
		return
	}
	user := sr.user(req.PostFormValue("username"), req.PostFormValue("password"))
	if user == nil {
		loginForm(w, http.StatusOK, realmName, ar.clientID, tab, req.PostFormValue("username"), "Invalid username or password.")
		return
	}
	delete(st.pending, tab)
	code := newID() + "." + newID()
	sess := newID()
	st.codes[code] = authCode{authRequest: ar, user: *user, session: sess, expires: time.Now().Add(codeLifespan)}
	v := url.Values{"code": {code}, "session_state": {sess}, "iss": {issuer(req, realmName)}}
	if ar.state != "" {
		v.Set("state", ar.state)
	}
	http.Redirect(w, req, withQuery(ar.redirectURI, v), http.StatusFound)
}

func redirectError(w http.ResponseWriter, req *http.Request, ar authRequest, code, desc string) {
	v := url.Values{"error": {code}, "error_description": {desc}}
	if ar.state != "" {
		v.Set("state", ar.state)
	}
	http.Redirect(w, req, withQuery(ar.redirectURI, v), http.StatusFound)
}

func withQuery(uri string, v url.Values) string {
	sep := "?"
	if strings.Contains(uri, "?") {
		sep = "&"
	}
	return uri + sep + v.Encode()
}

func (sr *StaffRealm) client(id string) *StaffClient {
	for i := range sr.Clients {
		if sr.Clients[i].ClientID == id {
			return &sr.Clients[i]
		}
	}
	return nil
}

func (sr *StaffRealm) user(name, password string) *StaffUser {
	for i := range sr.Users {
		u := &sr.Users[i]
		if strings.EqualFold(u.Username, name) && subtle.ConstantTimeCompare([]byte(u.Password), []byte(password)) == 1 {
			return u
		}
	}
	return nil
}

// codeGrant answers grant_type=authorization_code (RFC 6749 §4.1.3) with
// Keycloak's error texts; the caller holds s.mu.
func (s *Server) codeGrant(w http.ResponseWriter, req *http.Request, r *realm, realmName, clientID, secret string) {
	st := s.staffOf()
	sr := st.realms[realmName]
	var client *StaffClient
	if sr != nil {
		client = sr.client(clientID)
	}
	if client == nil || subtle.ConstantTimeCompare([]byte(client.Secret), []byte(secret)) != 1 {
		oauthError(w, http.StatusUnauthorized, "unauthorized_client", "Invalid client or Invalid client credentials")
		return
	}
	raw := req.PostFormValue("code")
	ac, ok := st.codes[raw]
	// A code is good once (Keycloak removes it on first use, even when the
	// exchange then fails).
	delete(st.codes, raw)
	switch {
	case !ok || time.Now().After(ac.expires) || ac.realm != realmName:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Code not valid")
		return
	case ac.clientID != clientID:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Auth error")
		return
	case req.PostFormValue("redirect_uri") != ac.redirectURI:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Incorrect redirect_uri")
		return
	case !pkceMatches(ac, req.PostFormValue("code_verifier")):
		oauthError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed: Code mismatch")
		return
	}
	sub := st.userIDs[realmName+"/"+ac.user.Username]
	out, err := s.issue(req, r, realmName, session{clientID: clientID, sub: sub, username: ac.user.Username, id: ac.session})
	if err == nil {
		out["id_token"], err = s.idToken(req, r, realmName, sr, ac, sub, str(out["access_token"]))
	}
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "unknown_error"})
		return
	}
	out["scope"] = "openid profile email"
	s.grants["authorization_code"]++
	writeJSON(w, http.StatusOK, out)
}

// pkceMatches applies RFC 7636 §4.6; a request made without a challenge
// needs no verifier.
func pkceMatches(ac authCode, verifier string) bool {
	switch ac.method {
	case "":
		return verifier == ""
	case "plain":
		return verifier == ac.challenge
	}
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:]) == ac.challenge
}

// idToken signs the ID token (OpenID Connect Core §2, §3.1.3.6): aud the
// client, typ "ID" as Keycloak sets it, the request's nonce, at_hash of
// the access token, and the roles under the realm's role claim.
func (s *Server) idToken(req *http.Request, r *realm, realmName string, sr *StaffRealm, ac authCode, sub, access string) (string, error) {
	keys, err := r.signingKeys()
	if err != nil {
		return "", err
	}
	now := time.Now().Unix()
	sum := sha256.Sum256([]byte(access))
	claims := jwt.MapClaims{"exp": now + int64(s.opts.TokenLifespan.Seconds()), "iat": now, "auth_time": now, "jti": newID(),
		"iss": issuer(req, realmName), "aud": ac.clientID, "sub": sub, "typ": "ID", "azp": ac.clientID,
		"sid": ac.session, "session_state": ac.session, "at_hash": base64.RawURLEncoding.EncodeToString(sum[:16]),
		"acr": "1", "email_verified": false, "preferred_username": strings.ToLower(ac.user.Username),
		sr.RoleClaim: append([]string{}, ac.user.Roles...)}
	if ac.nonce != "" {
		claims["nonce"] = ac.nonce
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = keys.kid
	signed, err := t.SignedString(keys.priv)
	if err != nil {
		return "", fmt.Errorf("id token: %w", err)
	}
	return signed, nil
}
