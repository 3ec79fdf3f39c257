// Package rollout applies a template revision to the tenants of one tier
// in waves: a canary, then growing waves, each tenant through an ordinary
// run (the same saga and per-tenant lock as a CRM update, compensated to
// the tenant's last good spec and template revision when it fails). A
// wave whose failures pass the threshold halts the rollout. The rollout's
// state lives in PostgreSQL and a River job drives it, so it survives a
// restart or a crash of the trigger.
package rollout

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/tenantops/tenantops/trigger/store"
	"github.com/tenantops/tenantops/trigger/workspace"
)

// Service starts rollouts and changes their state (the API's side).
type Service struct {
	Pool  *pgxpool.Pool
	River *river.Client[pgx.Tx]
	// TemplatesDir and MirrorDir give the tier's files on disk and the
	// provider version a rollout without a revision saves.
	TemplatesDir, MirrorDir string
	Log                     *slog.Logger
}

// Create starts a rollout of spec: the template revision (the tier's
// files on disk now when spec names none, saved as a revision), the tier's
// tenants each assigned a wave, and the job that drives it, in one
// transaction. A problem of the request is an *InvalidError; a tier with
// an active rollout is store.ErrRolloutActive.
func (s *Service) Create(ctx context.Context, spec Spec) (store.Rollout, error) {
	tx, err := s.Pool.Begin(ctx)
	if err != nil {
		return store.Rollout{}, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck
	rev, err := s.revision(ctx, tx, spec)
	if err != nil {
		return store.Rollout{}, err
	}
	tenants, err := store.RolloutCandidates(ctx, tx, spec.Tier)
	if err != nil {
		return store.Rollout{}, err
	}
	waves, count := spec.Plan(len(tenants))
	ro := store.Rollout{Tier: spec.Tier, TemplateRevision: rev, Canary: spec.Canary, GrowthFactor: spec.Factor,
		WaveSizes: spec.Sizes, MaxFailures: spec.MaxFailures, MaxFailuresPercent: spec.Percent,
		PauseBetweenWaves: store.Duration(spec.Pause), Waves: count}
	if ro.ID, err = store.CreateRollout(ctx, tx, ro, tenants, waves); err != nil {
		return store.Rollout{}, err
	}
	if err := s.drive(ctx, tx, ro.ID); err != nil {
		return store.Rollout{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return store.Rollout{}, err
	}
	s.Log.Info("rollout started", "rollout", ro.ID, "tier", spec.Tier, "template_revision", rev,
		"tenants", len(tenants), "waves", count)
	return store.GetRollout(ctx, s.Pool, ro.ID)
}

// revision checks the named template revision, or saves the tier's files
// on disk as one, in tx.
func (s *Service) revision(ctx context.Context, tx pgx.Tx, spec Spec) (string, error) {
	if spec.TemplateRevision != "" {
		t, err := store.GetTemplateRevision(ctx, tx, spec.TemplateRevision)
		if errors.Is(err, store.ErrTemplateGone) {
			return "", invalid("template_revision", "no such template revision (never saved, or pruned)")
		}
		if err != nil {
			return "", err
		}
		if t.Tier != spec.Tier {
			return "", invalid("template_revision", fmt.Sprintf("is a revision of tier %q, not %q", t.Tier, spec.Tier))
		}
		return t.Revision, nil
	}
	tiers, err := workspace.Tiers(s.TemplatesDir)
	if err != nil {
		return "", err
	}
	if !slices.Contains(tiers, spec.Tier) {
		return "", invalid("tier", fmt.Sprintf("no tier %q under the templates (tiers: %v)", spec.Tier, tiers))
	}
	tpl, err := workspace.LoadTemplate(s.TemplatesDir, spec.Tier, s.MirrorDir)
	if err != nil {
		return "", fmt.Errorf("templates of tier %s: %w", spec.Tier, err)
	}
	row := store.TemplateRevision{Revision: tpl.Revision(), Tier: tpl.Tier, ProviderVersion: tpl.ProviderVersion, Files: tpl.FileHashes()}
	if err := store.SaveTemplateRevision(ctx, tx, row, tpl.Files); err != nil {
		return "", err
	}
	return row.Revision, nil
}

func invalid(field, msg string) error {
	return &InvalidError{Errors: []FieldError{{Field: field, Message: msg}}}
}

// drive queues a job that drives rollout id and makes it the one that does, in tx.
func (s *Service) drive(ctx context.Context, tx pgx.Tx, id int64) error {
	res, err := s.River.InsertTx(ctx, tx, Args{RolloutID: id}, nil)
	if err != nil {
		return err
	}
	return store.SetRolloutDriver(ctx, tx, id, res.Job.ID)
}

// Pause stops a running rollout from starting runs: runs not started yet
// wait, runs under way finish.
func (s *Service) Pause(ctx context.Context, id int64) (store.Rollout, error) {
	return s.transition(ctx, id, []store.RolloutState{store.RolloutRunning}, store.RolloutPaused)
}

// Resume lets a paused rollout go on where it stopped.
func (s *Service) Resume(ctx context.Context, id int64) (store.Rollout, error) {
	return s.transition(ctx, id, []store.RolloutState{store.RolloutPaused}, store.RolloutRunning)
}

// Abort ends a running or paused rollout: no further run starts (runs not
// started yet are cancelled), runs under way finish.
func (s *Service) Abort(ctx context.Context, id int64) (store.Rollout, error) {
	return s.transition(ctx, id, []store.RolloutState{store.RolloutRunning, store.RolloutPaused}, store.RolloutAborted)
}

func (s *Service) transition(ctx context.Context, id int64, from []store.RolloutState, to store.RolloutState) (store.Rollout, error) {
	tx, err := s.Pool.Begin(ctx)
	if err != nil {
		return store.Rollout{}, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck
	ro, err := store.TransitionRollout(ctx, tx, id, from, to)
	if err != nil {
		return ro, err
	}
	if to == store.RolloutRunning {
		// A paused rollout's job has ended: a new one drives it.
		if err := s.drive(ctx, tx, id); err != nil {
			return ro, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return ro, err
	}
	s.Log.Info("rollout "+string(to), "rollout", id, "tier", ro.Tier)
	return ro, nil
}

// View is a rollout with its waves and tenants.
type View struct {
	store.Rollout
	// Template is the revision's tier, provider version and files.
	Template *store.TemplateRevision `json:"template,omitempty"`
	WaveList []Wave                  `json:"wave_list"`
	Tenants  []store.RolloutTenant   `json:"tenants"`
}

// Wave counts one wave's tenants by status; Allowed is how many may fail
// before the rollout halts.
type Wave struct {
	Wave    int                               `json:"wave"`
	Size    int                               `json:"size"`
	Allowed int                               `json:"allowed_failures"`
	Status  map[store.RolloutTenantStatus]int `json:"status"`
}

// Get loads a rollout with its waves and tenants.
func (s *Service) Get(ctx context.Context, id int64) (View, error) {
	ro, err := store.GetRollout(ctx, s.Pool, id)
	if err != nil {
		return View{}, err
	}
	ts, err := store.RolloutTenants(ctx, s.Pool, id)
	if err != nil {
		return View{}, err
	}
	v := View{Rollout: ro, Tenants: ts, WaveList: make([]Wave, ro.Waves)}
	if v.Tenants == nil {
		v.Tenants = []store.RolloutTenant{}
	}
	for i := range v.WaveList {
		v.WaveList[i] = Wave{Wave: i, Status: map[store.RolloutTenantStatus]int{}}
	}
	for _, t := range ts {
		if t.Wave < len(v.WaveList) {
			v.WaveList[t.Wave].Size++
			v.WaveList[t.Wave].Status[t.Status]++
		}
	}
	for i := range v.WaveList {
		v.WaveList[i].Allowed = ro.Allowed(v.WaveList[i].Size)
	}
	t, err := store.GetTemplateRevision(ctx, s.Pool, ro.TemplateRevision)
	switch {
	case err == nil:
		v.Template = &t
	case !errors.Is(err, store.ErrTemplateGone):
		return v, err
	}
	return v, nil
}
