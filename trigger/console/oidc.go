package console

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// loginState is the short-lived cookie between the redirect to the
// identity provider and its redirect back: the state and nonce the answer
// must echo, the PKCE verifier, and the page to return to.
type loginState struct {
	State    string    `json:"state"`
	Nonce    string    `json:"nonce"`
	Verifier string    `json:"verifier"`
	Return   string    `json:"return"`
	Expires  time.Time `json:"exp"`
}

const loginTTL = 10 * time.Minute

// login sends the browser to the identity provider (authorization code
// flow with PKCE, RFC 7636).
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	ls := loginState{State: randomToken(), Nonce: randomToken(), Verifier: oauth2.GenerateVerifier(),
		Return: safeReturn(r.URL.Query().Get("return")), Expires: time.Now().Add(loginTTL)}
	if err := c.setCookie(w, loginCookie, ls, loginTTL); err != nil {
		c.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, c.oauth.AuthCodeURL(ls.State, oidc.Nonce(ls.Nonce), oauth2.S256ChallengeOption(ls.Verifier)), http.StatusFound)
}

// safeReturn keeps a return path inside the console (no open redirect).
func safeReturn(p string) string {
	if !strings.HasPrefix(p, "/ui/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") {
		return "/ui/"
	}
	return p
}

// callback completes the sign-in: it checks state, exchanges the code
// (with the PKCE verifier), verifies the ID token and its nonce, reads the
// roles and opens the session.
func (c *Console) callback(w http.ResponseWriter, r *http.Request) {
	ck, err := r.Cookie(loginCookie)
	var ls loginState
	if err != nil || c.signer.decode(ck.Value, &ls) != nil || time.Now().After(ls.Expires) {
		c.errorPage(w, r, http.StatusBadRequest, "The sign-in took too long or was started elsewhere. Please sign in again.")
		return
	}
	c.clearCookie(w, loginCookie)
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		c.errorPage(w, r, http.StatusUnauthorized, "The identity provider refused the sign-in: "+e)
		return
	}
	if q.Get("state") == "" || q.Get("state") != ls.State {
		c.errorPage(w, r, http.StatusBadRequest, "The sign-in answer does not match the request (state). Please sign in again.")
		return
	}
	ctx := oidc.ClientContext(r.Context(), c.httpClient)
	tok, err := c.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(ls.Verifier))
	if err != nil {
		c.Log.Warn("console sign-in: code exchange", "error", err.Error())
		c.errorPage(w, r, http.StatusUnauthorized, "The sign-in could not be completed (code exchange failed).")
		return
	}
	sess, err := c.sessionFromToken(ctx, tok, ls.Nonce)
	if err != nil {
		c.Log.Warn("console sign-in refused", "error", err.Error())
		c.errorPage(w, r, http.StatusForbidden, err.Error())
		return
	}
	if err := c.setCookie(w, sessionCookie, sess, time.Until(sess.Expires)); err != nil {
		c.serverError(w, r, err)
		return
	}
	c.Log.Info("console sign-in", "user", sess.Name, "roles", strings.Join(sess.Roles, ","))
	http.Redirect(w, r, ls.Return, http.StatusFound)
}

// sessionFromToken verifies the ID token and builds the session from its
// claims; an operator with neither console role is refused.
func (c *Console) sessionFromToken(ctx context.Context, tok *oauth2.Token, nonce string) (Session, error) {
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return Session{}, fmt.Errorf("the identity provider sent no ID token")
	}
	idt, err := c.verifier.Verify(ctx, raw)
	if err != nil {
		return Session{}, fmt.Errorf("the ID token did not verify: %w", err)
	}
	if idt.Nonce != nonce {
		return Session{}, fmt.Errorf("the ID token's nonce does not match the sign-in")
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return Session{}, err
	}
	s := Session{Subject: idt.Subject, CSRF: randomToken(), Expires: time.Now().Add(c.cfg.SessionTTL)}
	s.Name, _ = claims["preferred_username"].(string)
	if s.Name == "" {
		s.Name = idt.Subject
	}
	if list, ok := claims[c.cfg.RoleClaim].([]any); ok {
		for _, v := range list {
			if role, _ := v.(string); role == RoleViewer || role == RoleApprover {
				s.Roles = append(s.Roles, role)
			}
		}
	}
	if !s.canView() {
		return Session{}, fmt.Errorf("%s has no console role (claim %s must hold viewer or approver)", s.Name, c.cfg.RoleClaim)
	}
	return s, nil
}

// logout ends the console session (POST with the CSRF token).
func (c *Console) logout(w http.ResponseWriter, r *http.Request, s Session) {
	c.clearCookie(w, sessionCookie)
	http.Redirect(w, r, "/ui/signed-out", http.StatusSeeOther)
}
