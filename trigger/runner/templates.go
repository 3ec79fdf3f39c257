package runner

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"

	"github.com/tenantops/tenantops/trigger/store"
	"github.com/tenantops/tenantops/trigger/workspace"
)

// runTemplate returns the template revision run renders. A run that has
// none yet (an onboarding or update starting) is pinned to the revision
// startingTemplate names, or to the tier's files as they are on disk now,
// saved content-addressed and named on the run in one transaction, so a
// retry, a resumed run or the destroy of a failed onboarding renders the
// same module whatever happens on disk.
func (r *Runner) runTemplate(ctx context.Context, log *slog.Logger, run *store.Run, tier string) (workspace.Template, error) {
	rev := run.TemplateRevision
	if rev == "" {
		var err error
		if rev, err = r.startingTemplate(ctx, *run, tier); err != nil {
			return workspace.Template{}, err
		}
	}
	tpl, err := r.templateFor(ctx, log, rev, tier)
	if err != nil {
		return tpl, err
	}
	rev = tpl.Revision()
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
		if err := workspace.HasProvider(r.Cfg.MirrorDir, tpl.ProviderVersion); err != nil {
			newest, nerr := workspace.NewestProvider(r.Cfg.MirrorDir)
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
