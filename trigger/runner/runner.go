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
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/tenantops/tenantops/trigger/callback"
	"github.com/tenantops/tenantops/trigger/metrics"
	"github.com/tenantops/tenantops/trigger/spec"
	"github.com/tenantops/tenantops/trigger/store"
	"github.com/tenantops/tenantops/trigger/workspace"
)

// LockClass is the first key of the per-tenant advisory lock
// pg_try_advisory_lock(LockClass, hashtext(tenant)). The two-int4 key space
// never collides with the single-bigint locks of Terraform's pg backend.
const LockClass = 7262

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
}

// Runner holds the dependencies of the run worker.
type Runner struct {
	Cfg     Config
	Pool    *pgxpool.Pool
	Log     *slog.Logger
	Metrics *metrics.Metrics
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
	r := &Runner{Cfg: cfg, Pool: pool, Log: log, Metrics: m, execBin: cfg.TerraformBin, dbSecrets: databaseSecrets(cfg.DatabaseURL)}
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

// Sentinel errors.
var (
	errTransient = errors.New("transient")
	// errStore marks a failure to read or record the run in PostgreSQL:
	// the job is retried and the run resumes from its persisted state,
	// instead of being failed and compensated for a fault of the trigger's
	// own database.
	errStore = errors.New("trigger database")
)

// dbErr marks err as a database failure unless it is an answer (a row or
// a template revision that is not there), which retrying cannot change.
func dbErr(err error) error {
	if err == nil || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrTemplateGone) || errors.Is(err, errStore) {
		return err
	}
	return fmt.Errorf("%w: %w", errStore, err)
}

func (r *Runner) work(ctx context.Context, job *river.Job[Args]) error {
	run, err := store.GetRun(ctx, r.Pool, job.Args.RunID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return river.JobCancel(err)
		}
		return err
	}
	if settled(run) {
		return nil
	}
	log := r.Log.With("tenant", run.Tenant, "run", run.ID, "kind", run.Kind)

	conn, err := r.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	var locked bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, hashtext($2))`, LockClass, run.Tenant).Scan(&locked); err != nil {
		return err
	}
	if !locked {
		log.Debug("tenant busy, snoozing")
		return river.JobSnooze(r.Cfg.SnoozeDelay)
	}
	defer func() {
		// A failed unlock means the session is gone, and its lock with it.
		if _, err := conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1, hashtext($2))`, LockClass, run.Tenant); err != nil {
			log.Warn("releasing the tenant lock", "error", err.Error())
		}
	}()
	// Re-read under the lock: another worker may have moved it on.
	if run, err = store.GetRun(ctx, r.Pool, run.ID); err != nil {
		return err
	}
	if settled(run) {
		return nil
	}
	if older, err := store.OlderActiveRun(ctx, r.Pool, run); err != nil {
		return err
	} else if older != 0 {
		log.Debug("older run of the tenant still active, snoozing", "older_run", older)
		return river.JobSnooze(r.Cfg.SnoozeDelay)
	}
	if run.Kind == store.KindUpdate && run.State == store.StatePending {
		if newer, err := store.NewerPendingUpdate(ctx, r.Pool, run); err != nil {
			return err
		} else if newer != 0 {
			log.Info("update superseded by a newer revision", "newer_run", newer)
			return r.finish(ctx, run, store.StateSuperseded, fmt.Sprintf("superseded by run %d", newer), nil)
		}
	}
	if _, err := store.BumpAttempts(ctx, r.Pool, run.ID); err != nil {
		return err
	}
	log.Info("run started", "state", run.State, "attempt", job.Attempt)
	switch {
	case run.State == store.StateFailed || run.State == store.StateCompensating:
		return r.compensate(ctx, log, job, run, run.Error)
	case job.Attempt > 1 && job.Attempt >= job.MaxAttempts && (run.Kind == store.KindOnboard || run.Kind == store.KindUpdate):
		// Every earlier attempt was interrupted (timeouts, crashes): spend
		// the last one on the compensation rather than leave the run open.
		msg := fmt.Sprintf("gave up after %d attempts; last error: %s", job.Attempt-1, run.Error)
		if err := store.SetState(ctx, r.Pool, run.ID, store.StateFailed, msg); err != nil {
			return err
		}
		return r.compensate(ctx, log, job, run, msg)
	default:
		return r.forward(ctx, log, job, run)
	}
}

// settled reports whether a run needs no work now: it is final, or it
// waits for an approval (which enqueues a new job).
func settled(run store.Run) bool {
	return store.Terminal(run.State) || run.State == store.StateAwaitingApproval ||
		(run.State == store.StateFailed && run.Kind == store.KindOffboard)
}

