-- Offboarding with a retention hold: a customer.deleted suspends the tenant
-- at once (its suspend_run) and destroys it when the hold expires
-- (destroy_at), unless a customer.reactivated or an operator cancels the
-- hold first. One row per tenant: a later deletion replaces a cancelled
-- or finished hold.
CREATE TABLE offboard_holds (
    tenant      text PRIMARY KEY REFERENCES tenants (id),
    event_id    text NOT NULL,
    suspend_run bigint NOT NULL,
    destroy_at  timestamptz NOT NULL,
    state       text NOT NULL CHECK (state IN ('HELD', 'CANCELLED', 'DESTROYING')),
    destroy_run bigint,
    reason      text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX offboard_holds_due_idx ON offboard_holds (destroy_at) WHERE state = 'HELD';
