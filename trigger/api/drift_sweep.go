package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/tenantops/tenantops/trigger/store"
)

// DriftSummary is the fleet's drift as GET /v1/drift shows it: the sweep's
// settings, counts per tier, and the records of the tenants that drifted
// or whose latest check failed.
type DriftSummary struct {
	Interval    string              `json:"interval"`
	Enabled     bool                `json:"enabled"`
	Concurrency int                 `json:"concurrency"`
	Remediate   map[string]string   `json:"remediate"`
	Tenants     int                 `json:"tenants"`
	Checked     int                 `json:"checked"`
	Drifted     int                 `json:"drifted"`
	Failed      int                 `json:"failed"`
	LastCheckAt *time.Time          `json:"last_check_at,omitempty"`
	Tiers       []store.DriftTier   `json:"tiers"`
	Records     []store.DriftRecord `json:"records"`
}

func (a *API) driftSummary(w http.ResponseWriter, r *http.Request) {
	tiers, err := store.DriftByTier(r.Context(), a.Pool)
	if err != nil {
		a.fail(w, err)
		return
	}
	records, err := store.ListDriftRecords(r.Context(), a.Pool)
	if err != nil {
		a.fail(w, err)
		return
	}
	s := DriftSummary{Interval: a.Drift.Interval.String(), Enabled: a.Drift.Interval > 0, Concurrency: a.Drift.Concurrency,
		Remediate: map[string]string{}, Tiers: nonNil(tiers), Records: nonNil(records)}
	for tier, m := range a.Drift.Remediate {
		s.Remediate[tier] = string(m)
	}
	for _, t := range tiers {
		s.Tenants += t.Tenants
		s.Checked += t.Checked
		s.Drifted += t.Drifted
		s.Failed += t.Failed
		if t.LastCheck != nil && (s.LastCheckAt == nil || t.LastCheck.After(*s.LastCheckAt)) {
			s.LastCheckAt = t.LastCheck
		}
	}
	writeJSON(w, http.StatusOK, s)
}

// driftRecord is the tenant's drift record, nil before its first check.
func (a *API) driftRecord(ctx context.Context, tenant string) (*store.DriftRecord, error) {
	d, err := store.GetDriftRecord(ctx, a.Pool, tenant)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &d, nil
}
