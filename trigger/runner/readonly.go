package runner

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/hashicorp/terraform-exec/tfexec"
	tfjson "github.com/hashicorp/terraform-json"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantops/tenantops/trigger/spec"
	"github.com/tenantops/tenantops/trigger/workspace"
)

// ReadOnlyPlanner plans template revisions against tenants' current state
// without writing anything: no run, no state, no Terraform workspace, no
// state lock (the fleet plan of a pull request). It renders into its own
// WorkDir, which the caller owns and removes.
type ReadOnlyPlanner struct {
	r *Runner
	// Refresh asks the backends for each object's current attributes
	// before planning (terraform plan -refresh=true).
	Refresh bool
}

// NewReadOnlyPlanner prepares a planner over cfg (WorkDir should be a fresh
// directory: the tenants' workspaces and the init cache go there); pool
// serves TenantSpec.
func NewReadOnlyPlanner(cfg Config, pool *pgxpool.Pool, refresh bool) (*ReadOnlyPlanner, error) {
	cfg.Detach = false
	r, err := New(cfg, pool, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		return nil, err
	}
	return &ReadOnlyPlanner{r: r, Refresh: refresh}, nil
}

// TenantSpec loads a tenant's spec revision; the spec's secrets (a brokered
// IdP's client secret) are then redacted from every error of this planner.
func (p *ReadOnlyPlanner) TenantSpec(ctx context.Context, tenant string, revision int) (spec.Tenant, error) {
	return p.r.tenantSpec(ctx, tenant, revision)
}

// Redact hides the configured secrets (provider credentials, the database
// password, the loaded specs' secrets) in s, as the runner does in the run
// records, callbacks and logs.
func (p *ReadOnlyPlanner) Redact(s string) string { return p.r.redact(s) }

// ErrNoState is returned for a tenant whose Terraform workspace does not
// exist: there is nothing to plan against, and creating it would write.
var ErrNoState = errors.New("the tenant has no Terraform state")

// Plan renders tpl for t, then plans it against the tenant's Terraform
// workspace with -lock=false (a concurrent run of the tenant is neither
// blocked nor waited for) and returns the plan as `terraform show -json`
// reads it (an empty plan when Terraform reports no change). Errors are
// redacted.
func (p *ReadOnlyPlanner) Plan(ctx context.Context, t spec.Tenant, tpl workspace.Template) (*tfjson.Plan, error) {
	h, err := p.r.renderInit(ctx, t, &tpl)
	if err != nil {
		return nil, errors.New(p.r.redact(err.Error()))
	}
	// Select the workspace the way `terraform workspace select` records
	// it, without starting Terraform: the caller checked it exists.
	if err := os.WriteFile(filepath.Join(h.dir, ".terraform", "environment"), []byte(t.ID), 0o600); err != nil {
		return nil, err
	}
	planFile := "fleet.tfplan"
	defer os.Remove(filepath.Join(h.dir, planFile))
	changes, err := h.tf.Plan(ctx, tfexec.Out(planFile), tfexec.Refresh(p.Refresh), tfexec.Lock(false),
		tfexec.Parallelism(p.r.Cfg.Parallelism))
	if err != nil {
		return nil, p.r.tfError("plan", err, nil)
	}
	if !changes {
		// Nothing to show: spare the tenant a second Terraform process.
		return &tfjson.Plan{}, nil
	}
	plan, err := h.tf.ShowPlanFile(ctx, planFile)
	if err != nil {
		return nil, p.r.tfError("show", err, nil)
	}
	return plan, nil
}

// Close removes the planner's tenants' directories.
func (p *ReadOnlyPlanner) Close() error {
	return os.RemoveAll(filepath.Join(p.r.Cfg.WorkDir, "tenants"))
}
