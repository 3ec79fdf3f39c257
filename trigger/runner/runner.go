// Package runner executes tenant runs: a River worker per run renders the
// tenant's workspace, drives terraform init/plan/apply (or destroy) through
// terraform-exec, records every resource step from the -json stream, and
// applies the saga rules when Terraform fails: transient errors are retried
// with backoff; a failed onboarding is destroyed; a failed update is
// compensated by re-applying the last good revision; an offboarding is
// retried, never compensated. Runs of one tenant are serialised with a
// PostgreSQL advisory lock; the run's state is persisted at every step so a
// run interrupted by a crash resumes where it stopped.
package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/tenantops/tenantops/trigger/metrics"
	"github.com/tenantops/tenantops/trigger/seal"
	"github.com/tenantops/tenantops/trigger/spec"
	"github.com/tenantops/tenantops/trigger/store"
	"github.com/tenantops/tenantops/trigger/workspace"
)

// Args is the River job that drives one run.
type Args struct {
	RunID int64 `json:"run_id"`
}

// Kind implements river.JobArgs.
func (Args) Kind() string { return "tenantops_run" }

// InsertOpts puts runs on their own queue.
func (Args) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: "runs", MaxAttempts: 10} }

// Config is what the runner needs from the service configuration.
type Config struct {
	TerraformBin  string
	WorkDir       string
	TemplatesDir  string
	MirrorDir     string
	CLIConfigFile string
	// DatabaseURL is handed to Terraform's pg backend as PG_CONN_STR.
	DatabaseURL string
	// ProviderEnv configures the tenantops provider (TENANTOPS_VCD_URL, ...).
	ProviderEnv      map[string]string
	Platform         map[string]any
	DirectoryEnabled bool
	Parallelism      int
	LockTimeout      time.Duration
	// JobTimeout bounds one attempt at a run (all its Terraform commands).
	JobTimeout time.Duration
	// Retries is how many times a transient Terraform failure is retried
	// within one attempt, waiting RetryBackoff (doubling) in between.
	Retries      int
	RetryBackoff time.Duration
	// SnoozeDelay is how long a run waits when its tenant is busy.
	SnoozeDelay time.Duration
	// Detach runs Terraform in its own session (see wrapper.go) so that
	// an apply in flight survives a crash of the trigger and saves its state.
	Detach bool
	// InterruptGrace is how long Terraform gets after SIGINT before it is killed.
	InterruptGrace time.Duration
	// LocalBackend replaces the pg backend by an empty local state (used
	// by `tenantops-trigger plan` without a database).
	LocalBackend bool
	// Keyring opens the sealed secrets of stored spec revisions.
	Keyring *seal.Keyring
	// StateEncryption, when set, is OpenTofu's encryption configuration
	// (TF_ENCRYPTION): handed to the engine through its environment, never
	// written to the workspace.
	StateEncryption string
}

// Runner holds the dependencies of the run worker.
type Runner struct {
	Cfg     Config
	Pool    *pgxpool.Pool
	Log     *slog.Logger
	Metrics *metrics.Metrics
	// Drift, when set, records what drift checks find (the drift sweep).
	Drift   DriftRecorder
	execBin string
	// handles caches Terraform handles by tenant directory.
	handles sync.Map
	// specSecrets holds every tenant secret (the brokered IdP's client
	// secret) of a spec revision this runner has loaded: a backend may
	// echo one in an error, and redact must hide it wherever that error
	// goes (run record, steps, callback, log, API).
	specSecrets sync.Map
	// dbSecrets are the database password in the forms an error may show
	// it (as given, URL-escaped).
	dbSecrets []string
}

// New prepares the runner (writes the detach wrapper when asked).
func New(cfg Config, pool *pgxpool.Pool, log *slog.Logger, m *metrics.Metrics) (*Runner, error) {
	if strings.ContainsRune(cfg.TerraformBin, os.PathSeparator) {
		if abs, err := filepath.Abs(cfg.TerraformBin); err == nil {
			cfg.TerraformBin = abs
		}
	}
	r := &Runner{Cfg: cfg, Pool: pool, Log: log, Metrics: m, execBin: cfg.TerraformBin, dbSecrets: append(databaseSecrets(cfg.DatabaseURL), StateSecrets(cfg.StateEncryption)...)}
	if err := os.MkdirAll(cfg.WorkDir, 0o700); err != nil {
		return nil, err
	}
	// Scratch files of Terraform and the wrapper; a crash may leave some.
	tmp := filepath.Join(cfg.WorkDir, "tmp")
	if err := os.RemoveAll(tmp); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return nil, err
	}
	if cfg.Detach {
		w, err := writeWrapper(cfg.WorkDir)
		if err != nil {
			return nil, err
		}
		r.execBin = w
	}
	return r, nil
}

