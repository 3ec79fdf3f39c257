package runner

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/tenantops/tenantops/trigger/spec"
	"github.com/tenantops/tenantops/trigger/store"
	"github.com/tenantops/tenantops/trigger/workspace"
)

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
		if phase == "apply" && run.ApproveDestructive && run.ApprovedAt == nil && summary.Delete+summary.Replace > 0 {
			// An automatic remediation never destroys or replaces.
			log.Info("plan destroys or replaces: awaiting approval", "delete", summary.Delete, "replace", summary.Replace)
			if err := store.SetApprovalRequired(ctx, r.Pool, run.ID); err != nil {
				return nil, dbErr(err)
			}
			run.ApprovalRequired = true
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
	h, err := r.renderInit(ctx, t, tpl)
	if err != nil {
		return tfHandles{}, err
	}
	if err := r.selectWorkspace(ctx, h, t.ID, kind); err != nil {
		return tfHandles{}, err
	}
	if err := r.pushErroredState(ctx, h); err != nil {
		return tfHandles{}, err
	}
	return h, nil
}

// renderInit renders the tenant's workspace under WorkDir/tenants/<id> and
// initializes it when its module changed (from the init cache when it
// can). It writes nothing to the backend.
func (r *Runner) renderInit(ctx context.Context, t spec.Tenant, tpl *workspace.Template) (tfHandles, error) {
	dir := filepath.Join(r.Cfg.WorkDir, "tenants", t.ID)
	res, err := workspace.Render(workspace.Options{
		TemplatesDir: r.Cfg.TemplatesDir, Dir: dir, Tenant: t, Template: tpl, Platform: r.Cfg.Platform,
		DirectoryEnabled: r.Cfg.DirectoryEnabled, MirrorDir: r.Cfg.MirrorDir,
		// The federation's bind password goes to the tier's module in
		// secrets.auto.tfvars.json (0600), never with the platform file.
		Secrets: map[string]string{"directory_federation_bind_password": r.Cfg.ProviderEnv[FederationPasswordEnv],
			"smtp_password": r.Cfg.ProviderEnv[SMTPPasswordEnv]},
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
	if !workspace.NeedsInit(dir, res) {
		return h, nil
	}
	cache := filepath.Join(r.Cfg.WorkDir, "init-cache")
	seeded, err := workspace.SeedInit(cache, dir, res.Hash)
	if err != nil {
		return tfHandles{}, fmt.Errorf("init cache: %w", err)
	}
	if seeded {
		return h, nil
	}
	if err := h.tf.Init(ctx, tfexec.Upgrade(false), tfexec.Reconfigure(true)); err != nil {
		return tfHandles{}, r.tfError("init", err, nil)
	}
	if err := workspace.MarkInitialized(dir, res.Hash); err != nil {
		return tfHandles{}, err
	}
	if err := workspace.SaveInit(cache, dir, res.Hash); err != nil {
		r.Log.Warn("init cache", "error", err.Error())
	}
	return h, nil
}

// workspaceExists matches Terraform's refusal to create a workspace that
// is already there.
var workspaceExists = regexp.MustCompile(`(?i)workspace "[^"]*" already exists`)

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
	// A private CA of the provider network mirror or of the backends, as
	// the trigger trusts it.
	for _, k := range []string{"SSL_CERT_FILE", "SSL_CERT_DIR"} {
		if v := os.Getenv(k); v != "" {
			env[k] = v
		}
	}
	for k, v := range r.Cfg.ProviderEnv {
		env[k] = v
	}
	if r.Cfg.StateEncryption != "" {
		env[StateEncryptionEnv] = r.Cfg.StateEncryption
	}
	return env
}

// FederationPasswordEnv holds the password of the read-only account
// Keycloak binds as to federate tenants' OUs (the tiers' directory_bind_dn).
const FederationPasswordEnv = "TENANTOPS_FEDERATION_BIND_PASSWORD"

// SMTPPasswordEnv holds the password of the realms' mail server user
// (smtp_user): the tiers' smtp_password, written for the runs only to
// secrets.auto.tfvars.json.
const SMTPPasswordEnv = "TENANTOPS_SMTP_PASSWORD"

func (r *Runner) lockTimeout() string {
	return strconv.Itoa(int(r.Cfg.LockTimeout.Seconds())) + "s"
}

// fileExists reports whether p exists (a saved plan, an errored state).
func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