// forward plans and applies the run's revision with its template revision.
func (r *Runner) forward(ctx context.Context, log *slog.Logger, job *river.Job[Args], run store.Run) error {
	t, err := r.tenantSpec(ctx, run.Tenant, run.Revision)
	if err != nil {
		return err
	}
	// Templates that cannot be read (a tier gone from disk) fail the run
	// as a render error always did; only the database's own failures go
	// back to River below.
	tpl, terr := r.runTemplate(ctx, log, &run, t.Tier)
	lastErr := terr
	var outputs map[string]any
	for attempt := 0; terr == nil; attempt++ {
		outputs, lastErr = r.planApply(ctx, log, run, t, tpl, "apply", run.Kind == store.KindOffboard)
		if lastErr == nil || errors.Is(lastErr, errAwaitingApproval) || ctx.Err() != nil {
			break
		}
		if !errors.Is(lastErr, errTransient) || attempt >= r.Cfg.Retries {
			break
		}
		wait := r.Cfg.RetryBackoff << attempt
		log.Warn("transient failure, retrying", "error", lastErr.Error(), "wait", wait)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
	}
	switch {
	case errors.Is(lastErr, errAwaitingApproval):
		log.Info("plan ready, awaiting approval")
		return nil
	case lastErr == nil:
		return r.finish(ctx, run, store.StateCompleted, "", outputs)
	case ctx.Err() != nil:
		// Shutdown or job timeout: leave the persisted state as is; the
		// job is retried and resumes from it.
		err := fmt.Errorf("run %d interrupted: %w", run.ID, ctx.Err())
		if serr := store.SetError(context.WithoutCancel(ctx), r.Pool, run.ID, err.Error()); serr != nil {
			return errors.Join(err, dbErr(serr))
		}
		return err
	case errors.Is(lastErr, errStore):
		log.Warn("recording the run failed; the job is retried", "error", lastErr.Error())
		return lastErr
	}
	msg := lastErr.Error()
	log.Error("run failed", "error", msg)
	switch run.Kind {
	case store.KindOffboard:
		// Never compensated: retried until River gives up.
		if job.Attempt < job.MaxAttempts {
			if err := store.SetState(ctx, r.Pool, run.ID, store.StateApplying, msg); err != nil {
				return errors.Join(lastErr, dbErr(err))
			}
			return lastErr
		}
		return r.finish(ctx, run, store.StateFailed, msg, nil)
	case store.KindDrift:
		return r.finish(ctx, run, store.StateFailed, msg, nil)
	}
	if err := store.SetState(ctx, r.Pool, run.ID, store.StateFailed, msg); err != nil {
		return err
	}
	return r.compensate(ctx, log, job, run, msg)
}

var errAwaitingApproval = errors.New("awaiting approval")

