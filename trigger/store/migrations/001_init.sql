-- tenantops trigger: events, spec revisions, tenants, runs, run steps, callback outbox.
CREATE TABLE events (
    id            bigserial PRIMARY KEY,
    event_id      text NOT NULL UNIQUE,
    event_type    text NOT NULL,
    tenant        text NOT NULL,
    body_sha256   text NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now(),
    run_id        bigint
);

CREATE TABLE tenants (
    id                 text PRIMARY KEY,
    tier               text NOT NULL,
    current_revision   integer NOT NULL DEFAULT 0,
    last_good_revision integer,
    status             text NOT NULL DEFAULT 'PENDING',
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tenant_specs (
    tenant     text NOT NULL REFERENCES tenants(id),
    revision   integer NOT NULL,
    event_id   text NOT NULL,
    spec       jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, revision)
);

CREATE TABLE runs (
    id                bigserial PRIMARY KEY,
    tenant            text NOT NULL REFERENCES tenants(id),
    kind              text NOT NULL CHECK (kind IN ('onboard', 'update', 'offboard', 'drift')),
    state             text NOT NULL,
    revision          integer NOT NULL,
    event_id          text,
    approval_required boolean NOT NULL DEFAULT false,
    approved_at       timestamptz,
    outputs           jsonb,
    plan_summary      jsonb,
    error             text,
    attempts          integer NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now(),
    started_at        timestamptz,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    finished_at       timestamptz
);
CREATE INDEX runs_tenant_idx ON runs (tenant, id);
CREATE INDEX runs_state_idx ON runs (state);

CREATE TABLE run_steps (
    id          bigserial PRIMARY KEY,
    run_id      bigint NOT NULL REFERENCES runs(id),
    phase       text NOT NULL CHECK (phase IN ('apply', 'compensate')),
    address     text NOT NULL,
    action      text NOT NULL,
    status      text NOT NULL CHECK (status IN ('started', 'completed', 'failed', 'compensated')),
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    error       text,
    UNIQUE (run_id, phase, address)
);

CREATE TABLE callbacks (
    id              bigserial PRIMARY KEY,
    run_id          bigint NOT NULL REFERENCES runs(id),
    event_id        text NOT NULL,
    payload         jsonb NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX callbacks_pending_idx ON callbacks (next_attempt_at) WHERE delivered_at IS NULL;

-- Terraform's pg backend objects, created here once so that concurrent
-- `terraform init`s never race on CREATE ... IF NOT EXISTS (the runner sets
-- PG_SKIP_SCHEMA_CREATION, PG_SKIP_TABLE_CREATION, PG_SKIP_INDEX_CREATION).
CREATE SCHEMA IF NOT EXISTS terraform_remote_state;
CREATE SEQUENCE IF NOT EXISTS public.global_states_id_seq AS bigint;
CREATE TABLE IF NOT EXISTS terraform_remote_state.states (
    id bigint NOT NULL DEFAULT nextval('public.global_states_id_seq') PRIMARY KEY,
    name text UNIQUE,
    data text
);
CREATE UNIQUE INDEX IF NOT EXISTS states_by_name ON terraform_remote_state.states (name);
