// Package fleet plans a template tree against every tenant of the tiers it
// changes, read-only, and reports the outcome for a pull request: tenants
// grouped by identical change sets, destroys and replaces first, unchanged
// tenants, errors per tenant.
//
// Each tenant is planned with its last good spec revision (the spec its
// state was applied with, so that the plan shows what the templates change
// and nothing a pending CRM update would) against its Terraform state in
// the pg backend, with -lock=false: no state lock is taken at all, so a
// tenant's run is never blocked by a fleet plan, and nothing is written
// (no run, no state, no Terraform workspace, no template revision).
package fleet

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantops/tenantops/trigger/runner"
	"github.com/tenantops/tenantops/trigger/store"
	"github.com/tenantops/tenantops/trigger/workspace"
)

// Options says what to plan.
type Options struct {
	// Runner holds the trigger's settings: its TemplatesDir is the tree to
	// plan (the pull request's templates/tenants) and its WorkDir a fresh
	// directory the plan renders into (the caller removes it).
	Runner runner.Config
	// Tiers limits the plan to these tiers (empty: every tier of the tree).
	Tiers []string
	// Parallel is how many tenants are planned at once (at least 1).
	Parallel int
	// Refresh reads every object from the backends before planning.
	Refresh bool
	Log     *slog.Logger
}

// job is one tenant to plan.
type job struct {
	tenant   store.Tenant
	revision int
}

// Plan plans the template tree against the tenants of its tiers.
func Plan(ctx context.Context, pool *pgxpool.Pool, o Options) (Report, error) {
	start := time.Now()
	if o.Parallel < 1 {
		o.Parallel = 1
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	templates, err := loadTiers(o.Runner.TemplatesDir, o.Runner.MirrorDir, o.Tiers)
	if err != nil {
		return Report{}, err
	}
	jobs, skipped, err := affected(ctx, pool, templates)
	if err != nil {
		return Report{}, err
	}
	planner, err := runner.NewReadOnlyPlanner(o.Runner, pool, o.Refresh)
	if err != nil {
		return Report{}, err
	}
	defer planner.Close()
	results := make([]TenantResult, len(jobs))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(o.Parallel, max(len(jobs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				results[i] = planOne(ctx, planner, templates, jobs[i], o.Log)
			}
		}()
	}
	for i := range jobs {
		work <- i
	}
	close(work)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return Report{}, err
	}
	r := Build(results)
	r.Templates = o.Runner.TemplatesDir
	r.Refresh = o.Refresh
	r.Skipped = skipped
	count := map[string]int{}
	for _, j := range jobs {
		count[j.tenant.Tier]++
	}
	for _, tier := range sortedKeys(templates) {
		r.Tiers = append(r.Tiers, TierRevision{Tier: tier, Revision: templates[tier].Revision(), Tenants: count[tier]})
	}
	r.Duration = time.Since(start)
	return r, nil
}

// loadTiers reads the tiers to plan from the tree, pinned to the mirror's
// newest provider (as a run starting now would be).
func loadTiers(dir, mirror string, only []string) (map[string]workspace.Template, error) {
	all, err := workspace.Tiers(dir)
	if err != nil {
		return nil, err
	}
	for _, t := range only {
		if !slices.Contains(all, t) {
			return nil, fmt.Errorf("--tier %q: %s holds no such tier (it holds %v)", t, dir, all)
		}
	}
	out := map[string]workspace.Template{}
	for _, tier := range all {
		if len(only) > 0 && !slices.Contains(only, tier) {
			continue
		}
		tpl, err := workspace.LoadTemplate(dir, tier, mirror)
		if err != nil {
			return nil, err
		}
		out[tier] = tpl
	}
	return out, nil
}

// affected lists the tenants of the planned tiers with a state to plan
// against; the others of those tiers are returned as skipped, with why.
func affected(ctx context.Context, pool *pgxpool.Pool, templates map[string]workspace.Template) ([]job, []TenantResult, error) {
	tenants, err := store.ListTenants(ctx, pool)
	if err != nil {
		return nil, nil, err
	}
	states, err := store.StateWorkspaces(ctx, pool)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the Terraform state names: %w", err)
	}
	var jobs []job
	var skipped []TenantResult
	for _, t := range tenants {
		if _, ok := templates[t.Tier]; !ok {
			continue
		}
		why := ""
		switch {
		case t.Status == store.TenantDeleted:
			why = "deleted"
		case t.LastGoodRevision == nil:
			why = fmt.Sprintf("nothing applied yet (status %s)", t.Status)
		case !states[t.ID]:
			why = runner.ErrNoState.Error()
		}
		if why != "" {
			skipped = append(skipped, TenantResult{Tenant: t.ID, Tier: t.Tier, Error: why})
			continue
		}
		jobs = append(jobs, job{tenant: t, revision: *t.LastGoodRevision})
	}
	return jobs, skipped, nil
}

// planOne plans one tenant; its failure is a result, never the fleet's.
func planOne(ctx context.Context, p *runner.ReadOnlyPlanner, templates map[string]workspace.Template, j job, log *slog.Logger) TenantResult {
	res := TenantResult{Tenant: j.tenant.ID, Tier: j.tenant.Tier}
	if ctx.Err() != nil {
		res.Error = ctx.Err().Error()
		return res
	}
	start := time.Now()
	t, err := p.TenantSpec(ctx, j.tenant.ID, j.revision)
	if err == nil && t.Tier != j.tenant.Tier {
		err = fmt.Errorf("spec revision %d is of tier %q, the tenant of tier %q", j.revision, t.Tier, j.tenant.Tier)
	}
	if err == nil {
		plan, perr := p.Plan(ctx, t, templates[t.Tier])
		if perr == nil {
			res.Changes = Changes(plan)
		}
		err = perr
	}
	if err != nil {
		res.Error = p.Redact(err.Error())
	}
	log.Info("tenant planned", "tenant", res.Tenant, "tier", res.Tier, "changes", len(res.Changes),
		"error", res.Error, "seconds", time.Since(start).Seconds())
	return res
}

func sortedKeys(m map[string]workspace.Template) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
