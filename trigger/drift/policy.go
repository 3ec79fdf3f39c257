// Package drift runs the scheduled drift sweep: a River periodic job,
// inserted by the elected leader only, schedules a drift check of every
// live tenant once per interval at an offset derived from the tenant id
// (so the checks spread over the interval and do not move when the
// trigger restarts). A check is an ordinary drift run (trigger/runner) on
// the drift queue, whose concurrency is bounded; it never starts while the
// tenant has a run in progress. The Recorder keeps each tenant's latest
// finding, sends a signed notification when a tenant drifts or is back in
// line, and, for the tiers set to "apply", starts a run that re-applies
// the tenant's last good revision and stops for an approval when that
// would destroy or replace anything.
package drift

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Mode is what the sweep does about a drifted tenant of a tier.
type Mode string

// Remediation modes.
const (
	// ModeReport records and notifies only.
	ModeReport Mode = "report"
	// ModeApply also starts a run re-applying the tenant's last good
	// revision (one that destroys or replaces waits for an approval).
	ModeApply Mode = "apply"
)

// Policy is the remediation mode by tier; a tier it does not name reports.
type Policy map[string]Mode

// For returns the mode of tier.
func (p Policy) For(tier string) Mode {
	if m, ok := p[tier]; ok {
		return m
	}
	return ModeReport
}

// ParsePolicy reads "standard=report,premium-dr=apply" (empty: every tier
// reports), naming the part it cannot use.
func ParsePolicy(s string) (Policy, error) {
	p := Policy{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		tier, mode, ok := strings.Cut(part, "=")
		tier, mode = strings.TrimSpace(tier), strings.TrimSpace(mode)
		if !ok || tier == "" {
			return nil, fmt.Errorf("drift-remediate: %q is not tier=mode", part)
		}
		switch Mode(mode) {
		case ModeReport, ModeApply:
		default:
			return nil, fmt.Errorf("drift-remediate: tier %q: mode %q must be report or apply", tier, mode)
		}
		if _, dup := p[tier]; dup {
			return nil, fmt.Errorf("drift-remediate: tier %q is given twice", tier)
		}
		p[tier] = Mode(mode)
	}
	return p, nil
}

// String renders the policy as ParsePolicy reads it, by tier.
func (p Policy) String() string {
	parts := make([]string, 0, len(p))
	for tier, m := range p {
		parts = append(parts, tier+"="+string(m))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// Config configures the sweep.
type Config struct {
	// Interval is how often every tenant is checked; 0 disables the sweep
	// (drift checks asked through the API are still recorded).
	Interval time.Duration
	// Concurrency bounds the drift checks running at once on a replica.
	Concurrency int
	// NotifyURL receives the signed drift notifications (empty: none are
	// sent); NotifySecret signs them.
	NotifyURL    string
	NotifySecret string
	// Remediate is the mode by tier.
	Remediate Policy
}