// Worker is the River worker for Args.
type Worker struct {
	river.WorkerDefaults[Args]
	R *Runner
}

// Timeout replaces River's one-minute default: applies are long.
func (w *Worker) Timeout(*river.Job[Args]) time.Duration { return w.R.Cfg.JobTimeout }

// NextRetry backs off quickly at first: most job-level failures are the
// database or a crash, not Terraform.
func (w *Worker) NextRetry(job *river.Job[Args]) time.Time {
	d := time.Duration(job.Attempt*job.Attempt) * time.Second
	return time.Now().Add(d)
}

// Work drives the run to its next resting state.
func (w *Worker) Work(ctx context.Context, job *river.Job[Args]) error {
	return w.R.work(ctx, job)
}

func (r *Runner) tenantSpec(ctx context.Context, tenant string, revision int) (spec.Tenant, error) {
	b, err := store.Spec(ctx, r.Pool, tenant, revision)
	if err != nil {
		return spec.Tenant{}, dbErr(fmt.Errorf("spec %s@%d: %w", tenant, revision, err))
	}
	if r.Cfg.Keyring == nil {
		return spec.Tenant{}, fmt.Errorf("spec %s@%d: no encryption keys to open its secrets", tenant, revision)
	}
	// Opened in memory only: the secret goes on to the run's 0600
	// workspace file and nowhere else.
	if b, err = r.Cfg.Keyring.OpenSpec(tenant, b); err != nil {
		return spec.Tenant{}, fmt.Errorf("spec %s@%d: %w", tenant, revision, err)
	}
	var ev spec.Event
	if err := json.Unmarshal(b, &ev); err != nil {
		return spec.Tenant{}, fmt.Errorf("spec %s@%d: %w", tenant, revision, err)
	}
	if ev.EventType == spec.EventDeleted {
		// A revision stored for a deletion before deletions stopped adding
		// revisions: offboard what the last good revision built.
		t, err := store.GetTenant(ctx, r.Pool, tenant)
		if err != nil {
			return spec.Tenant{}, dbErr(err)
		}
		prev := t.LastGoodRevision
		if prev != nil && *prev != revision {
			return r.tenantSpec(ctx, tenant, *prev)
		}
		ev.Tenant.Tier = t.Tier
	}
	if idp := ev.Tenant.SSO.IdP; idp != nil && len(idp.ClientSecret) >= 4 {
		r.specSecrets.Store(idp.ClientSecret, struct{}{})
	}
	return ev.Tenant, nil
}

// PlanOnly renders t into cfg.WorkDir and plans it without recording
// anything (the CLI's plan command). With cfg.LocalBackend the plan starts
// from an empty state and skips refresh.
func PlanOnly(ctx context.Context, cfg Config, t spec.Tenant) (Summary, error) {
	r, err := New(cfg, nil, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		return Summary{}, err
	}
	tpl, err := workspace.LoadTemplate(cfg.TemplatesDir, t.Tier, cfg.MirrorDir)
	if err != nil {
		return Summary{}, err
	}
	h, err := r.prepare(ctx, t, &tpl, store.KindUpdate)
	if err != nil {
		return Summary{}, err
	}
	tf := h.tf
	planFile := "review.tfplan"
	if _, err := tf.Plan(ctx, tfexec.Out(planFile), tfexec.Refresh(!cfg.LocalBackend), tfexec.Lock(!cfg.LocalBackend),
		tfexec.LockTimeout(r.lockTimeout()), tfexec.Parallelism(r.Cfg.Parallelism)); err != nil {
		return Summary{}, r.tfError("plan", err, nil)
	}
	return r.summary(ctx, tf, planFile)
}
