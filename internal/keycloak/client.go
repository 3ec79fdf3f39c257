// Package keycloak is tenantops' client for the Keycloak admin REST API. It
// wraps gocloak with admin authentication (client credentials or password
// grant, refreshed before expiry, re-login on 401) and speaks the domain:
// realms with an MFA policy, OIDC clients, brokered identity providers and
// LDAP user federation.
package keycloak

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/Nerzal/gocloak/v13"
	"github.com/go-resty/resty/v2"

	"github.com/tenantops/tenantops/internal/tlsutil"
)

// Mask is what Keycloak returns in place of a stored secret. It is never
// written back.
const Mask = "**********"

// ErrNotFound is matched (errors.Is) by every error for a missing object.
var ErrNotFound = errors.New("not found")

// ErrLogin is matched (errors.Is) by a failed admin login, so callers can
// tell wrong credentials from a failed request.
var ErrLogin = errors.New("admin login failed")

// Error carries Keycloak's status and message.
type Error struct {
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Message }

// Is makes errors.Is(err, ErrNotFound) true for 404 answers.
func (e *Error) Is(target error) bool {
	return target == ErrNotFound && e.Status == http.StatusNotFound
}

// Config is how to reach and authenticate to Keycloak.
type Config struct {
	URL string
	// Realm the admin client or user lives in (default "master").
	Realm                  string
	ClientID, ClientSecret string
	Username, Password     string
	TLS                    tlsutil.Options
	Timeout                time.Duration
	// UserAgent names the caller in every request; gocloak's default when empty.
	UserAgent string
}

// Client talks to one Keycloak server. It is safe for concurrent use.
type Client struct {
	gc  *gocloak.GoCloak
	cfg Config

	mu      sync.Mutex
	tok     *gocloak.JWT
	expires time.Time
	refresh time.Time
}

// New builds a client; it does not log in until the first call.
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" {
		return nil, errors.New("keycloak: url is required")
	}
	if cfg.Realm == "" {
		cfg.Realm = "master"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 60 * time.Second
	}
	if cfg.ClientSecret == "" && cfg.Password == "" {
		return nil, errors.New("keycloak: client_secret or username/password is required")
	}
	tlsCfg, err := cfg.TLS.Config()
	if err != nil {
		return nil, fmt.Errorf("keycloak: %w", err)
	}
	gc := gocloak.NewClient(strings.TrimRight(cfg.URL, "/"))
	gc.RestyClient().SetTLSClientConfig(tlsCfg).SetTimeout(cfg.Timeout).
		SetRetryCount(3).SetRetryWaitTime(200 * time.Millisecond).SetRetryMaxWaitTime(2 * time.Second).
		AddRetryCondition(retryTransient)
	if cfg.UserAgent != "" {
		gc.RestyClient().SetHeader("User-Agent", cfg.UserAgent)
	}
	return &Client{gc: gc, cfg: cfg}, nil
}

// retryTransient retries idempotent requests (GET, PUT, DELETE: tenantops
// always PUTs the whole desired state) after a connection error or a 502,
// 503 or 504. A POST is never repeated: the first may have created the object.
func retryTransient(r *resty.Response, err error) bool {
	if r == nil || r.Request == nil {
		return false
	}
	switch r.Request.Method {
	case http.MethodGet, http.MethodPut, http.MethodDelete:
	default:
		return false
	}
	if err != nil {
		return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
	}
	switch r.StatusCode() {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// BaseURL is the server's base URL without a trailing slash.
func (c *Client) BaseURL() string { return strings.TrimRight(c.cfg.URL, "/") }

// Issuer is the OpenID Connect issuer URL of a realm.
func (c *Client) Issuer(realm string) string { return c.BaseURL() + "/realms/" + realm }

// token returns a valid access token, refreshing or logging in as needed.
func (c *Client) token(ctx context.Context, force bool) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if !force && c.tok != nil && now.Before(c.expires) {
		return c.tok.AccessToken, nil
	}
	if !force && c.tok != nil && c.tok.RefreshToken != "" && now.Before(c.refresh) {
		clientID, secret := c.loginClient()
		if t, err := c.gc.RefreshToken(ctx, c.tok.RefreshToken, clientID, secret, c.cfg.Realm); err == nil {
			c.store(t)
			return t.AccessToken, nil
		}
	}
	var t *gocloak.JWT
	var err error
	if c.cfg.ClientSecret != "" && c.cfg.Password == "" {
		t, err = c.gc.LoginClient(ctx, c.cfg.ClientID, c.cfg.ClientSecret, c.cfg.Realm)
	} else {
		clientID, secret := c.loginClient()
		t, err = c.gc.Login(ctx, clientID, secret, c.cfg.Realm, c.cfg.Username, c.cfg.Password)
	}
	if err != nil {
		c.tok = nil
		return "", fmt.Errorf("%w: %w", ErrLogin, wrap(err))
	}
	c.store(t)
	return t.AccessToken, nil
}

func (c *Client) loginClient() (string, string) {
	if c.cfg.ClientSecret != "" && c.cfg.Password == "" {
		return c.cfg.ClientID, c.cfg.ClientSecret
	}
	id := c.cfg.ClientID
	if id == "" {
		id = "admin-cli"
	}
	return id, c.cfg.ClientSecret
}

// store keeps a token, treating it as expired a little early so a request
// never starts with a token about to lapse.
func (c *Client) store(t *gocloak.JWT) {
	c.tok = t
	now := time.Now()
	margin := func(sec int) time.Duration {
		d := time.Duration(sec) * time.Second
		if m := d / 5; m < 30*time.Second {
			return d - m
		}
		return d - 30*time.Second
	}
	c.expires = now.Add(margin(t.ExpiresIn))
	c.refresh = now.Add(margin(t.RefreshExpiresIn))
}

// do runs fn with a token, logging in again once if Keycloak answers 401.
func (c *Client) do(ctx context.Context, fn func(token string) error) error {
	tok, err := c.token(ctx, false)
	if err != nil {
		return err
	}
	err = fn(tok)
	var apiErr *gocloak.APIError
	if errors.As(err, &apiErr) && apiErr.Code == http.StatusUnauthorized {
		if tok, err = c.token(ctx, true); err != nil {
			return err
		}
		err = fn(tok)
	}
	return wrap(err)
}

// send makes a request gocloak has no call for, or whose gocloak body
// Keycloak's description does not allow, with gocloak's own authenticated
// request and its error type, so do and wrap treat it like any other call.
func (c *Client) send(ctx context.Context, method, path string, body any) error {
	return c.do(ctx, func(tok string) error {
		resp, err := c.gc.GetRequestWithBearerAuth(ctx, tok).SetBody(body).Execute(method, c.BaseURL()+path)
		if err != nil {
			return &gocloak.APIError{Message: err.Error()}
		}
		if resp.IsError() {
			msg := resp.Status()
			if e, ok := resp.Error().(*gocloak.HTTPErrorResponse); ok && e.NotEmpty() {
				msg += ": " + e.String()
			}
			return &gocloak.APIError{Code: resp.StatusCode(), Message: msg}
		}
		return nil
	})
}

// wrap turns a gocloak error into *Error, keeping Keycloak's message.
func wrap(err error) error {
	if err == nil {
		return nil
	}
	var apiErr *gocloak.APIError
	if errors.As(err, &apiErr) {
		return &Error{Status: apiErr.Code, Message: apiErr.Message}
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Message: err.Error()}
}

func sp(s string) *string { return &s }
func bp(b bool) *bool     { return &b }
func ip(i int) *int       { return &i }
