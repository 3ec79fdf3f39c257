package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tenantops/tenantops/internal/sim/keycloak"
	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/seal"
	"github.com/tenantops/tenantops/trigger/server"
	"github.com/tenantops/tenantops/trigger/workspace"
)

// Options configure a dev environment.
type Options struct {
	// DatabaseURL uses an existing PostgreSQL instead of a throwaway cluster.
	DatabaseURL string
	// TerraformBin is terraform or tofu.
	TerraformBin string
	// ProviderMirror is the filesystem mirror holding the built provider.
	ProviderMirror string
	// TemplatesDir is templates/tenants (found next to the working
	// directory or the binary when empty).
	TemplatesDir string
	// Listen is the trigger's address (127.0.0.1 and a random port when empty).
	Listen string
	// Directory is DirectoryAuto, DirectoryOn or DirectoryOff.
	Directory string
	// Workers is the trigger's concurrent run limit.
	Workers int
	// Log receives the trigger's and dev's own log lines (discarded when nil).
	Log io.Writer
	// LogJSON writes the log as JSON instead of text.
	LogJSON bool
	// Observe, when set, sees every log record of the trigger.
	Observe func(t time.Time, msg string, attrs map[string]slog.Value)
}

func (o *Options) register(fs *flag.FlagSet) {
	fs.StringVar(&o.DatabaseURL, "database-url", os.Getenv("TENANTOPS_TRIGGER_DATABASE_URL"),
		"use this PostgreSQL instead of starting a throwaway cluster (env TENANTOPS_TRIGGER_DATABASE_URL)")
	fs.StringVar(&o.TerraformBin, "terraform-bin", envOr("TENANTOPS_TRIGGER_TERRAFORM_BIN", defaultPath("bin/terraform", "terraform")),
		"terraform or tofu binary (env TENANTOPS_TRIGGER_TERRAFORM_BIN)")
	fs.StringVar(&o.ProviderMirror, "provider-mirror", envOr("TENANTOPS_TRIGGER_PROVIDER_MIRROR", defaultPath("bin/mirror", "")),
		"filesystem mirror holding the tenantops provider, as `make install` builds it (env TENANTOPS_TRIGGER_PROVIDER_MIRROR)")
	fs.StringVar(&o.TemplatesDir, "templates", envOr("TENANTOPS_TRIGGER_TEMPLATES", ""),
		"directory of tier templates (default: templates/tenants next to the working directory or the binary)")
	fs.StringVar(&o.Listen, "listen", "127.0.0.1:0", "trigger listen address")
	fs.StringVar(&o.Directory, "directory", DirectoryAuto,
		"start a Samba AD domain controller for the directory resources: auto (when root), on, off")
	fs.IntVar(&o.Workers, "workers", 4, "concurrent runs")
}

// Env is a running dev environment: the backends plus the trigger.
type Env struct {
	*Backends
	// TriggerURL is the trigger's base URL (http, loopback).
	TriggerURL string
	// APIToken is the bearer token of the trigger's API.
	APIToken string
	// CAFile bundles every simulator certificate.
	CAFile string
	// DirectoryEnabled says whether the tiers' directory part is on.
	DirectoryEnabled bool
	// Templates is the templates directory in use.
	Templates string
	// keyFile is the sandbox's encryption key file, when it made one.
	keyFile string
	// ConsoleURL is the operator console; StaffAccounts sign in to it.
	ConsoleURL    string
	StaffAccounts []keycloak.StaffUser
	// EnvFile is a shell file exporting everything needed to talk to this
	// environment (provider TENANTOPS_* variables, the trigger's settings
	// for render/plan, the webhook secret for send).
	EnvFile string

	log    *slog.Logger
	cancel context.CancelFunc
	done   chan error
}

// WebhookURL is where CRM webhooks go.
func (e *Env) WebhookURL() string { return e.TriggerURL + "/v1/webhooks/crm" }

