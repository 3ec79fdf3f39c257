package server

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tenantops/tenantops/internal/tfmirror"
	"github.com/tenantops/tenantops/trigger/drift"
	"github.com/tenantops/tenantops/trigger/hold"
	"github.com/tenantops/tenantops/trigger/seal"
	"github.com/tenantops/tenantops/trigger/workspace"
)

// Config is the whole configuration of the service. Fill it with
// RegisterFlags (flags, with TENANTOPS_TRIGGER_* environment defaults) or
// directly (dev mode, tests), then call Validate (Run does).
type Config struct {
	// Listen is the HTTP address (API, webhook, health, metrics).
	Listen string
	// Listener, when set, is used instead of listening on Listen.
	Listener net.Listener
	// DatabaseURL is the PostgreSQL URL (also Terraform's pg backend).
	DatabaseURL string
	// MigrateOnStart applies migrations before serving.
	MigrateOnStart bool
	// APIToken is the bearer token of the API.
	APIToken string
	// WebhookSecrets verify webhook signatures (several during a rotation).
	WebhookSecrets []string
	// WebhookTolerance is the allowed clock skew of webhook timestamps.
	WebhookTolerance time.Duration
	// CallbackURL receives run outcomes; CallbackSecret signs them.
	CallbackURL    string
	CallbackSecret string
	// CallbackBackoff is the first callback retry delay (doubles up to 10 min).
	CallbackBackoff time.Duration
	// TerraformBin is terraform or tofu.
	TerraformBin string
	// TemplatesDir is templates/tenants.
	TemplatesDir string
	// WorkDir holds the tenants' working directories.
	WorkDir string
	// ProviderMirror holds the tenantops provider: a filesystem mirror
	// directory or the https:// URL of a provider network mirror.
	ProviderMirror string
	// ProviderEnv configures the tenantops provider (TENANTOPS_VCD_URL, ...);
	// by default the TENANTOPS_* variables of the environment other than
	// TENANTOPS_TRIGGER_*.
	ProviderEnv map[string]string
	// Platform holds operator variables for the templates (provider VDC,
	// network pool, storage profile, DR sites).
	Platform map[string]any
	// DirectoryEnabled includes the Active Directory part of the tiers.
	DirectoryEnabled bool
	// RequireApproval stops runs at AWAITING_APPROVAL until approved.
	RequireApproval bool
	// Workers is the global limit of concurrent runs (this replica).
	Workers int
	// Parallelism is Terraform's -parallelism.
	Parallelism int
	// LockTimeout is Terraform's -lock-timeout.
	LockTimeout time.Duration
	// JobTimeout bounds one attempt at a run.
	JobTimeout time.Duration
	// Retries and RetryBackoff govern transient Terraform failures.
	Retries      int
	RetryBackoff time.Duration
	// ShutdownTimeout is how long running work may finish after SIGTERM
	// before it is cancelled (Terraform then gets an interrupt).
	ShutdownTimeout time.Duration
	// PollInterval is River's fetch poll interval.
	PollInterval time.Duration
	// ResumeAfter: a run job still "running" this long after its attempt
	// started while no worker holds its tenant's lock belonged to a dead
	// process and is resumed.
	ResumeAfter time.Duration
	// Detach runs Terraform in its own session so a crash of the trigger
	// does not kill an apply halfway (see runner).
	Detach bool
	// Version is the binary's version, set by the build (not a flag); the
	// trigger names itself tenantops-trigger/<Version> in the User-Agent of
	// its callbacks and backend reads.
	Version string
	// Logger defaults to JSON on stderr.
	Logger *slog.Logger
	// Started, when set, is called with the bound address once serving.
	Started func(addr string)

	// Drift sweep (issue 17)
	// DriftInterval is how often every tenant is checked (0 disables).
	DriftInterval time.Duration
	// DriftConcurrency bounds the drift checks running at once on a replica.
	DriftConcurrency int
	// DriftNotifyURL receives signed drift notifications (empty: none);
	// DriftNotifySecret signs them.
	DriftNotifyURL    string
	DriftNotifySecret string
	// DriftRemediate is the mode by tier ("standard=report,premium-dr=apply").
	DriftRemediate drift.Policy
	// OffboardRetention holds a customer.deleted that long (the tenant
	// suspended meanwhile) before destroying; OffboardRetentionTiers
	// overrides it by tier. 0 destroys at once.
	OffboardRetention      time.Duration
	OffboardRetentionTiers map[string]time.Duration
	// UsageInterval is the period of the tenant.usage reports to the CRM
	// (0: none).
	UsageInterval time.Duration

	// Secrets at rest (issue 20)
	// EncryptionKeyFile and EncryptionKeys (the keyring's text) hold the
	// keys sealing the spec secrets; Keyring, when set, is used instead.
	EncryptionKeyFile string
	EncryptionKeys    string
	Keyring           *seal.Keyring
	// StateEncryption is auto (OpenTofu: on), on or off.
	StateEncryption string

	// envErrs holds, by flag name, the TENANTOPS_TRIGGER_* values
	// RegisterFlags could not use; Validate (and EnvError) report those
	// whose flag was not given on the command line (flags), so a bad value
	// in the environment fails as the same value in a flag does.
	envErrs map[string]error
	flags   *flag.FlagSet

	// Operator console (issue 18)
	// ConsoleIssuer, when set, serves the console at /ui/ with sign-in at
	// this OpenID Provider (a Keycloak realm URL); empty: no console.
	ConsoleIssuer string
	// ConsoleClientID and ConsoleClientSecret identify the console there.
	ConsoleClientID     string
	ConsoleClientSecret string
	// ConsoleRedirectURL is https://<this service>/ui/callback as
	// registered at the provider; https makes the cookies Secure.
	ConsoleRedirectURL string
	// ConsoleRoleClaim names the ID token claim holding viewer/approver.
	ConsoleRoleClaim string
	// ConsoleSessionKey signs session cookies (32+ bytes; replicas share
	// it); empty: a random key per process.
	ConsoleSessionKey string
	// ConsoleHTTPClient reaches the provider (nil: the default client).
	ConsoleHTTPClient *http.Client
}

