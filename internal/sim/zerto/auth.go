package zerto

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"
)

// tokenError answers an RFC 6749 section 5.2 error.
func tokenError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// token is the appliance's Keycloak token endpoint. Keycloak answers
// invalid_client (401) for bad client credentials and invalid_grant (401)
// for bad user credentials; a token answer is never cached (RFC 6749 5.1).
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "Invalid form")
		return
	}
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		id, secret = u, p
	}
	switch r.PostForm.Get("grant_type") {
	case "client_credentials":
		if id != s.opts.ClientID || secret != s.opts.ClientSecret {
			tokenError(w, http.StatusUnauthorized, "invalid_client", "Invalid client or Invalid client credentials")
			return
		}
	case "password":
		if id != "zerto-client" && id != s.opts.ClientID {
			tokenError(w, http.StatusUnauthorized, "invalid_client", "Invalid client or Invalid client credentials")
			return
		}
		if r.PostForm.Get("username") != s.opts.Username || r.PostForm.Get("password") != s.opts.Password {
			tokenError(w, http.StatusUnauthorized, "invalid_grant", "Invalid user credentials")
			return
		}
	case "":
		tokenError(w, http.StatusBadRequest, "invalid_request", "Missing form parameter: grant_type")
		return
	default:
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant_type")
		return
	}
	tok := "eyJ" + newID() + newID()
	s.mu.Lock()
	s.tokens[tok] = time.Now().Add(s.opts.TokenTTL)
	s.logins++
	ttl := int(s.opts.TokenTTL / time.Second)
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok, "expires_in": ttl, "refresh_expires_in": ttl * 6, "refresh_token": "eyJ" + newID(),
		"token_type": "Bearer", "not-before-policy": 0, "session_state": newUUID(), "scope": "profile email",
	})
}

func (s *Server) sessionAdd(w http.ResponseWriter, r *http.Request) {
	u, p, ok := r.BasicAuth()
	if !ok || u != s.opts.Username || p != s.opts.Password {
		zertoError(w, http.StatusUnauthorized, "Authorization has been denied for this request.")
		return
	}
	sess := newUUID()
	s.mu.Lock()
	s.sessions[sess] = time.Now().Add(s.opts.TokenTTL)
	s.logins++
	s.sessLogin++
	s.mu.Unlock()
	w.Header().Set("x-zerto-session", sess)
	w.WriteHeader(http.StatusOK)
}

func (s *Server) sessionDelete(w http.ResponseWriter, r *http.Request) {
	delete(s.sessions, r.Header.Get("x-zerto-session"))
	w.WriteHeader(http.StatusOK)
}

// authed guards a /v1 handler: a live bearer token or x-zerto-session. It
// also takes the lock and brings tasks up to date for the handler. Network
// I/O stays outside the lock: the body is read before, the answer written after.
func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(out http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		defer func() {
			for k, v := range rec.Header() {
				out.Header()[k] = v
			}
			out.WriteHeader(rec.Code)
			_, _ = out.Write(rec.Body.Bytes())
		}()
		var w http.ResponseWriter = rec
		now := time.Now()
		s.mu.Lock()
		ok := false
		if tok, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); found {
			exp, known := s.tokens[tok]
			ok = known && now.Before(exp)
		} else if sess := r.Header.Get("x-zerto-session"); sess != "" {
			exp, known := s.sessions[sess]
			ok = known && now.Before(exp)
			if ok { // idle timeout: every call extends the session
				s.sessions[sess] = now.Add(s.opts.TokenTTL)
			}
		}
		if !ok {
			s.mu.Unlock()
			zertoError(w, http.StatusUnauthorized, "Authorization has been denied for this request.")
			return
		}
		s.advance(now)
		defer s.mu.Unlock()
		h(w, r)
	}
}