// Start starts the backends and the trigger, and returns once the trigger
// answers /readyz. Stop ends everything.
func Start(ctx context.Context, o Options) (_ *Env, err error) {
	var log *slog.Logger
	switch {
	case o.Log == nil:
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	case o.LogJSON:
		log = slog.New(slog.NewJSONHandler(o.Log, nil))
	default:
		log = slog.New(slog.NewTextHandler(o.Log, nil))
	}
	if o.Observe != nil {
		log = slog.New(&observer{next: log.Handler(), fn: o.Observe})
	}
	if o.TemplatesDir == "" {
		o.TemplatesDir = defaultPath("templates/tenants", "")
	}
	if o.TemplatesDir == "" {
		return nil, errors.New("templates/tenants not found next to the working directory or the binary: pass --templates")
	}
	if o.ProviderMirror == "" {
		return nil, errors.New("no provider mirror: run `make install` and pass --provider-mirror bin/mirror")
	}
	// dev.env is sourced from other directories: every path in it must be
	// absolute.
	for _, p := range []*string{&o.ProviderMirror, &o.TemplatesDir} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return nil, err
		}
		*p = abs
	}
	if _, err := exec.LookPath(o.TerraformBin); err != nil {
		return nil, fmt.Errorf("terraform binary %q: %w (run `make install` or pass --terraform-bin)", o.TerraformBin, err)
	}
	b, err := StartBackends(ctx, BackendOptions{DatabaseURL: o.DatabaseURL, Directory: o.Directory, Log: log.With("component", "dev")})
	if err != nil {
		return nil, err
	}
	e := &Env{Backends: b, APIToken: randomHex(20), DirectoryEnabled: b.Samba != nil, Templates: o.TemplatesDir,
		log: log, done: make(chan error, 1)}
	defer func() {
		if err != nil {
			e.Stop()
		}
	}()
	if e.CAFile, err = b.WriteCA(); err != nil {
		return nil, err
	}
	// The trigger's callback client uses the system roots; the CRM
	// simulator's certificate is private, so the process trusts the bundle
	// (loaded once, before any TLS client of this process verified anything).
	if err := trustBundle(e.CAFile, b.CRM.URL+"/healthz"); err != nil {
		return nil, err
	}

	cfg := server.Defaults()
	cfg.Listen = o.Listen
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	cfg.DatabaseURL = b.DatabaseURL
	cfg.MigrateOnStart = true
	cfg.APIToken = e.APIToken
	cfg.WebhookSecrets = []string{b.Secret()}
	cfg.CallbackURL = b.CRM.CallbackURL
	cfg.CallbackSecret = b.Secret()
	cfg.CallbackBackoff = time.Second
	cfg.TerraformBin = o.TerraformBin
	cfg.TemplatesDir = o.TemplatesDir
	cfg.WorkDir = filepath.Join(b.Dir, "work")
	cfg.ProviderMirror = o.ProviderMirror
	cfg.ProviderEnv = b.ProviderEnv()
	cfg.Platform = b.Platform()
	// Spec secrets are sealed as in production: with the operator's keys
	// when the environment names them, else with a key made for this
	// sandbox (kept beside its database).
	cfg.EncryptionKeys = os.Getenv("TENANTOPS_TRIGGER_ENCRYPTION_KEYS")
	cfg.EncryptionKeyFile = os.Getenv("TENANTOPS_TRIGGER_ENCRYPTION_KEY_FILE")
	if cfg.EncryptionKeys == "" && cfg.EncryptionKeyFile == "" {
		if cfg.EncryptionKeyFile, err = sandboxKeyFile(b.Dir); err != nil {
			return nil, err
		}
	}
	e.keyFile = cfg.EncryptionKeyFile
	cfg.DirectoryEnabled = e.DirectoryEnabled
	if o.Workers > 0 {
		cfg.Workers = o.Workers
	}
	// A deletion is held as in production, but for a minute, so that
	// examples/webhooks/deleted.json shows the hold and then the destroy.
	cfg.OffboardRetention = devRetention
	cfg.Retries = 2
	cfg.RetryBackoff = 2 * time.Second
	cfg.JobTimeout = 10 * time.Minute
	cfg.LockTimeout = 30 * time.Second
	cfg.ShutdownTimeout = 30 * time.Second
	cfg.PollInterval = 200 * time.Millisecond
	cfg.ResumeAfter = time.Minute
	// Ctrl-C must stop Terraform too: keep it in the trigger's session.
	cfg.Detach = false
	cfg.Logger = log.With("component", "trigger")
	ready := make(chan string, 1)
	cfg.Started = func(addr string) { ready <- addr }
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, err
	}
	e.setUpConsole(&cfg, ln)

	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e.cancel = cancel
	go func() { e.done <- server.Run(runCtx, cfg) }()
	select {
	case addr := <-ready:
		e.TriggerURL = "http://" + addr
	case err := <-e.done:
		e.done <- err
		return nil, fmt.Errorf("trigger: %w", err)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if err := waitReady(ctx, e.TriggerURL+"/readyz", 30*time.Second); err != nil {
		return nil, err
	}
	if e.EnvFile, err = e.writeEnvFile(cfg.ProviderMirror, cfg.TerraformBin); err != nil {
		return nil, err
	}
	return e, nil
}

