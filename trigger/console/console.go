// Package console is the operator console the trigger serves under /ui/:
// tenants, runs with a Gantt chart of their steps, approvals, drift and
// rollouts, as server-rendered HTML (html/template, no JavaScript build).
// Operators sign in with OpenID Connect (authorization code flow with
// PKCE); a role claim separates viewers from approvers. Sessions are
// HMAC-signed, HTTP-only, SameSite cookies; every state-changing form
// carries the session's CSRF token.
package console

import (
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/oauth2"

	"github.com/tenantops/tenantops/trigger/api"
	"github.com/tenantops/tenantops/trigger/runner"
	"github.com/tenantops/tenantops/trigger/seal"
)

//go:embed templates/*.html templates/style.css templates/live.js
var templateFS embed.FS

// Config configures the console.
type Config struct {
	// Issuer is the OpenID Provider's issuer URL (a Keycloak realm:
	// https://sso.example.com/realms/staff).
	Issuer string
	// ClientID and ClientSecret identify the console at the provider.
	ClientID, ClientSecret string
	// RedirectURL is where the provider sends the browser back:
	// https://<trigger>/ui/callback. An https URL makes the cookies Secure.
	RedirectURL string
	// RoleClaim names the ID token claim listing the operator's console
	// roles (viewer, approver).
	RoleClaim string
	// SessionKey signs the cookies (32 bytes or more); replicas behind one
	// address must share it. Empty: a random key (sessions end at restart).
	SessionKey []byte
	// SessionTTL is how long a sign-in lasts.
	SessionTTL time.Duration
	// HTTPClient reaches the provider (its CA); nil: the default client.
	HTTPClient *http.Client
	// Redactor hides configured secrets in errors shown.
	Redactor runner.Redactor
	// Keyring opens the sealed secrets of stored specs, to hide them
	// wherever else they might appear.
	Keyring *seal.Keyring
	// LivePoll is how often a run page's live updates look at the run
	// (live.go); zero: a second.
	LivePoll time.Duration
}

// Console serves the pages.
type Console struct {
	Pool *pgxpool.Pool
	// API approves and rejects runs exactly as the HTTP API does.
	API *api.API
	Log *slog.Logger

	cfg        Config
	signer     signer
	secure     bool
	oauth      oauth2.Config
	verifier   *oidc.IDTokenVerifier
	httpClient *http.Client
	pages      map[string]*template.Template
}

// New discovers the provider and parses the templates.
func New(ctx context.Context, cfg Config, pool *pgxpool.Pool, a *api.API, log *slog.Logger) (*Console, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("console: issuer, client id and redirect URL are required")
	}
	if cfg.RoleClaim == "" {
		cfg.RoleClaim = "tenantops_roles"
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 8 * time.Hour
	}
	key := cfg.SessionKey
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
	} else if len(key) < 32 {
		return nil, errors.New("console: session key must be at least 32 bytes")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, hc), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("console: OpenID Connect discovery at %s: %w", cfg.Issuer, err)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	return &Console{Pool: pool, API: a, Log: log, cfg: cfg, signer: signer{key: key},
		secure: strings.HasPrefix(cfg.RedirectURL, "https://"), httpClient: hc, pages: pages,
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "profile"}},
		verifier: provider.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
	}, nil
}

// Handler routes /ui/.
func (c *Console) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ui/login", c.login)
	mux.HandleFunc("GET /ui/callback", c.callback)
	mux.HandleFunc("GET /ui/signed-out", func(w http.ResponseWriter, r *http.Request) {
		c.render(w, r, http.StatusOK, "signedout", Session{}, nil)
	})
	mux.HandleFunc("GET /ui/style.css", serveCSS)
	mux.HandleFunc("GET /ui/live.js", serveLiveJS)
	mux.Handle("GET /ui/{$}", c.viewer(c.tenants))
	mux.Handle("GET /ui/tenants/{id}", c.viewer(c.tenant))
	mux.Handle("GET /ui/runs/{id}", c.viewer(c.run))
	mux.Handle("GET /ui/runs/{id}/events", c.viewer(c.runEvents))
	mux.Handle("GET /ui/approvals", c.viewer(c.approvals))
	mux.Handle("GET /ui/drift", c.viewer(c.drift))
	mux.Handle("GET /ui/rollouts", c.viewer(c.rollouts))
	mux.Handle("POST /ui/runs/{id}/approve", c.approver(c.approve))
	mux.Handle("POST /ui/runs/{id}/reject", c.approver(c.reject))
	mux.Handle("POST /ui/logout", c.form(func(Session) bool { return true }, c.logout))
	return securityHeaders(mux)
}

type pageFunc func(http.ResponseWriter, *http.Request, Session)

// viewer lets any signed-in operator through; others go to sign in.
func (c *Console) viewer(next pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, ok := c.session(r)
		if !ok {
			http.Redirect(w, r, "/ui/login?return="+urlQueryEscape(r.URL.RequestURI()), http.StatusFound)
			return
		}
		next(w, r, s)
	})
}

// approver guards the approval forms: a session with the approver role
// and the form's CSRF token.
func (c *Console) approver(next pageFunc) http.Handler {
	return c.form(Session.CanApprove, next)
}

// form guards a state-changing POST: a session, the CSRF token, then the
// role check allowed.
func (c *Console) form(allowed func(Session) bool, next pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		s, ok := c.session(r)
		if !ok {
			c.errorPage(w, r, http.StatusUnauthorized, "You are not signed in (or your session ended). Sign in and try again.")
			return
		}
		if !checkCSRF(r, s) {
			c.errorPage(w, r, http.StatusForbidden, "The form's security token is missing or wrong. Reload the page and try again.")
			return
		}
		if !allowed(s) {
			c.errorPage(w, r, http.StatusForbidden, "Your role ("+strings.Join(s.Roles, ", ")+") may not do this: approving and rejecting runs needs the approver role.")
			return
		}
		next(w, r, s)
	})
}

// securityHeaders: no framing, no sniffing, scripts only from the page
// itself, nothing cached.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}
