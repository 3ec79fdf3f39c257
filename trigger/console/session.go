package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Roles a signed-in operator may hold (the role claim's values).
const (
	RoleViewer   = "viewer"
	RoleApprover = "approver"
)

// Session is what the session cookie carries, signed with HMAC-SHA256:
// who signed in, their console roles, the CSRF token of their forms and
// when the session ends. Nothing secret is in it, so signing suffices.
type Session struct {
	Subject string    `json:"sub"`
	Name    string    `json:"name"`
	Roles   []string  `json:"roles"`
	CSRF    string    `json:"csrf"`
	Expires time.Time `json:"exp"`
}

// CanApprove reports whether the operator may approve or reject runs.
func (s Session) CanApprove() bool { return slices.Contains(s.Roles, RoleApprover) }

// canView: approvers see everything viewers do.
func (s Session) canView() bool { return s.CanApprove() || slices.Contains(s.Roles, RoleViewer) }

const (
	sessionCookie = "tenantops_session"
	loginCookie   = "tenantops_login"
)

// signer signs and verifies cookie values: base64url(JSON) "." base64url(MAC).
type signer struct{ key []byte }

func (s signer) encode(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + base64.RawURLEncoding.EncodeToString(s.mac(payload)), nil
}

func (s signer) mac(payload string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

var errBadCookie = errors.New("cookie missing, altered or expired")

func (s signer) decode(value string, v any) error {
	payload, sig, ok := strings.Cut(value, ".")
	if !ok {
		return errBadCookie
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(payload)) {
		return errBadCookie
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return errBadCookie
	}
	return json.Unmarshal(b, v)
}

// setCookie writes a signed cookie scoped to the console. SameSite=Lax:
// the identity provider's redirect back is a top-level GET that must carry
// the login cookie, while cross-site POSTs carry neither cookie.
func (c *Console) setCookie(w http.ResponseWriter, name string, v any, ttl time.Duration) error {
	value, err := c.signer.encode(v)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/ui/", MaxAge: int(ttl.Seconds()),
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode})
	return nil
}

func (c *Console) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/ui/", MaxAge: -1,
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode})
}

// session returns the request's valid, unexpired session.
func (c *Console) session(r *http.Request) (Session, bool) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return Session{}, false
	}
	var s Session
	if c.signer.decode(ck.Value, &s) != nil || time.Now().After(s.Expires) {
		return Session{}, false
	}
	return s, true
}

// checkCSRF compares the form's csrf field with the session's token.
func checkCSRF(r *http.Request, s Session) bool {
	got := r.PostFormValue("csrf")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.CSRF)) == 1
}

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