// planApply renders tpl for t, inits, plans and (unless approval is
// pending) applies.
func (r *Runner) planApply(ctx context.Context, log *slog.Logger, run store.Run, t spec.Tenant, tpl workspace.Template,
	phase string, destroy bool) (map[string]any, error) {
	if phase == "apply" {
		if err := store.SetState(ctx, r.Pool, run.ID, store.StatePlanning, ""); err != nil {
			return nil, dbErr(err)
		}
	}
	h, err := r.prepare(ctx, t, &tpl, run.Kind)
	if err != nil {
		return nil, err
	}
	sink := r.sink(ctx, run.ID, phase)
	if oneShot(run, phase) {
		// Nobody reviews this plan before it applies: plan and apply in
		// one Terraform process, recording the plan from its stream.
		if phase == "apply" {
			sink.onPlanned = func(sum Summary) {
				if err := store.SetPlanSummary(ctx, r.Pool, run.ID, sum); err != nil {
					sink.onErr(err)
				}
				if err := store.SetState(ctx, r.Pool, run.ID, store.StateApplying, ""); err != nil {
					sink.onErr(err)
				}
			}
		}
		log.Info("applying", "phase", phase, "plan", "in the apply")
		err := h.tf.ApplyJSON(ctx, sink, tfexec.Destroy(destroy), tfexec.LockTimeout(r.lockTimeout()),
			tfexec.Parallelism(r.Cfg.Parallelism))
		sink.flush()
		if err != nil {
			return nil, r.tfError("apply", err, sink)
		}
		return sink.outputs(), nil
	}
	planFile := fmt.Sprintf("run-%d-%s.tfplan", run.ID, phase)
	planPath := filepath.Join(h.dir, planFile)
	keepPlan := false
	defer func() {
		if !keepPlan {
			os.Remove(planPath)
		}
	}()
	// An approved run applies the very plan that was approved, unless that
	// plan is gone (another replica, a retry after a failure): then it plans
	// again, and Terraform refuses a saved plan whose state moved on.
	approvedPlan := phase == "apply" && run.ApprovalRequired && run.ApprovedAt != nil && fileExists(planPath)
	if !approvedPlan {
		changes, err := h.tf.Plan(ctx, tfexec.Out(planFile), tfexec.Destroy(destroy), tfexec.LockTimeout(r.lockTimeout()),
			tfexec.Parallelism(r.Cfg.Parallelism))
		if err != nil {
			return nil, r.tfError("plan", err, nil)
		}
		// An empty plan needs no `terraform show` to be summarized.
		var summary Summary
		if changes {
			if summary, err = r.summary(ctx, h.tf, planFile); err != nil {
				return nil, r.tfError("show", err, nil)
			}
		}
		if phase == "apply" {
			if err := store.SetPlanSummary(ctx, r.Pool, run.ID, summary); err != nil {
				return nil, dbErr(err)
			}
		}
		if run.Kind == store.KindDrift {
			return map[string]any{"drift": changes, "changes": summary}, nil
		}
		if phase == "apply" && run.ApprovalRequired && run.ApprovedAt == nil {
			if err := store.SetState(ctx, r.Pool, run.ID, store.StateAwaitingApproval, ""); err != nil {
				return nil, dbErr(err)
			}
			keepPlan = true
			return nil, errAwaitingApproval
		}
	}
	if phase == "apply" {
		if err := store.SetState(ctx, r.Pool, run.ID, store.StateApplying, ""); err != nil {
			return nil, dbErr(err)
		}
	}
	log.Info("applying", "phase", phase, "approved_plan", approvedPlan)
	err = h.tf.ApplyJSON(ctx, sink, tfexec.DirOrPlan(planFile), tfexec.LockTimeout(r.lockTimeout()),
		tfexec.Parallelism(r.Cfg.Parallelism))
	sink.flush()
	if err != nil && approvedPlan && strings.Contains(err.Error()+sink.errorText(), "Saved plan is stale") {
		// The state changed since the approval: plan again (the approval
		// covered the intent, the run's revision, not a byte-exact plan).
		os.Remove(planPath)
		log.Warn("approved plan is stale, planning again")
		return r.planApply(ctx, log, run, t, tpl, phase, destroy)
	}
	if err != nil {
		return nil, r.tfError("apply", err, sink)
	}
	return sink.outputs(), nil
}

// oneShot says whether a phase of a run plans inside its apply. Runs that
// wait for an approval and drift checks plan alone; an update keeps its
// separate plan so its summary names the attributes that change (the
// apply's stream names only resources). Onboardings, offboardings and
// compensations create or delete whole objects.
func oneShot(run store.Run, phase string) bool {
	switch {
	case run.ApprovalRequired && phase == "apply", run.Kind == store.KindDrift:
		return false
	case run.Kind == store.KindUpdate && phase == "apply":
		return false
	}
	return true
}

// destroyAll runs terraform destroy for the compensation of an onboarding.
func (r *Runner) destroyAll(ctx context.Context, run store.Run, t spec.Tenant, tpl workspace.Template) error {
	h, err := r.prepare(ctx, t, &tpl, run.Kind)
	if err != nil {
		return err
	}
	sink := r.sink(ctx, run.ID, "compensate")
	err = h.tf.DestroyJSON(ctx, sink, tfexec.LockTimeout(r.lockTimeout()), tfexec.Parallelism(r.Cfg.Parallelism))
	sink.flush()
	if err != nil {
		return r.tfError("destroy", err, sink)
	}
	return nil
}

func (r *Runner) sink(ctx context.Context, runID int64, phase string) *stepSink {
	return &stepSink{ctx: ctx, db: r.Pool, runID: runID, phase: phase, redact: r.redact,
		onErr: func(err error) { r.Log.Warn("recording step", "run", runID, "error", err.Error()) }}
}

