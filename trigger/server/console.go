package server

import (
	"context"
	"net/http"
	"net/url"

	"github.com/tenantops/tenantops/trigger/api"
	"github.com/tenantops/tenantops/trigger/console"
	"github.com/tenantops/tenantops/trigger/runner"
)

// consoleProblems checks the console settings (none when it is off).
func (c *Config) consoleProblems() []string {
	if c.ConsoleIssuer == "" {
		return nil
	}
	var probs []string
	if u, err := url.Parse(c.ConsoleIssuer); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		probs = append(probs, "console-issuer must be an http(s) URL")
	}
	if c.ConsoleClientID == "" {
		probs = append(probs, "console-client-id is required with console-issuer")
	}
	if u, err := url.Parse(c.ConsoleRedirectURL); err != nil || u.Host == "" || u.Path != "/ui/callback" {
		probs = append(probs, "console-redirect-url must be the absolute URL of /ui/callback")
	}
	if c.ConsoleSessionKey != "" && len(c.ConsoleSessionKey) < 32 {
		probs = append(probs, "console-session-key must be at least 32 characters")
	}
	return probs
}

// withConsole mounts the operator console under /ui/ beside the API when
// an issuer is configured.
func withConsole(ctx context.Context, cfg Config, a *api.API) (http.Handler, error) {
	h := a.Handler()
	if cfg.ConsoleIssuer == "" {
		return h, nil
	}
	c, err := console.New(ctx, console.Config{
		Issuer: cfg.ConsoleIssuer, ClientID: cfg.ConsoleClientID, ClientSecret: cfg.ConsoleClientSecret,
		RedirectURL: cfg.ConsoleRedirectURL, RoleClaim: cfg.ConsoleRoleClaim, SessionKey: []byte(cfg.ConsoleSessionKey),
		HTTPClient: cfg.ConsoleHTTPClient, Redactor: runner.NewRedactor(cfg.ProviderEnv, cfg.DatabaseURL), Keyring: cfg.Keyring,
	}, a.Pool, a, cfg.Logger)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/ui/", c.Handler())
	mux.Handle("/", h)
	return mux, nil
}