// sandboxKeyFile returns dir/encryption.keys, made (0600) with one fresh
// key when it is not there yet.
func sandboxKeyFile(dir string) (string, error) {
	path := filepath.Join(dir, "encryption.keys")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	line, err := seal.NewKeyLine("sandbox-1")
	if err != nil {
		return "", err
	}
	return path, os.WriteFile(path, []byte("# the sandbox's key sealing spec secrets (tenantops-trigger --encryption-key-file)\n"+line+"\n"), 0o600)
}

// writeEnvFile writes EnvFile (mode 0600: it holds the simulators' secrets)
// and the Terraform CLI configuration it names, so plain `terraform` in a
// rendered workspace installs the provider from the mirror too.
func (e *Env) writeEnvFile(mirror, terraform string) (string, error) {
	cliConfig := filepath.Join(e.Dir, "terraformrc")
	if err := workspace.WriteCLIConfig(cliConfig, mirror); err != nil {
		return "", err
	}
	platform := filepath.Join(e.Dir, "platform.json")
	b, err := json.MarshalIndent(e.Platform(), "", "  ")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(platform, b, 0o600); err != nil {
		return "", err
	}
	vars := e.ProviderEnv()
	vars["TENANTOPS_TRIGGER_DATABASE_URL"] = e.DatabaseURL
	vars["TENANTOPS_TRIGGER_PROVIDER_MIRROR"] = mirror
	vars["TENANTOPS_TRIGGER_TERRAFORM_BIN"] = terraform
	vars["TENANTOPS_TRIGGER_TEMPLATES"] = e.Templates
	vars["TENANTOPS_TRIGGER_PLATFORM_VARS"] = platform
	vars["TENANTOPS_TRIGGER_DIRECTORY"] = strconv.FormatBool(e.DirectoryEnabled)
	vars["TENANTOPS_TRIGGER_URL"] = e.TriggerURL
	vars["TENANTOPS_TRIGGER_API_TOKEN"] = e.APIToken
	if e.keyFile != "" {
		vars["TENANTOPS_TRIGGER_ENCRYPTION_KEY_FILE"] = e.keyFile
	}
	vars["TENANTOPS_WEBHOOK_SECRET"] = e.Secret()
	vars["TF_CLI_CONFIG_FILE"] = cliConfig
	vars["CHECKPOINT_DISABLE"] = "1"
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	sb.WriteString("# tenantops dev environment: `source` this file to run render, plan, send or terraform against it.\n")
	for _, k := range keys {
		fmt.Fprintf(&sb, "export %s='%s'\n", k, strings.ReplaceAll(vars[k], "'", `'\''`))
	}
	path := filepath.Join(e.Dir, "dev.env")
	return path, os.WriteFile(path, []byte(sb.String()), 0o600)
}

// Stop shuts the trigger down gracefully, then every backend.
func (e *Env) Stop() error {
	var err error
	if e.cancel != nil {
		e.cancel()
		err = <-e.done
		e.done <- err
		e.cancel = nil
	}
	e.Backends.Close()
	return err
}

// Main implements `tenantops-sandbox dev`.
func Main(ctx context.Context, args []string) error {
	var o Options
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	o.register(fs)
	quiet := fs.Bool("quiet", false, "do not print the trigger's log")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: tenantops-sandbox dev [flags]\n\n"+
			"Starts on loopback every simulator (Cloud Director, Keycloak, Zerto, SCIM, CRM), a throwaway\n"+
			"PostgreSQL (unless --database-url), Samba AD when root, and the trigger wired to them.\n"+
			"Prints the URLs, the webhook secret and a ready-to-paste signed request. Ctrl-C stops everything.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*quiet {
		o.Log = os.Stderr
	}
	fmt.Fprintln(os.Stderr, "tenantops dev: starting simulators, PostgreSQL and the trigger...")
	e, err := Start(ctx, o)
	if err != nil {
		return err
	}
	e.PrintBanner(os.Stdout)
	<-ctx.Done()
	fmt.Fprintln(os.Stderr, "\ntenantops dev: stopping (running Terraform gets an interrupt)...")
	if err := e.Stop(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	fmt.Fprintln(os.Stderr, "tenantops dev: stopped, temporary files removed")
	return nil
}

// devRetention is how long dev and demo hold a customer.deleted.
const devRetention = time.Minute