// compensate undoes a failed onboarding or update. A compensation that
// still fails transiently after its retries stays COMPENSATING and goes
// back to River while the job has attempts left (a backend outage outlasts
// a few retries); only a permanent failure, or the last attempt, ends in
// COMPENSATION_FAILED for an operator.
func (r *Runner) compensate(ctx context.Context, log *slog.Logger, job *river.Job[Args], run store.Run, cause string) error {
	if err := store.SetState(ctx, r.Pool, run.ID, store.StateCompensating, ""); err != nil {
		return dbErr(err)
	}
	tenant, err := store.GetTenant(ctx, r.Pool, run.Tenant)
	if err != nil {
		return dbErr(err)
	}
	var cerr error
	for attempt := 0; ; attempt++ {
		switch {
		case run.Kind == store.KindUpdate && tenant.LastGoodRevision != nil:
			cerr = r.restoreLastGood(ctx, log, run, tenant)
		default:
			log.Info("compensating: destroying the tenant's workspace")
			var t spec.Tenant
			var tpl workspace.Template
			t, cerr = r.tenantSpec(ctx, run.Tenant, run.Revision)
			if cerr == nil {
				tpl, cerr = r.runTemplate(ctx, log, &run, t.Tier)
			}
			if cerr == nil {
				cerr = r.destroyAll(ctx, run, t, tpl)
			}
		}
		if errors.Is(cerr, errStore) {
			// The run stays COMPENSATING; the job's next attempt resumes.
			return cerr
		}
		if cerr == nil || ctx.Err() != nil || !errors.Is(cerr, errTransient) || attempt >= r.Cfg.Retries {
			break
		}
		select {
		case <-time.After(r.Cfg.RetryBackoff << attempt):
		case <-ctx.Done():
		}
	}
	if cerr != nil && ctx.Err() != nil {
		return fmt.Errorf("compensation of run %d interrupted: %w", run.ID, ctx.Err())
	}
	if cerr != nil && errors.Is(cerr, errTransient) && job.Attempt < job.MaxAttempts {
		// The run keeps its cause as its error; the next attempt resumes
		// the compensation from the COMPENSATING state.
		log.Warn("compensation failed transiently, retrying later", "error", cerr.Error(), "attempt", job.Attempt)
		return cerr
	}
	if cerr != nil {
		msg := cause + "\ncompensation failed: " + cerr.Error()
		log.Error("compensation failed", "error", cerr.Error())
		return r.finish(ctx, run, store.StateCompensationFailed, msg, nil)
	}
	if run.Kind != store.KindUpdate || tenant.LastGoodRevision == nil {
		if err := store.MarkStepsCompensated(ctx, r.Pool, run.ID); err != nil {
			return dbErr(err)
		}
	}
	log.Info("rolled back")
	return r.finish(ctx, run, store.StateRolledBack, cause, nil)
}

// restoreLastGood compensates a failed update: it re-applies the tenant's
// last good spec revision with the template revision that revision was
// applied with, so a change of templates/tenants since then is undone too
// (a resource the new templates added goes, one they removed comes back).
// A tenant whose last good run predates template revisions gets the
// templates on disk. The run records both revisions it re-applies.
func (r *Runner) restoreLastGood(ctx context.Context, log *slog.Logger, run store.Run, tenant store.Tenant) error {
	good := *tenant.LastGoodRevision
	t, err := r.tenantSpec(ctx, run.Tenant, good)
	if err != nil {
		return err
	}
	goodTemplate := ""
	if tenant.LastGoodTemplateRevision != nil {
		goodTemplate = *tenant.LastGoodTemplateRevision
	}
	tpl, err := r.templateFor(ctx, log, goodTemplate, t.Tier)
	if err != nil {
		return err
	}
	rev := tpl.Revision()
	if err := r.pin(ctx, tpl, func(tx pgx.Tx) error { return store.SetCompensation(ctx, tx, run.ID, good, rev) }); err != nil {
		return err
	}
	log.Info("compensating: re-applying the last good revision", "revision", good, "template_revision", rev)
	_, err = r.planApply(ctx, log, run, t, tpl, "compensate", false)
	return err
}

// runTemplate returns the template revision run renders. A run that has
// none yet (an onboarding or update starting) is pinned to the tier's
// files as they are on disk now, saved content-addressed and named on the
// run in one transaction, so a retry, a resumed run or the destroy of a
// failed onboarding renders the same module whatever happens on disk.
func (r *Runner) runTemplate(ctx context.Context, log *slog.Logger, run *store.Run, tier string) (workspace.Template, error) {
	tpl, err := r.templateFor(ctx, log, run.TemplateRevision, tier)
	if err != nil {
		return tpl, err
	}
	rev := tpl.Revision()
	if rev == run.TemplateRevision {
		return tpl, nil
	}
	if err := r.pin(ctx, tpl, func(tx pgx.Tx) error { return store.SetRunTemplateRevision(ctx, tx, run.ID, rev) }); err != nil {
		return tpl, err
	}
	log.Info("template revision pinned", "template_revision", rev, "tier", tier, "provider_version", tpl.ProviderVersion)
	run.TemplateRevision = rev
	return tpl, nil
}

