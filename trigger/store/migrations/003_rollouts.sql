-- Rollouts: a template revision applied to the tenants of one tier in waves.

-- A rollout's template revision is not a foreign key: a finished rollout is
-- history once no tenant and no unfinished rollout needs its revision (see
-- PruneTemplates), as a finished run's is.
CREATE TABLE rollouts (
    id                bigserial PRIMARY KEY,
    tier              text NOT NULL,
    template_revision text NOT NULL,
    state             text NOT NULL CHECK (state IN ('RUNNING', 'PAUSED', 'HALTED', 'ABORTED', 'COMPLETED')),
    canary            integer NOT NULL,
    -- Wave growth: a factor, or explicit sizes after the canary (the last repeats).
    growth_factor     integer NOT NULL DEFAULT 0,
    wave_sizes        integer[] NOT NULL DEFAULT '{}',
    -- Failures a wave may have before the rollout halts: a count, or a
    -- percent of the wave's tenants (rounded down).
    max_failures      integer NOT NULL DEFAULT 0,
    max_failures_pct  boolean NOT NULL DEFAULT false,
    pause_ms          bigint NOT NULL DEFAULT 0,
    waves             integer NOT NULL,
    current_wave      integer NOT NULL DEFAULT 0,
    next_wave_at      timestamptz,
    -- The River job that drives the rollout; any other job of it stops.
    driver_job        bigint,
    error             text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    finished_at       timestamptz
);
-- One rollout at a time per tier.
CREATE UNIQUE INDEX rollouts_one_active_per_tier ON rollouts (tier) WHERE state IN ('RUNNING', 'PAUSED');
CREATE INDEX rollouts_tier_idx ON rollouts (tier, id);

-- The tenants of a rollout, each in its wave, with the run that applies
-- the revision to it (created when its wave starts).
CREATE TABLE rollout_tenants (
    rollout_id bigint NOT NULL REFERENCES rollouts (id),
    tenant     text NOT NULL REFERENCES tenants (id),
    wave       integer NOT NULL,
    status     text NOT NULL DEFAULT 'PENDING'
               CHECK (status IN ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'SKIPPED')),
    run_id     bigint REFERENCES runs (id),
    PRIMARY KEY (rollout_id, tenant)
);
CREATE INDEX rollout_tenants_wave_idx ON rollout_tenants (rollout_id, wave);

ALTER TABLE runs ADD COLUMN rollout_id bigint REFERENCES rollouts (id);
