// Package zerto is tenantops' client for the Zerto Virtual Manager (ZVM)
// REST API v1: login (the ZVM appliance's Keycloak token flow or the legacy
// x-zerto-session header), lookups of sites, org VDCs, their networks and storage
// policies, unprotected vApps, service profiles and ZORGs, the VPG settings workflow (create or copy a settings
// object, edit it, commit it), task polling, VPG status and deletion.
package zerto

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Auth modes.
const (
	// AuthKeycloak is the ZVM appliance (10.x) login: an OpenID Connect token
	// from the appliance's Keycloak realm "zerto", sent as a Bearer token.
	AuthKeycloak = "keycloak"
	// AuthSession is the legacy login: POST /v1/session/add with Basic auth
	// returns an x-zerto-session header that accompanies every call.
	AuthSession = "session"
)

// DefaultPollInterval is how often WaitTask and WaitVpgStatus poll a real ZVM.
const DefaultPollInterval = time.Second

// tokenPath is the appliance's token endpoint (operation getAuthToken).
const tokenPath = "/auth/realms/zerto/protocol/openid-connect/token"

// Config is everything New needs.
type Config struct {
	// URL is the ZVM base URL, e.g. https://zvm.example.com.
	URL string
	// AuthMode is AuthKeycloak (default) or AuthSession.
	AuthMode string
	// ClientID and ClientSecret select the client-credentials grant.
	ClientID, ClientSecret string
	// Username and Password select the password grant (AuthKeycloak, with
	// client id "zerto-client" unless ClientID is set) or Basic auth (AuthSession).
	Username, Password string
	// HTTPClient carries TLS settings and the per-request timeout.
	HTTPClient *http.Client
	// PollInterval for tasks and VPG status; DefaultPollInterval when zero.
	PollInterval time.Duration
	// UserAgent names the caller in every request; DefaultUserAgent when empty.
	UserAgent string
}

// DefaultUserAgent is the User-Agent of a client whose Config names none.
const DefaultUserAgent = "tenantops"

// Client talks to one ZVM. It is safe for concurrent use; one login is shared
// and renewed when it expires or the ZVM rejects it.
type Client struct {
	base         *url.URL
	cfg          Config
	hc           *http.Client
	pollInterval time.Duration

	mu      sync.Mutex
	token   string // bearer token or x-zerto-session value
	expires time.Time
}

// New validates cfg and returns a client. It does not log in yet.
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" {
		return nil, errors.New("zerto: URL is required")
	}
	u, err := url.Parse(strings.TrimRight(cfg.URL, "/"))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("zerto: invalid URL %q", cfg.URL)
	}
	if cfg.AuthMode == "" {
		cfg.AuthMode = AuthKeycloak
	}
	switch cfg.AuthMode {
	case AuthKeycloak:
		if cfg.ClientID == "" && cfg.Username == "" {
			return nil, errors.New("zerto: keycloak login needs client_id/client_secret or username/password")
		}
	case AuthSession:
		if cfg.Username == "" {
			return nil, errors.New("zerto: session login needs username and password")
		}
	default:
		return nil, fmt.Errorf("zerto: unknown auth mode %q", cfg.AuthMode)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	pi := cfg.PollInterval
	if pi <= 0 {
		pi = DefaultPollInterval
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	return &Client{base: u, cfg: cfg, hc: hc, pollInterval: pi}, nil
}

// send does one request with the client's User-Agent.
func (c *Client) send(req *http.Request) (*http.Response, error) {
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	return c.hc.Do(req)
}

// PollInterval reports the interval the client polls tasks with.
func (c *Client) PollInterval() time.Duration { return c.pollInterval }

// ErrNotFound is matched (errors.Is) by every 404 answer and by lookups that
// find no object of the given name.
var ErrNotFound = errors.New("not found")

// ErrLogin is matched (errors.Is) by every failed login, token or session,
// so callers can tell wrong credentials from a failed request.
var ErrLogin = errors.New("login failed")

// loginError marks err as a failed login without changing its message.
type loginError struct{ err error }

func (e loginError) Error() string        { return e.err.Error() }
func (e loginError) Unwrap() error        { return e.err }
func (e loginError) Is(target error) bool { return target == ErrLogin }

// APIError is a non-2xx answer from the ZVM, with Zerto's own message.
type APIError struct {
	StatusCode int
	Method     string
	Path       string
	// Message is Zerto's error text: "Message" of a /v1 error body,
	// "error_description" (or "error") of a token error, or the raw body.
	Message string
}

func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	return fmt.Sprintf("%s (HTTP %d on %s %s)", msg, e.StatusCode, e.Method, e.Path)
}