// templateFor returns the stored template revision rev, or, when rev is
// "", the tier's files on disk now with the mirror's newest provider. A
// stored revision whose provider version left the mirror is rendered with
// the newest one (a new revision, which the caller pins).
func (r *Runner) templateFor(ctx context.Context, log *slog.Logger, rev, tier string) (workspace.Template, error) {
	if rev == "" {
		tpl, err := workspace.LoadTemplate(r.Cfg.TemplatesDir, tier, r.Cfg.MirrorDir)
		if err != nil {
			return tpl, fmt.Errorf("templates: %w", err)
		}
		return tpl, nil
	}
	row, files, err := store.LoadTemplateRevision(ctx, r.Pool, rev)
	if err != nil {
		return workspace.Template{}, dbErr(err)
	}
	tpl := workspace.Template{Tier: row.Tier, ProviderVersion: row.ProviderVersion, Files: files}
	if got := tpl.Revision(); got != rev {
		return tpl, fmt.Errorf("template revision %s: its stored parts hash to %s", rev, got)
	}
	if tpl.Tier != tier {
		return tpl, fmt.Errorf("template revision %s is of tier %q, the spec of tier %q", rev, tpl.Tier, tier)
	}
	if r.Cfg.MirrorDir != "" {
		if _, err := workspace.ProviderVersionDir(r.Cfg.MirrorDir, tpl.ProviderVersion); err != nil {
			_, newest, nerr := workspace.ProviderDir(r.Cfg.MirrorDir)
			if nerr != nil {
				return tpl, nerr
			}
			log.Warn("the template revision's provider version is no longer in the mirror; rendering its files with the newest",
				"template_revision", rev, "provider_version", tpl.ProviderVersion, "newest", newest)
			tpl.ProviderVersion = newest
		}
	}
	return tpl, nil
}