// PrintBanner writes the URLs, credentials and example commands.
func (e *Env) PrintBanner(w io.Writer) {
	self := selfName()
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	p("")
	p("tenantops dev environment is up. Ctrl-C stops everything.")
	p("")
	p("  trigger API        %s   (Authorization: Bearer %s)", e.TriggerURL, e.APIToken)
	p("  webhook endpoint   %s", e.WebhookURL())
	p("  webhook secret     %s", e.Secret())
	p("  CRM callbacks      %s   (list: GET %s)", e.CRM.CallbackURL, e.CRM.CallbackURL)
	p("  Cloud Director     %s   (%s@System / %s)", e.VCD.URL, e.VCDUser, e.VCDPassword)
	p("  Keycloak           %s   (client %s / %s)", e.Keycloak.URL, e.KeycloakClientID, e.KeycloakClientSecret)
	p("  Zerto ZVM          %s   (client %s / %s)", e.Zerto.URL, e.ZertoClientID, e.ZertoClientSecret)
	p("  SCIM 2.0           %s   (Bearer %s)", e.SCIM.URL, e.SCIM.Token)
	if e.Samba != nil {
		p("  Active Directory   %s   (%s)", e.Samba.URL, e.Samba.BindDN)
	} else {
		p("  Active Directory   off: the tiers' directory resources are left out (directory_enabled = false);")
		p("                     run as root (Samba AD) or set TENANTOPS_TEST_LDAP_URL to include them")
	}
	for _, l := range e.ConsoleLines() {
		p("  %s", l)
	}
	p("  PostgreSQL         %s", e.DatabaseURL)
	p("  CA bundle          %s   (curl --cacert)", e.CAFile)
	p("  templates          %s", e.Templates)
	p("  environment        source %s   (TENANTOPS_* for render, plan, send and terraform)", e.EnvFile)
	p("")
	p("Send a signed sample webhook:")
	p("")
	p("  %s send --url %s --secret %s examples/webhooks/standard.json", self, e.WebhookURL(), e.Secret())
	p("")
	p("or with curl and openssl (the signature covers \"<t>.<raw body>\"):")
	p("")
	p("  body=examples/webhooks/standard.json; t=$(date +%%s)")
	p("  sig=$( { printf '%%s.' \"$t\"; cat \"$body\"; } | openssl dgst -sha256 -hmac '%s' -r | cut -d' ' -f1)", e.Secret())
	p("  curl -sS -X POST %s -H 'Content-Type: application/json' \\", e.WebhookURL())
	p("       -H \"X-Tenantops-Signature: t=$t,v1=$sig\" --data-binary @\"$body\"")
	p("")
	p("Follow the runs and the callbacks:")
	p("")
	p("  curl -sS -H 'Authorization: Bearer %s' '%s/v1/runs?tenant=acme'", e.APIToken, e.TriggerURL)
	p("  curl -sS --cacert %s %s", e.CAFile, e.CRM.CallbackURL)
	p("")
	p("examples/webhooks/deleted.json suspends the tenant at once and destroys it %s later", devRetention)
	p("(the retention hold; in production --offboard-retention, 30 days by default).")
	p("")
}

// selfName is how the user invoked this binary, for example commands.
func selfName() string {
	self := os.Args[0]
	if p, err := exec.LookPath(filepath.Base(self)); err == nil && filepath.Base(self) == filepath.Base(p) && !strings.Contains(self, "/") {
		return filepath.Base(self)
	}
	if strings.HasSuffix(self, ".test") || strings.Contains(self, "go-build") {
		return "tenantops-sandbox"
	}
	return self
}

// defaultPath returns rel when it exists under the working directory, next
// to the binary's parent, or under the module root, else def.
func defaultPath(rel, def string) string {
	cands := []string{rel}
	if exe, err := os.Executable(); err == nil {
		cands = append(cands, filepath.Join(filepath.Dir(exe), "..", rel))
	}
	cands = append(cands, filepath.Join(testenv.RepoRoot(), rel))
	for _, c := range cands {
		if _, err := os.Stat(c); err == nil {
			if a, err := filepath.Abs(c); err == nil {
				return a
			}
			return c
		}
	}
	return def
}

// trustBundle makes the process trust caFile, in addition to the system
// roots, for TLS clients that use the system roots (Go reads SSL_CERT_DIR,
// a colon-separated list added to SSL_CERT_FILE's bundle, when it first
// loads them), and checks that it took effect by calling probeURL.
func trustBundle(caFile, probeURL string) error {
	dirs := os.Getenv("SSL_CERT_DIR")
	if dirs == "" {
		dirs = "/etc/ssl/certs:/etc/pki/tls/certs"
	}
	os.Setenv("SSL_CERT_DIR", filepath.Dir(caFile)+":"+dirs)
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(probeURL)
	if err != nil {
		return fmt.Errorf("the trigger could not be made to trust the simulators' certificates "+
			"(SSL_CERT_DIR=%s): %w", os.Getenv("SSL_CERT_DIR"), err)
	}
	resp.Body.Close()
	return nil
}

func waitReady(ctx context.Context, url string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("%s answered %s", url, resp.Status)
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("trigger not ready after %s: %v", limit, last)
}
