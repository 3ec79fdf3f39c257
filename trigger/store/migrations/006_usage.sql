-- Usage reports: the periodic tenant.usage callbacks go to the CRM through
-- the outbox like the run callbacks, but belong to no run. Their event_id
-- is the report's idempotency key (usage:<tenant>:<period start>): one
-- report per tenant and period, however often the sweep runs.
ALTER TABLE callbacks ALTER COLUMN run_id DROP NOT NULL;
CREATE UNIQUE INDEX callbacks_usage_once ON callbacks (event_id) WHERE run_id IS NULL AND channel = 'crm';