// Defaults returns a Config with every default set.
func Defaults() Config {
	return Config{
		Listen:            "127.0.0.1:8080",
		WebhookTolerance:  5 * time.Minute,
		CallbackBackoff:   5 * time.Second,
		TerraformBin:      "terraform",
		TemplatesDir:      "templates/tenants",
		WorkDir:           filepath.Join(os.TempDir(), "tenantops-trigger"),
		DirectoryEnabled:  true,
		Workers:           4,
		Parallelism:       10,
		LockTimeout:       5 * time.Minute,
		JobTimeout:        60 * time.Minute,
		Retries:           3,
		RetryBackoff:      10 * time.Second,
		ShutdownTimeout:   2 * time.Minute,
		PollInterval:      time.Second,
		ResumeAfter:       30 * time.Second,
		Detach:            true,
		DriftInterval:     24 * time.Hour,
		OffboardRetention: hold.DefaultRetention,
		UsageInterval:     24 * time.Hour,
		DriftConcurrency:  2,
		StateEncryption:   StateEncryptionAuto,
	}
}

const envPrefix = "TENANTOPS_TRIGGER_"

// RegisterFlags binds every setting to a flag whose default comes from
// TENANTOPS_TRIGGER_<NAME> when set, else from Defaults.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	d := Defaults()
	str := func(p *string, name, def, usage string) {
		fs.StringVar(p, name, envStr(name, def), usage+" (env "+envName(name)+")")
	}
	c.flags = fs
	// Typed settings: a value the environment holds but the type refuses
	// is an error, not the default.
	dur := func(p *time.Duration, name string, def time.Duration, usage string) {
		fs.DurationVar(p, name, envValue(c, name, def, time.ParseDuration, "a duration such as 30s or 5m"), usage+" (env "+envName(name)+")")
	}
	num := func(p *int, name string, def int, usage string) {
		fs.IntVar(p, name, envValue(c, name, def, strconv.Atoi, "a whole number"), usage+" (env "+envName(name)+")")
	}
	secret := func(p *string, name, usage string) {
		// Secrets never become a flag default: --help would print them.
		*p = os.Getenv(envName(name))
		fs.Func(name, usage+" (env "+envName(name)+")", func(s string) error { *p = s; return nil })
	}
	boolean := func(p *bool, name string, def bool, usage string) {
		fs.BoolVar(p, name, envValue(c, name, def, strconv.ParseBool, "true or false"), usage+" (env "+envName(name)+")")
	}
	str(&c.Listen, "listen", d.Listen, "HTTP listen address for the API, webhook, health and metrics")
	secret(&c.DatabaseURL, "database-url", "PostgreSQL URL; also Terraform's pg state backend (required)")
	boolean(&c.MigrateOnStart, "migrate", false, "apply database migrations at start")
	secret(&c.APIToken, "api-token", "bearer token required by the API (required)")
	c.WebhookSecrets = splitList(os.Getenv(envName("webhook-secret")))
	fromFlags := false
	fs.Func("webhook-secret", "HMAC secret verifying CRM webhooks; repeat or comma-separate for rotation; flags replace the environment's (required) (env "+envName("webhook-secret")+")", func(s string) error {
		if !fromFlags {
			c.WebhookSecrets, fromFlags = nil, true
		}
		c.WebhookSecrets = append(c.WebhookSecrets, splitList(s)...)
		return nil
	})
	dur(&c.WebhookTolerance, "webhook-tolerance", d.WebhookTolerance, "allowed clock skew of webhook signatures")
	str(&c.CallbackURL, "callback-url", "", "CRM URL receiving signed run outcomes (empty: outcomes stay in the outbox)")
	secret(&c.CallbackSecret, "callback-secret", "HMAC secret signing callbacks (required with --callback-url)")
	dur(&c.CallbackBackoff, "callback-backoff", d.CallbackBackoff, "first callback retry delay, doubling up to 10m")
	str(&c.TerraformBin, "terraform-bin", d.TerraformBin, "terraform or tofu binary")
	str(&c.TemplatesDir, "templates", d.TemplatesDir, "directory of tier templates (templates/tenants)")
	str(&c.WorkDir, "work-dir", d.WorkDir, "directory for the tenants' Terraform working directories")
	str(&c.ProviderMirror, "provider-mirror", "", "filesystem mirror directory, or https:// URL of a provider network mirror, holding the tenantops provider (required)")
	fs.Func("platform-vars", "JSON file of operator variables for the templates (provider_vdc, network_pool, ...) (env "+envName("platform-vars")+")", func(s string) error {
		// The flag replaces the environment's file.
		c.Platform = nil
		return c.loadPlatform(s)
	})
	if p := os.Getenv(envName("platform-vars")); p != "" {
		if err := c.loadPlatform(p); err != nil {
			c.envErr("platform-vars", fmt.Errorf("%s: %w", envName("platform-vars"), err))
		}
	}
	boolean(&c.DirectoryEnabled, "directory", d.DirectoryEnabled, "include the Active Directory part of the tiers")
	boolean(&c.RequireApproval, "require-approval", false, "stop every run at AWAITING_APPROVAL until POST /v1/runs/{id}/approve")
	num(&c.Workers, "workers", d.Workers, "concurrent runs on this replica")
	num(&c.Parallelism, "parallelism", d.Parallelism, "terraform -parallelism")
	dur(&c.LockTimeout, "lock-timeout", d.LockTimeout, "terraform -lock-timeout")
	dur(&c.JobTimeout, "job-timeout", d.JobTimeout, "time limit of one attempt at a run")
	num(&c.Retries, "retries", d.Retries, "retries of a transient Terraform failure within an attempt")
	dur(&c.RetryBackoff, "retry-backoff", d.RetryBackoff, "first delay between transient retries, doubling")
	dur(&c.ShutdownTimeout, "shutdown-timeout", d.ShutdownTimeout, "time running work may take to finish after SIGTERM")
	dur(&c.PollInterval, "poll-interval", d.PollInterval, "job queue poll interval")
	dur(&c.ResumeAfter, "resume-after", d.ResumeAfter, "age after which a run left running by a dead process is resumed")
	boolean(&c.Detach, "detach-terraform", d.Detach, "run terraform in its own session so a crash cannot kill an apply halfway")

	// Drift sweep (issue 17)
	dur(&c.DriftInterval, "drift-interval", d.DriftInterval, "check every tenant for drift once per interval, spread over it (0 disables)")
	num(&c.DriftConcurrency, "drift-concurrency", d.DriftConcurrency, "drift checks running at once on this replica")
	str(&c.DriftNotifyURL, "drift-notify-url", "", "URL receiving signed drift notifications (empty: none are sent)")
	secret(&c.DriftNotifySecret, "drift-notify-secret", "HMAC secret signing drift notifications (required with --drift-notify-url)")
	c.DriftRemediate = envValue(c, "drift-remediate", drift.Policy{}, drift.ParsePolicy, "tier=report|apply pairs")
	fs.Func("drift-remediate", "what the sweep does about a drifted tenant, by tier: tier=report|apply, comma-separated; unnamed tiers report (env "+envName("drift-remediate")+")", func(s string) error {
		p, err := drift.ParsePolicy(s)
		c.DriftRemediate = p
		return err
	})
	dur(&c.UsageInterval, "usage-interval", d.UsageInterval, "report every live tenant's usage to the CRM once per interval (tenant.usage callbacks; 0 disables)")
	dur(&c.OffboardRetention, "offboard-retention", d.OffboardRetention, "how long a customer.deleted is held, the tenant suspended, before it is destroyed (0: at once)")
	c.OffboardRetentionTiers = envValue(c, "offboard-retention-tier", map[string]time.Duration{}, hold.ParseTiers, "tier=duration pairs")
	fs.Func("offboard-retention-tier", "retention by tier, overriding --offboard-retention: tier=duration, comma-separated, e.g. premium-dr=2160h (env "+envName("offboard-retention-tier")+")", func(s string) error {
		m, err := hold.ParseTiers(s)
		c.OffboardRetentionTiers = m
		return err
	})
	str(&c.EncryptionKeyFile, "encryption-key-file", "", "file of the keys sealing spec secrets, one <id>:<base64 32 bytes> per line, the last one sealing (mode 0600; required unless "+envName("encryption-keys")+" holds them)")
	secret(&c.EncryptionKeys, "encryption-keys", "the keys sealing spec secrets, as in --encryption-key-file, comma- or newline-separated")
	str(&c.StateEncryption, "state-encryption", d.StateEncryption, "encrypt Terraform state and plans with the encryption keys: auto (with OpenTofu), on (OpenTofu required) or off")
	str(&c.ConsoleIssuer, "console-issuer", "", "OpenID Connect issuer of the operator console at /ui/ (empty: no console)")
	str(&c.ConsoleClientID, "console-client-id", "", "the console's OpenID Connect client id (required with --console-issuer)")
	secret(&c.ConsoleClientSecret, "console-client-secret", "the console's OpenID Connect client secret")
	str(&c.ConsoleRedirectURL, "console-redirect-url", "", "https://<trigger>/ui/callback as registered at the issuer (required with --console-issuer)")
	str(&c.ConsoleRoleClaim, "console-role-claim", "tenantops_roles", "ID token claim listing the operator's console roles (viewer, approver)")
	secret(&c.ConsoleSessionKey, "console-session-key", "key signing console session cookies, 32+ characters, shared by replicas (empty: random per process)")
}

