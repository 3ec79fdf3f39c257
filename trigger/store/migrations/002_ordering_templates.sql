-- Event ordering and idempotency conflicts; template revisions pinned to runs.

-- occurred_at orders a tenant's events; content_sha256 (of the parsed event)
-- tells a redelivery from another event reusing the id; stale_of names the
-- newer event a late one lost to.
ALTER TABLE events
    ADD COLUMN occurred_at    timestamptz,
    ADD COLUMN content_sha256 text,
    ADD COLUMN stale_of       text;

-- The newest event accepted for the tenant (occurred_at, then event id).
ALTER TABLE tenants
    ADD COLUMN last_event_at timestamptz,
    ADD COLUMN last_event_id text;

-- Template files, content-addressed: sha256 (hex) of content.
CREATE TABLE template_files (
    sha256     text PRIMARY KEY,
    content    bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A revision of a tier's root module: its files ({"vcd.tf": "<sha256>"})
-- and the provider version; revision is the hash of all three.
CREATE TABLE template_revisions (
    revision         text PRIMARY KEY,
    tier             text NOT NULL,
    provider_version text NOT NULL,
    files            jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);

-- A run's template revision is history once the run is over (revisions no
-- tenant needs are pruned), so it is not a foreign key; the tenant's last
-- good one is.
ALTER TABLE runs
    ADD COLUMN template_revision              text,
    ADD COLUMN compensation_revision          integer,
    ADD COLUMN compensation_template_revision text;
CREATE INDEX runs_template_revision_idx ON runs (template_revision) WHERE template_revision IS NOT NULL;

ALTER TABLE tenants
    ADD COLUMN last_good_template_revision text REFERENCES template_revisions (revision);
