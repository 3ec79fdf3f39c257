package store

// RunState is where a run stands in its saga, as the runs.state column
// holds it.
type RunState string

// Run states.
const (
	StatePending            RunState = "PENDING"
	StatePlanning           RunState = "PLANNING"
	StateAwaitingApproval   RunState = "AWAITING_APPROVAL"
	StateApplying           RunState = "APPLYING"
	StateCompleted          RunState = "COMPLETED"
	StateFailed             RunState = "FAILED"
	StateCompensating       RunState = "COMPENSATING"
	StateRolledBack         RunState = "ROLLED_BACK"
	StateCompensationFailed RunState = "COMPENSATION_FAILED"
	// StateSuperseded ends a queued update that a newer revision of the same
	// tenant replaced before it started (updates coalesce).
	StateSuperseded RunState = "SUPERSEDED"
	// StateRejected ends a run whose plan an operator refused: nothing
	// was applied.
	StateRejected RunState = "REJECTED"
)

// AllStates lists every run state, for metrics.
var AllStates = []RunState{StatePending, StatePlanning, StateAwaitingApproval, StateApplying, StateCompleted,
	StateFailed, StateCompensating, StateRolledBack, StateCompensationFailed, StateSuperseded, StateRejected}

// Terminal reports whether a run in state s will not change any more.
// FAILED is terminal only for offboarding runs whose retries are exhausted;
// the runner decides that, so it is not listed here.
func Terminal(s RunState) bool {
	switch s {
	case StateCompleted, StateRolledBack, StateCompensationFailed, StateSuperseded, StateRejected:
		return true
	}
	return false
}

// TenantStatus is what a tenant's last finished run left it as (the
// tenants.status column).
type TenantStatus string

// Tenant statuses.
const (
	// TenantPending is a tenant whose onboarding has not finished yet.
	TenantPending            TenantStatus = "PENDING"
	TenantActive             TenantStatus = "ACTIVE"
	TenantDrifted            TenantStatus = "DRIFTED"
	TenantFailed             TenantStatus = "FAILED"
	TenantRolledBack         TenantStatus = "ROLLED_BACK"
	TenantCompensationFailed TenantStatus = "COMPENSATION_FAILED"
	TenantDeleted            TenantStatus = "DELETED"
	// TenantSuspended is a tenant whose applied revision is suspended
	// (customer.suspended): nobody signs in, everything is kept.
	TenantSuspended TenantStatus = "SUSPENDED"
	// TenantRejected is a tenant whose onboarding plan was rejected:
	// nothing of it was built.
	TenantRejected TenantStatus = "REJECTED"
)

// StepStatus is where one resource step of a run stands (run_steps.status,
// whose CHECK constraint lists the same four).
type StepStatus string

// Step statuses.
const (
	StepStarted     StepStatus = "started"
	StepCompleted   StepStatus = "completed"
	StepFailed      StepStatus = "failed"
	StepCompensated StepStatus = "compensated"
)

// FailedIsFinal reports whether a FAILED run stays so: an offboarding
// whose retries are exhausted (it is never compensated), a drift check
// (it changed nothing) and a drift remediation (its compensation would
// re-apply the very revision that failed, without the guard against
// destroying anything).
func FailedIsFinal(r Run) bool {
	return r.Kind == KindOffboard || r.Kind == KindDrift || r.RemediationOf != nil
}

// failedIsFinal is FailedIsFinal in SQL, over the runs columns prefixed
// by alias ("" or "x.").
func failedIsFinal(alias string) string {
	return "(" + alias + "kind IN ('offboard', 'drift') OR " + alias + "remediation_of IS NOT NULL)"
}

// unfinished is the SQL condition of a run that has not reached its final
// state, over the runs columns prefixed by alias.
func unfinished(alias string) string {
	return alias + "state NOT IN ('COMPLETED', 'ROLLED_BACK', 'COMPENSATION_FAILED', 'SUPERSEDED', 'REJECTED') AND NOT (" +
		alias + "state = 'FAILED' AND " + failedIsFinal(alias) + ")"
}