func (c *Config) loadPlatform(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var vars map[string]any
	if err := json.Unmarshal(b, &vars); err != nil {
		return fmt.Errorf("platform variables %s: not a JSON object: %w", path, err)
	}
	c.Platform = vars
	return nil
}

func (c *Config) envErr(name string, err error) {
	if c.envErrs == nil {
		c.envErrs = map[string]error{}
	}
	c.envErrs[name] = err
}

// EnvError reports the environment values RegisterFlags could not use and
// no flag replaced (nil when there are none). Validate includes it; the
// commands that do not validate the whole configuration call it.
func (c *Config) EnvError() error {
	given := map[string]bool{}
	if c.flags != nil {
		c.flags.Visit(func(f *flag.Flag) { given[f.Name] = true })
	}
	names := make([]string, 0, len(c.envErrs))
	for name := range c.envErrs {
		if !given[name] {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var errs []error
	for _, name := range names {
		errs = append(errs, c.envErrs[name])
	}
	return errors.Join(errs...)
}

// CheckPlatform fails when the platform variables set a variable no tier
// declares (see workspace.CheckPlatform). A file that could not be loaded
// is reported by EnvError, which its callers check first.
func (c *Config) CheckPlatform() error {
	return workspace.CheckPlatform(c.TemplatesDir, c.Platform)
}

// Validate checks the configuration once and fills derived defaults.
func (c *Config) Validate() error {
	var probs []string
	if err := c.EnvError(); err != nil {
		probs = append(probs, strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	if c.DatabaseURL == "" {
		probs = append(probs, "database-url is required")
	}
	if c.APIToken == "" {
		probs = append(probs, "api-token is required")
	} else if len(c.APIToken) < 16 {
		probs = append(probs, "api-token must be at least 16 characters")
	}
	if len(c.WebhookSecrets) == 0 {
		probs = append(probs, "at least one webhook-secret is required")
	}
	for _, s := range c.WebhookSecrets {
		if len(s) < 16 {
			probs = append(probs, "webhook secrets must be at least 16 characters")
			break
		}
	}
	if c.CallbackURL != "" && len(c.CallbackSecret) < 16 {
		probs = append(probs, "callback-secret of at least 16 characters is required with callback-url")
	}
	if c.ProviderMirror == "" {
		probs = append(probs, "provider-mirror is required")
	} else if _, err := workspace.NewestProvider(c.ProviderMirror); err != nil {
		probs = append(probs, err.Error())
	}
	if _, err := workspace.Tiers(c.TemplatesDir); err != nil {
		probs = append(probs, err.Error())
	} else if err := c.CheckPlatform(); err != nil {
		probs = append(probs, err.Error())
	}
	if c.Workers < 1 || c.Parallelism < 1 {
		probs = append(probs, "workers and parallelism must be at least 1")
	}
	if c.JobTimeout < time.Minute/6 {
		probs = append(probs, "job-timeout must be at least 10s")
	}
	if c.LockTimeout <= 0 || c.ShutdownTimeout <= 0 || c.PollInterval <= 0 || c.ResumeAfter <= 0 || c.RetryBackoff <= 0 || c.CallbackBackoff <= 0 {
		probs = append(probs, "durations must be positive")
	}
	probs = append(probs, c.validateDrift()...)
	if c.UsageInterval < 0 || (c.UsageInterval > 0 && c.UsageInterval < time.Second) {
		probs = append(probs, "usage-interval must be 0 (off) or at least 1s")
	}
	if c.OffboardRetention < 0 {
		probs = append(probs, "offboard-retention must not be negative (0 destroys a deleted tenant at once)")
	}
	probs = append(probs, c.consoleProblems()...)
	if _, err := c.LoadKeyring(); err != nil {
		probs = append(probs, err.Error())
	}
	switch c.StateEncryption {
	case StateEncryptionAuto, StateEncryptionOn, StateEncryptionOff:
	default:
		probs = append(probs, fmt.Sprintf("state-encryption must be auto, on or off (got %q)", c.StateEncryption))
	}
	if len(probs) > 0 {
		return errors.New("invalid configuration: " + strings.Join(probs, "; "))
	}
	if c.ProviderEnv == nil {
		c.ProviderEnv = ProviderEnvFromOS()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	abs := func(p *string) {
		if a, err := filepath.Abs(*p); err == nil {
			*p = a
		}
	}
	abs(&c.WorkDir)
	abs(&c.TemplatesDir)
	if !tfmirror.IsNetwork(c.ProviderMirror) {
		abs(&c.ProviderMirror)
	}
	if strings.ContainsRune(c.TerraformBin, os.PathSeparator) {
		abs(&c.TerraformBin)
	}
	return nil
}

// ProviderEnvFromOS returns the TENANTOPS_* environment variables meant for
// the provider (everything but TENANTOPS_TRIGGER_*).
func ProviderEnvFromOS() map[string]string {
	out := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "TENANTOPS_") && !strings.HasPrefix(k, envPrefix) {
			out[k] = v
		}
	}
	return out
}

// validateDrift checks the drift sweep's settings: tiers named in
// drift-remediate must exist, a notification URL needs its secret.
func (c *Config) validateDrift() []string {
	var probs []string
	if c.DriftInterval < 0 {
		probs = append(probs, "drift-interval must not be negative (0 disables the sweep)")
	} else if c.DriftInterval > 0 && c.DriftInterval < time.Second {
		probs = append(probs, "drift-interval must be at least 1s")
	}
	if c.DriftConcurrency < 1 {
		probs = append(probs, "drift-concurrency must be at least 1")
	}
	if c.DriftNotifyURL != "" && len(c.DriftNotifySecret) < 16 {
		probs = append(probs, "drift-notify-secret of at least 16 characters is required with drift-notify-url")
	}
	if tiers, err := workspace.Tiers(c.TemplatesDir); err == nil {
		for _, tier := range sortedKeys(c.DriftRemediate) {
			if !slices.Contains(tiers, tier) {
				probs = append(probs, fmt.Sprintf("drift-remediate: no tier %q in %s (tiers: %s)", tier, c.TemplatesDir, strings.Join(tiers, ", ")))
			}
		}
	}
	return probs
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// UserAgent is the User-Agent of the trigger's own HTTP requests: CRM
// callbacks, drift notifications and the usage reads of Cloud Director
// and Zerto.
func (c Config) UserAgent() string {
	v := c.Version
	if v == "" {
		v = "dev"
	}
	return "tenantops-trigger/" + v
}
