// Package server wires the trigger together: store and migrations, the
// River client with the run and callback workers, the stale-run resumer,
// the webhook intake and the HTTP API. Run(ctx, cfg) is the one entry point
// used by `tenantops-trigger serve` and by the dev mode (which starts the
// simulators and a throwaway PostgreSQL first, then calls Run with a Config
// pointing at them).
package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/tenantops/tenantops/trigger/api"
	"github.com/tenantops/tenantops/trigger/callback"
	"github.com/tenantops/tenantops/trigger/drift"
	"github.com/tenantops/tenantops/trigger/hold"
	"github.com/tenantops/tenantops/trigger/intake"
	"github.com/tenantops/tenantops/trigger/metrics"
	"github.com/tenantops/tenantops/trigger/rollout"
	"github.com/tenantops/tenantops/trigger/runner"
	"github.com/tenantops/tenantops/trigger/store"
	"github.com/tenantops/tenantops/trigger/workspace"
)

// Migrate applies the database migrations.
func Migrate(ctx context.Context, databaseURL string) error {
	s, err := store.Open(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer s.Close()
	return store.Migrate(ctx, s.Pool)
}

// Run serves until ctx is cancelled, then shuts down gracefully: intake
// refuses new webhooks, running work gets ShutdownTimeout to finish, then
// it is cancelled (Terraform is interrupted; the run resumes after restart).
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := cfg.Logger
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if cfg.MigrateOnStart {
		if err := store.Migrate(ctx, st.Pool); err != nil {
			return err
		}
	}
	stateEnc, err := prepareEncryption(ctx, st.Pool, &cfg, log)
	if err != nil {
		return err
	}
	cliConfig := filepath.Join(cfg.WorkDir, "terraformrc")
	if err := os.MkdirAll(cfg.WorkDir, 0o700); err != nil {
		return err
	}
	if err := workspace.WriteCLIConfig(cliConfig, cfg.ProviderMirror); err != nil {
		return err
	}
	m := metrics.New(st.Pool)
	run, err := runner.New(runner.Config{
		TerraformBin: cfg.TerraformBin, WorkDir: cfg.WorkDir, TemplatesDir: cfg.TemplatesDir,
		MirrorDir: cfg.ProviderMirror, CLIConfigFile: cliConfig, DatabaseURL: cfg.DatabaseURL,
		ProviderEnv: cfg.ProviderEnv, Platform: cfg.Platform, DirectoryEnabled: cfg.DirectoryEnabled,
		Parallelism: cfg.Parallelism, LockTimeout: cfg.LockTimeout, JobTimeout: cfg.JobTimeout,
		Retries: cfg.Retries, RetryBackoff: cfg.RetryBackoff, SnoozeDelay: cfg.PollInterval * 2,
		Detach: cfg.Detach, InterruptGrace: 30 * time.Second,
		Keyring: cfg.Keyring, StateEncryption: stateEnc,
	}, st.Pool, log, m)
	if err != nil {
		return err
	}
	run.Drift = &drift.Recorder{Cfg: cfg.driftConfig(), Log: log.With("component", "drift"), Metrics: m}
	workers := river.NewWorkers()
	river.AddWorker(workers, &runner.Worker{R: run})
	river.AddWorker(workers, &hold.DestroyWorker{Pool: st.Pool, Log: log})
	addDriftWorkers(workers, st.Pool, cfg, log, m)
	cbWorker := &callback.Worker{Pool: st.Pool, Log: log, Metrics: m, Cfg: callback.Config{
		URL: cfg.CallbackURL, Secret: []byte(cfg.CallbackSecret), Timeout: 10 * time.Second,
		Backoff: cfg.CallbackBackoff, MaxBackoff: 10 * time.Minute, UserAgent: cfg.UserAgent(),
	}}
	river.AddWorker(workers, cbWorker)
	river.AddWorker(workers, &rollout.Worker{Pool: st.Pool, Log: log, Poll: cfg.PollInterval})
	periodic := driftPeriodicJobs(cfg)
	if pj := addUsage(workers, st.Pool, cfg, log); pj != nil {
		periodic = append(periodic, pj)
	}
	rc, err := river.NewClient(riverpgxv5.New(st.Pool), &river.Config{
		Queues: map[string]river.QueueConfig{
			"runs":         {MaxWorkers: cfg.Workers},
			"callbacks":    {MaxWorkers: 4},
			"rollouts":     {MaxWorkers: 2},
			drift.Queue:    {MaxWorkers: cfg.DriftConcurrency},
			drift.RunQueue: {MaxWorkers: cfg.DriftConcurrency},
		},
		// The drift sweep: River inserts periodic jobs on the elected
		// leader only, so replicas sweep once between them.
		PeriodicJobs:      periodic,
		Workers:           workers,
		JobTimeout:        cfg.JobTimeout,
		FetchPollInterval: cfg.PollInterval,
		FetchCooldown:     minDur(cfg.PollInterval/2, 100*time.Millisecond),
		// River's own rescuer is the backstop behind the resumer: it must
		// never fire during a legitimately long apply.
		RescueStuckJobsAfter: cfg.JobTimeout + 10*time.Minute,
		Logger:               log.With("component", "river"),
	})
	if err != nil {
		return fmt.Errorf("river: %w", err)
	}
	tiers := func() ([]string, error) { return workspace.Tiers(cfg.TemplatesDir) }
	secrets := make([][]byte, len(cfg.WebhookSecrets))
	for i, s := range cfg.WebhookSecrets {
		secrets[i] = []byte(s)
	}
	hook := &intake.Handler{Pool: st.Pool, River: rc, Secrets: secrets, Tolerance: cfg.WebhookTolerance,
		Tiers: tiers, RequireApproval: cfg.RequireApproval, Log: log, Keyring: cfg.Keyring,
		Retention: hold.Retention{Default: cfg.OffboardRetention, Tiers: cfg.OffboardRetentionTiers}.For}
	a := &api.API{Pool: st.Pool, River: rc, Token: cfg.APIToken, Metrics: m, Webhook: hook, Log: log, Drift: cfg.driftConfig(),
		Holds:    &hold.Service{Pool: st.Pool, River: rc},
		Rollouts: &rollout.Service{Pool: st.Pool, River: rc, TemplatesDir: cfg.TemplatesDir, MirrorDir: cfg.ProviderMirror, Log: log}}
	ln := cfg.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.Listen); err != nil {
			return err
		}
	}
	handler, err := withConsole(ctx, cfg, a)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}

	// Held until River has stopped: no replica resumes a job of ours
	// while this process may still be running it.
	releaseLiveness, err := runner.HoldLiveness(ctx, st.Pool, rc.ID(), log)
	if err != nil {
		return err
	}
	defer releaseLiveness()
	// River cancels running jobs when Start's context ends: shutdown goes
	// through Stop/StopAndCancel below instead, so the grace period holds.
	if err := rc.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("river start: %w", err)
	}
	resumeCtx, stopResume := context.WithCancel(context.Background())
	resumeDone := make(chan struct{})
	go func() {
		defer close(resumeDone)
		resumeStale(resumeCtx, st.Pool, cfg.ResumeAfter, cbWorker.Timeout(nil), log)
	}()
	srvErr := make(chan error, 1)
	go func() { srvErr <- srv.Serve(ln) }()
	log.Info("trigger serving", "addr", ln.Addr().String(), "workers", cfg.Workers, "terraform", cfg.TerraformBin)
	if cfg.Started != nil {
		cfg.Started(ln.Addr().String())
	}

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-srvErr:
	}
	log.Info("shutting down", "grace", cfg.ShutdownTimeout.String())
	hook.Close()
	stopResume()
	<-resumeDone
	shutCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := rc.Stop(shutCtx); err != nil {
		log.Warn("running work did not finish in time; cancelling it", "error", err.Error())
		cctx, ccancel := context.WithTimeout(context.Background(), 45*time.Second)
		_ = rc.StopAndCancel(cctx)
		ccancel()
	}
	hctx, hcancel := context.WithTimeout(context.Background(), 5*time.Second)
	_ = srv.Shutdown(hctx)
	hcancel()
	if errors.Is(runErr, http.ErrServerClosed) {
		runErr = nil
	}
	return runErr
}