// Is makes errors.Is(err, ErrNotFound) true for 404s.
func (e *APIError) Is(target error) bool {
	return target == ErrNotFound && e.StatusCode == http.StatusNotFound
}

// IsNotFound reports whether err means the object does not exist.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// maxErrorText bounds how much of an unparsed error body reaches a diagnostic.
const maxErrorText = 512

// ParseError builds the APIError for an answer with the given status and body.
// It understands the shapes a ZVM sends: {"Message": ...} (optionally with
// "ExceptionMessage"), {"error": ..., "error_description": ...} from the token
// endpoint, and {"errorMessage": ...}/{"message": ...} variants; anything else
// is reported as trimmed text.
func ParseError(method, path string, status int, body []byte) *APIError {
	e := &APIError{StatusCode: status, Method: method, Path: path}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err == nil && m != nil {
		get := func(keys ...string) string {
			for _, k := range keys {
				for mk, v := range m {
					if strings.EqualFold(mk, k) {
						if s, ok := v.(string); ok && s != "" {
							return s
						}
					}
				}
			}
			return ""
		}
		msg := get("Message", "errorMessage", "error_description")
		if ex := get("ExceptionMessage"); ex != "" && ex != msg {
			if msg == "" {
				msg = ex
			} else {
				msg += ": " + ex
			}
		}
		if code := get("error"); code != "" && msg != code {
			if msg == "" {
				msg = code
			} else if get("error_description") != "" {
				msg = code + ": " + msg
			}
		}
		if msg != "" {
			e.Message = msg
			return e
		}
	}
	var s string
	if json.Unmarshal(body, &s) == nil && s != "" {
		e.Message = s
		return e
	}
	text := strings.TrimSpace(string(body))
	if len(text) > maxErrorText {
		text = text[:maxErrorText] + "…"
	}
	e.Message = text
	return e
}

// do sends one authenticated /v1 request, logging in first when needed and
// once more when the ZVM answers 401 (expired token or session). in is sent
// as JSON when non-nil; out receives the JSON answer when non-nil.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	var payload []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		payload = b
	}
	relogged := false
	for attempt := 0; ; attempt++ {
		tok, err := c.login(ctx, false)
		if err != nil {
			return err
		}
		u := *c.base
		u.Path = c.base.Path + path
		u.RawQuery = query.Encode()
		var body io.Reader
		if payload != nil {
			body = bytes.NewReader(payload)
		}
		req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
		if err != nil {
			return err
		}
		req.Header.Set("Accept", "application/json")
		if payload != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if c.cfg.AuthMode == AuthSession {
			req.Header.Set("x-zerto-session", tok)
		} else {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := c.send(req)
		if err != nil {
			if retry(method, attempt, 0) && ctx.Err() == nil && sleep(ctx, backoff(attempt)) == nil {
				continue
			}
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("%s %s: reading answer: %w", method, path, err)
		}
		if resp.StatusCode == http.StatusUnauthorized && !relogged {
			relogged = true
			c.invalidate(tok)
			continue
		}
		if retry(method, attempt, resp.StatusCode) && sleep(ctx, backoff(attempt)) == nil {
			continue
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return ParseError(method, path, resp.StatusCode, data)
		}
		if out != nil && len(bytes.TrimSpace(data)) > 0 {
			if err := json.Unmarshal(data, out); err != nil {
				return fmt.Errorf("%s %s: decoding answer: %w", method, path, err)
			}
		}
		return nil
	}
}