// pin saves tpl as a template revision and, in the same transaction, lets
// name record it on a run.
func (r *Runner) pin(ctx context.Context, tpl workspace.Template, name func(pgx.Tx) error) error {
	tx, err := r.Pool.Begin(ctx)
	if err != nil {
		return dbErr(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck
	rev := store.TemplateRevision{Revision: tpl.Revision(), Tier: tpl.Tier, ProviderVersion: tpl.ProviderVersion, Files: tpl.FileHashes()}
	if err := store.SaveTemplateRevision(ctx, tx, rev, tpl.Files); err != nil {
		return dbErr(err)
	}
	if err := name(tx); err != nil {
		return dbErr(err)
	}
	return dbErr(tx.Commit(ctx))
}

// finish records a final state, the tenant's status and the CRM callback in
// one transaction.
func (r *Runner) finish(ctx context.Context, run store.Run, state, errText string, outputs map[string]any) error {
	client := river.ClientFromContext[pgx.Tx](ctx)
	tx, err := r.Pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.Background()) //nolint:errcheck
	if outputs != nil {
		if err := store.SetOutputs(ctx, tx, run.ID, outputs); err != nil {
			return err
		}
	}
	if err := store.SetState(ctx, tx, run.ID, state, errText); err != nil {
		return err
	}
	var status, goodTemplate string
	good := 0
	switch {
	case state == store.StateCompleted && run.Kind == store.KindOffboard:
		status = "DELETED"
	case state == store.StateCompleted && run.Kind == store.KindDrift:
		d, _ := outputs["drift"].(bool)
		if err := store.SetDriftStatus(ctx, tx, run.Tenant, d); err != nil {
			return err
		}
	case state == store.StateCompleted:
		status, good, goodTemplate = "ACTIVE", run.Revision, run.TemplateRevision
	case state == store.StateRolledBack && run.Kind == store.KindOnboard:
		status = "ROLLED_BACK"
	case state == store.StateRolledBack:
		status = "ACTIVE"
	case state == store.StateCompensationFailed:
		status = "COMPENSATION_FAILED"
	case state == store.StateFailed && run.Kind != store.KindDrift:
		status = "FAILED"
	}
	if status != "" {
		if err := store.SetTenantStatus(ctx, tx, run.Tenant, status, good, goodTemplate); err != nil {
			return err
		}
	}
	if run.EventID != "" && client != nil {
		var out json.RawMessage
		if outputs != nil {
			out, _ = json.Marshal(outputs)
		}
		p := callback.Payload{EventID: run.EventID, Tenant: run.Tenant, RunID: run.ID, Kind: run.Kind,
			Outcome: state, Outputs: out, Error: errText}
		if err := callback.Enqueue(ctx, tx, client, p); err != nil {
			return err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	started := run.CreatedAt
	if run.StartedAt != nil {
		started = *run.StartedAt
	}
	r.Metrics.Finished(run.Kind, state, time.Since(started))
	r.Log.Info("run finished", "tenant", run.Tenant, "run", run.ID, "state", state)
	r.pruneTemplates(ctx)
	return nil
}

// pruneTemplates drops the template revisions no tenant and no unfinished
// run needs any more. A failure costs only space: it is logged and the next
// finished run tries again.
func (r *Runner) pruneTemplates(ctx context.Context) {
	revs, files, err := store.PruneTemplates(ctx, r.Pool)
	switch {
	case err != nil:
		r.Log.Warn("pruning template revisions", "error", err.Error())
	case revs > 0 || files > 0:
		r.Log.Info("pruned template revisions", "revisions", revs, "files", files)
	}
}

func (r *Runner) tenantSpec(ctx context.Context, tenant string, revision int) (spec.Tenant, error) {
	b, err := store.Spec(ctx, r.Pool, tenant, revision)
	if err != nil {
		return spec.Tenant{}, dbErr(fmt.Errorf("spec %s@%d: %w", tenant, revision, err))
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

// tfHandles is the Terraform handle of one tenant directory, through the
// wrapper when the runner detaches: it detaches apply and destroy (see
// wrapper.go) and execs every other command in place.
type tfHandles struct {
	tf  *tfexec.Terraform
	dir string
}

// handle returns the cached Terraform handle of dir. A handle
// remembers Terraform's version once asked (terraform-exec checks it
// before -json commands), so each run does not pay a `terraform version`.
// Runs of one tenant never overlap (the tenant lock), so neither do the
// uses of its handles.
func (r *Runner) handle(dir string) (*tfexec.Terraform, error) {
	if tf, ok := r.handles.Load(dir); ok {
		return tf.(*tfexec.Terraform), nil
	}
	tf, err := tfexec.NewTerraform(dir, r.execBin)
	if err != nil {
		return nil, err
	}
	if err := tf.SetEnv(r.env()); err != nil {
		return nil, err
	}
	if err := tf.SetWaitDelay(r.Cfg.InterruptGrace); err != nil {
		return nil, err
	}
	got, _ := r.handles.LoadOrStore(dir, tf)
	return got.(*tfexec.Terraform), nil
}

// prepare renders the tenant's workspace, initializes it when its module
// changed (from the init cache when it can) and selects the tenant's
// Terraform workspace, creating it for a new tenant.
func (r *Runner) prepare(ctx context.Context, t spec.Tenant, tpl *workspace.Template, kind string) (tfHandles, error) {
	dir := filepath.Join(r.Cfg.WorkDir, "tenants", t.ID)
	res, err := workspace.Render(workspace.Options{
		TemplatesDir: r.Cfg.TemplatesDir, Dir: dir, Tenant: t, Template: tpl, Platform: r.Cfg.Platform,
		DirectoryEnabled: r.Cfg.DirectoryEnabled, MirrorDir: r.Cfg.MirrorDir,
		// The federation's bind password goes to the tier's module in
		// secrets.auto.tfvars.json (0600), never with the platform file.
		Secrets: map[string]string{"directory_federation_bind_password": r.Cfg.ProviderEnv[FederationPasswordEnv]},
	})
	if err != nil {
		return tfHandles{}, fmt.Errorf("render: %w", err)
	}
	if r.Cfg.LocalBackend {
		override := "terraform {\n  backend \"local\" {}\n}\n"
		if err := os.WriteFile(filepath.Join(dir, "backend_override.tf"), []byte(override), 0o600); err != nil {
			return tfHandles{}, err
		}
		res.Hash += "-local"
	}
	tf, err := r.handle(dir)
	if err != nil {
		return tfHandles{}, err
	}
	h := tfHandles{tf: tf, dir: dir}
	if workspace.NeedsInit(dir, res) {
		cache := filepath.Join(r.Cfg.WorkDir, "init-cache")
		seeded, err := workspace.SeedInit(cache, dir, res.Hash)
		if err != nil {
			return tfHandles{}, fmt.Errorf("init cache: %w", err)
		}
		if !seeded {
			if err := h.tf.Init(ctx, tfexec.Upgrade(false), tfexec.Reconfigure(true)); err != nil {
				return tfHandles{}, r.tfError("init", err, nil)
			}
			if err := workspace.MarkInitialized(dir, res.Hash); err != nil {
				return tfHandles{}, err
			}
			if err := workspace.SaveInit(cache, dir, res.Hash); err != nil {
				r.Log.Warn("init cache", "error", err.Error())
			}
		}
	}
	if err := r.selectWorkspace(ctx, h, t.ID, kind); err != nil {
		return tfHandles{}, err
	}
	if err := r.pushErroredState(ctx, h); err != nil {
		return tfHandles{}, err
	}
	return h, nil
}

// selectWorkspace selects the tenant's Terraform workspace. A new tenant's
// does not exist yet: it is created straight away; anything else (or a
// retried onboarding) is selected first.
func (r *Runner) selectWorkspace(ctx context.Context, h tfHandles, name, kind string) error {
	if workspace.SelectedWorkspace(h.dir) == name {
		return nil
	}
	if kind == store.KindOnboard {
		err := r.newWorkspace(ctx, h.tf, name)
		if err == nil {
			return nil
		}
		if !workspaceExists.MatchString(err.Error()) {
			return r.tfError("workspace new", err, nil)
		}
	}
	if err := h.tf.WorkspaceSelect(ctx, name); err != nil {
		if err := r.newWorkspace(ctx, h.tf, name); err != nil {
			return r.tfError("workspace new", err, nil)
		}
	}
	return nil
}

// erroredState is where Terraform writes the state it could not save to
// the backend (the database went away mid-apply).
const erroredState = "errored.tfstate"

// pushErroredState saves a state Terraform could not save before anything
// else runs in the directory: that state records objects the backends
// already hold, and planning without it would create them again or, in a
// compensation, leave them behind. Terraform refuses a push that would
// fork the state; such a failure stops the run for an operator.
func (r *Runner) pushErroredState(ctx context.Context, h tfHandles) error {
	path := filepath.Join(h.dir, erroredState)
	if !fileExists(path) {
		return nil
	}
	if err := h.tf.StatePush(ctx, erroredState, tfexec.LockTimeout(r.lockTimeout())); err != nil {
		return r.tfError("state push "+erroredState, err, nil)
	}
	r.Log.Warn("saved the state Terraform could not save earlier", "dir", h.dir)
	return os.Remove(path)
}

// workspaceExists matches Terraform's refusal to create a workspace that
// is already there.
var workspaceExists = regexp.MustCompile(`(?i)workspace "[^"]*" already exists`)

// workspaceCreateLockClass is the first key of the two-int4 advisory key (LockClass+1, 0) that
// serializes `terraform workspace new` across this replica's workers and
// other replicas.
const workspaceCreateLockClass = LockClass + 1

// pgCreationLocked matches the pg backend's answer when its global
// workspace-creation lock is held by another Terraform process.
var pgCreationLocked = regexp.MustCompile(`locked for workspace creation`)

// newWorkspace creates the tenant's Terraform workspace. The pg backend
// takes its global creation lock exactly once, without -lock-timeout
// (hashicorp/terraform#33217), and every other state lock touches that key
// briefly, so concurrent onboardings would fail at random. We serialize our
// own creations with an advisory lock and retry the remaining collisions
// until the lock timeout.
func (r *Runner) newWorkspace(ctx context.Context, tf *tfexec.Terraform, name string) error {
	if r.Cfg.LocalBackend || r.Pool == nil {
		// A local backend (plan-only runs) has no creation lock to share.
		return tf.WorkspaceNew(ctx, name, tfexec.LockTimeout(r.lockTimeout()))
	}
	conn, err := r.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1, 0)`, workspaceCreateLockClass); err != nil {
		return fmt.Errorf("workspace creation lock: %w", err)
	}
	defer func() {
		if _, err := conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1, 0)`, workspaceCreateLockClass); err != nil {
			r.Log.Warn("releasing the workspace creation lock", "error", err.Error())
		}
	}()
	deadline := time.Now().Add(r.Cfg.LockTimeout)
	wait := 50 * time.Millisecond
	for {
		err := tf.WorkspaceNew(ctx, name, tfexec.LockTimeout(r.lockTimeout()))
		if err == nil || !pgCreationLocked.MatchString(err.Error()) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		if wait < time.Second {
			wait *= 2
		}
	}
}

func (r *Runner) env() map[string]string {
	env := map[string]string{
		"PATH":                    os.Getenv("PATH"),
		"HOME":                    r.Cfg.WorkDir,
		"TMPDIR":                  filepath.Join(r.Cfg.WorkDir, "tmp"),
		"TF_CLI_CONFIG_FILE":      r.Cfg.CLIConfigFile,
		"CHECKPOINT_DISABLE":      "1",
		"PG_CONN_STR":             r.Cfg.DatabaseURL,
		"PG_SKIP_SCHEMA_CREATION": "true",
		"PG_SKIP_TABLE_CREATION":  "true",
		"PG_SKIP_INDEX_CREATION":  "true",
		wrapperBinEnv:             r.Cfg.TerraformBin,
	}
	for k, v := range r.Cfg.ProviderEnv {
		env[k] = v
	}
	return env
}

// FederationPasswordEnv holds the password of the read-only account
// Keycloak binds as to federate tenants' OUs (the tiers' directory_bind_dn).
const FederationPasswordEnv = "TENANTOPS_FEDERATION_BIND_PASSWORD"

func (r *Runner) lockTimeout() string {
	return strconv.Itoa(int(r.Cfg.LockTimeout.Seconds())) + "s"
}

// secretValues are the configured values that must never appear in a
// stored error or output.
func (r *Runner) secretValues() []string {
	var out []string
	for k, v := range r.Cfg.ProviderEnv {
		u := strings.ToUpper(k)
		if len(v) >= 4 && (strings.Contains(u, "PASSWORD") || strings.Contains(u, "SECRET") || strings.Contains(u, "TOKEN")) {
			out = append(out, v)
		}
	}
	out = append(out, r.dbSecrets...)
	r.specSecrets.Range(func(k, _ any) bool {
		out = append(out, k.(string))
		return true
	})
	// Longest first, so a secret containing another is hidden whole.
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// databaseSecrets returns the password of the database connection string,
// URL (postgres://user:pw@host/db) or keyword/value (host=h password=pw),
// as libpq reads it (PGPASSWORD included), in the forms an error may quote
// it: as given and URL-escaped.
func databaseSecrets(conn string) []string {
	if conn == "" {
		return nil
	}
	cfg, err := pgconn.ParseConfig(conn)
	if err != nil || len(cfg.Password) < 4 {
		return nil
	}
	pw := cfg.Password
	forms := []string{pw, url.QueryEscape(pw), url.PathEscape(pw), strings.TrimPrefix(url.UserPassword("", pw).String(), ":")}
	var out []string
	for _, f := range forms {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

func (r *Runner) redact(s string) string {
	for _, v := range r.secretValues() {
		s = strings.ReplaceAll(s, v, "(sensitive)")
	}
	return s
}

// transientRe matches failures worth retrying as they are: timeouts, 5xx,
// refused or reset connections, throttling, a busy state lock, and a
// state database that is restarting (SQLSTATE class 57P, "too many
// clients").
var transientRe = regexp.MustCompile(`(?i)(i/o timeout|Client\.Timeout|timed out|deadline exceeded|connection refused|connection reset|use of closed network connection|server closed the connection|` +
	`broken pipe|\bEOF\b|temporar|unavailable|too many requests|\b429\b|\b50[234]\b|status 5\d\d|internal server error|` +
	`bad gateway|error acquiring the state lock|database system is (starting up|shutting down|in recovery mode)|` +
	`terminating connection due to administrator command|too many clients|57P0[1-3]|` +
	`ldap: connection closed|LDAP Result Code 200)`)

// tfError builds the run's error from Terraform's diagnostics (or its
// stderr), redacted, marked transient when it looks like one.
func (r *Runner) tfError(op string, err error, sink *stepSink) error {
	text := ""
	if sink != nil {
		text = sink.errorText()
	}
	if text == "" {
		text = cleanStderr(err.Error())
	}
	text = r.redact(text)
	if len(text) > 4000 {
		text = text[:4000] + "…"
	}
	if transientRe.MatchString(text) {
		return fmt.Errorf("terraform %s: %s (%w)", op, text, errTransient)
	}
	return fmt.Errorf("terraform %s: %s", op, text)
}

var ansiRe = regexp.MustCompile(`\x1b\[[0-9;]*m`)

func cleanStderr(s string) string {
	s = ansiRe.ReplaceAllString(s, "")
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(strings.Trim(l, "│╷╵ "))
		if l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, " ")
}

// outputs reads the root module outputs, hiding sensitive ones.
func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
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
