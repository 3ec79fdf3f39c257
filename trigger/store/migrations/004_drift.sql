-- The scheduled drift sweep: one record per tenant of its latest check,
-- remediation runs, and drift notifications in the outbox.

-- What the tenant's latest drift check found. changes holds the plan's
-- summary (addresses, actions, attribute names: never values); error the
-- failure of a check that could not plan (drifted then keeps the last
-- verdict). remediation_run is the run started to put it back in line.
CREATE TABLE drift_records (
    tenant          text PRIMARY KEY REFERENCES tenants (id),
    run_id          bigint NOT NULL,
    checked_at      timestamptz NOT NULL,
    drifted         boolean NOT NULL DEFAULT false,
    drifted_since   timestamptz,
    changes         jsonb NOT NULL DEFAULT '{}',
    error           text,
    remediation_run bigint
);

-- A run started by the sweep to undo drift is an ordinary update of the
-- tenant's last good revision; remediation_of names the drift run that
-- found the drift. approve_destructive stops it at AWAITING_APPROVAL when
-- its plan destroys or replaces anything.
ALTER TABLE runs
    ADD COLUMN remediation_of      bigint,
    ADD COLUMN approve_destructive boolean NOT NULL DEFAULT false;

-- The outbox carries the CRM's callbacks and the drift notifications,
-- each delivered to its own URL with its own secret.
ALTER TABLE callbacks
    ADD COLUMN channel text NOT NULL DEFAULT 'crm';