// maxAttempts bounds the tries of an idempotent read.
const maxAttempts = 3

// retry reports whether a GET that ended with status (0: no answer) on the
// given attempt is worth repeating: a ZVM restarting or behind a busy proxy
// answers 502/503/504 or drops the connection for a moment. Writes are never
// repeated, because the first one may have been applied.
func retry(method string, attempt, status int) bool {
	if method != http.MethodGet || attempt+1 >= maxAttempts {
		return false
	}
	switch status {
	case 0, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

func backoff(attempt int) time.Duration { return time.Duration(attempt+1) * 250 * time.Millisecond }

// invalidate forgets tok so the next call logs in again.
func (c *Client) invalidate(tok string) {
	c.mu.Lock()
	if c.token == tok {
		c.token = ""
	}
	c.mu.Unlock()
}

// login returns a valid token or session, renewing it when it is missing,
// about to expire or force is set.
func (c *Client) login(ctx context.Context, force bool) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !force && c.token != "" && (c.expires.IsZero() || time.Now().Before(c.expires)) {
		return c.token, nil
	}
	var (
		tok string
		exp time.Time
		err error
	)
	if c.cfg.AuthMode == AuthSession {
		tok, err = c.sessionLogin(ctx)
	} else {
		tok, exp, err = c.tokenLogin(ctx)
	}
	if err != nil {
		return "", loginError{err}
	}
	c.token, c.expires = tok, exp
	return tok, nil
}

type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	TokenType   string `json:"token_type"`
}

func (c *Client) tokenLogin(ctx context.Context) (string, time.Time, error) {
	form := url.Values{}
	if c.cfg.ClientID != "" && c.cfg.Username == "" {
		form.Set("grant_type", "client_credentials")
		form.Set("client_id", c.cfg.ClientID)
		form.Set("client_secret", c.cfg.ClientSecret)
	} else {
		id := c.cfg.ClientID
		if id == "" {
			id = "zerto-client"
		}
		form.Set("grant_type", "password")
		form.Set("client_id", id)
		if c.cfg.ClientSecret != "" {
			form.Set("client_secret", c.cfg.ClientSecret)
		}
		form.Set("username", c.cfg.Username)
		form.Set("password", c.cfg.Password)
	}
	u := *c.base
	u.Path = c.base.Path + tokenPath
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return "", time.Time{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.send(req)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("login: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("login: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", time.Time{}, fmt.Errorf("login: %w", ParseError(http.MethodPost, tokenPath, resp.StatusCode, data))
	}
	var t tokenAnswer
	if err := json.Unmarshal(data, &t); err != nil || t.AccessToken == "" {
		return "", time.Time{}, errors.New("login: the token endpoint returned no access_token")
	}
	var exp time.Time
	if t.ExpiresIn > 0 {
		// Renew a little early so a token never expires in flight.
		margin := time.Duration(t.ExpiresIn) * time.Second / 10
		if margin > 30*time.Second {
			margin = 30 * time.Second
		}
		exp = time.Now().Add(time.Duration(t.ExpiresIn)*time.Second - margin)
	}
	return t.AccessToken, exp, nil
}

// sessionPath is the legacy login; SessionHeader names its answer header.
const (
	sessionPath   = "/v1/session/add"
	SessionHeader = "x-zerto-session"
)

func (c *Client) sessionLogin(ctx context.Context) (string, error) {
	u := *c.base
	u.Path = c.base.Path + sessionPath
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(),
		strings.NewReader(`{"AuthenticationMethod":1}`))
	if err != nil {
		return "", err
	}
	req.SetBasicAuth(c.cfg.Username, c.cfg.Password)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.send(req)
	if err != nil {
		return "", fmt.Errorf("login: %w", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", fmt.Errorf("login: %w", ParseError(http.MethodPost, sessionPath, resp.StatusCode, data))
	}
	s := resp.Header.Get(SessionHeader)
	if s == "" {
		return "", errors.New("login: the ZVM answered without an x-zerto-session header")
	}
	return s, nil
}
