package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tenantops/tenantops/trigger/api"
	"github.com/tenantops/tenantops/trigger/runner"
	"github.com/tenantops/tenantops/trigger/spec"
	"github.com/tenantops/tenantops/trigger/store"
)

const tenantPage = 50

var tenantStatuses = []store.TenantStatus{store.TenantPending, store.TenantActive, store.TenantSuspended, store.TenantDrifted, store.TenantFailed,
	store.TenantRolledBack, store.TenantCompensationFailed, store.TenantRejected, store.TenantDeleted}

func (c *Console) tenants(w http.ResponseWriter, r *http.Request, s Session) {
	q := r.URL.Query()
	f := tenantFilter{Q: strings.TrimSpace(q.Get("q")), Tier: q.Get("tier"), Status: q.Get("status"), After: q.Get("after"), Limit: tenantPage}
	rows, err := listTenants(r.Context(), c.Pool, f)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	ts, err := tiers(r.Context(), c.Pool)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	next := ""
	if len(rows) > tenantPage {
		rows = rows[:tenantPage]
		v := url.Values{"q": {f.Q}, "tier": {f.Tier}, "status": {f.Status}, "after": {rows[tenantPage-1].ID}}
		next = "/ui/?" + v.Encode()
	}
	c.render(w, r, http.StatusOK, "tenants", s, map[string]any{"Filter": f, "Rows": rows, "Next": next,
		"Tiers": ts, "Statuses": tenantStatuses})
}

func (c *Console) tenant(w http.ResponseWriter, r *http.Request, s Session) {
	ctx := r.Context()
	t, err := store.GetTenant(ctx, c.Pool, r.PathValue("id"))
	if err != nil {
		c.notFoundOr(w, r, err)
		return
	}
	specJSON, secrets := c.redactedSpec(r, t.ID, t.CurrentRevision)
	outputs, err := lastOutputs(ctx, c.Pool, t.ID)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	history, err := specHistory(ctx, c.Pool, t.ID)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	runs, err := store.ListRuns(ctx, c.Pool, t.ID, 20)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	var drift *store.Run
	for i := range runs {
		if runs[i].Kind == store.KindDrift {
			drift = &runs[i]
			break
		}
	}
	var lastGood *store.TemplateRevision
	if t.LastGoodTemplateRevision != nil {
		if tr, err := store.GetTemplateRevision(ctx, c.Pool, *t.LastGoodTemplateRevision); err == nil {
			lastGood = &tr
		}
	}
	c.render(w, r, http.StatusOK, "tenant", s, map[string]any{"Tenant": t, "Spec": specJSON,
		"Outputs": c.cfg.Redactor.Redact(pretty(outputs), secrets...), "History": history, "Runs": runs,
		"Drift": drift, "LastGoodTemplate": lastGood})
}

// redactedSpec returns a spec revision as indented JSON with its secrets
// replaced (spec.Tenant.Redacted), and those secret values, to hide them
// wherever else they might appear.
func (c *Console) redactedSpec(r *http.Request, tenant string, revision int) (string, []string) {
	raw, err := store.Spec(r.Context(), c.Pool, tenant, revision)
	if err != nil {
		return "", nil
	}
	// Opened only to learn the values to hide elsewhere; shown redacted.
	if c.cfg.Keyring == nil {
		return "(the stored spec's secrets cannot be opened: no encryption keys)", nil
	}
	if raw, err = c.cfg.Keyring.OpenSpec(tenant, raw); err != nil {
		return "(the stored spec's secrets could not be opened)", nil
	}
	var t spec.Tenant
	if err := json.Unmarshal(raw, &t); err != nil {
		return "(the stored spec could not be read)", nil
	}
	var secrets []string
	if t.SSO.IdP != nil && t.SSO.IdP.ClientSecret != "" {
		secrets = append(secrets, t.SSO.IdP.ClientSecret)
	}
	b, _ := json.MarshalIndent(t.Redacted(), "", "  ")
	return string(b), secrets
}

func pretty(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

func (c *Console) run(w http.ResponseWriter, r *http.Request, s Session) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		c.errorPage(w, r, http.StatusNotFound, "There is no run "+r.PathValue("id")+".")
		return
	}
	run, err := store.GetRun(ctx, c.Pool, id)
	if err != nil {
		c.notFoundOr(w, r, err)
		return
	}
	steps, err := store.Steps(ctx, c.Pool, id)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	cbs, err := callbacks(ctx, c.Pool, id)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	_, secrets := c.redactedSpec(r, run.Tenant, run.Revision)
	for i := range steps {
		steps[i].Error = c.cfg.Redactor.Redact(steps[i].Error, secrets...)
	}
	for i := range cbs {
		cbs[i].LastError = c.cfg.Redactor.Redact(cbs[i].LastError, secrets...)
	}
	run.Error = c.cfg.Redactor.Redact(run.Error, secrets...)
	data := map[string]any{"Run": run, "Steps": steps, "Gantt": buildGantt(steps, time.Now()),
		"Plan": planSummary(run.PlanSummary), "Callbacks": cbs, "Outputs": c.cfg.Redactor.Redact(pretty(run.Outputs), secrets...)}
	if !store.Terminal(run.State) || slices.ContainsFunc(cbs, func(cb callbackState) bool { return cb.DeliveredAt == nil }) {
		data["Live"] = fmt.Sprintf("/ui/runs/%d/events", run.ID)
	}
	c.render(w, r, http.StatusOK, "run", s, data)
}

// planSummary decodes a stored plan summary (nil when there is none).
func planSummary(raw json.RawMessage) *runner.Summary {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var s runner.Summary
	if json.Unmarshal(raw, &s) != nil {
		return nil
	}
	return &s
}

// pendingApproval is a run waiting for a decision, with its plan.
type pendingApproval struct {
	store.Run
	Plan *runner.Summary
}

func (c *Console) approvals(w http.ResponseWriter, r *http.Request, s Session) {
	runs, err := runsInState(r.Context(), c.Pool, store.StateAwaitingApproval, 200)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	list := make([]pendingApproval, 0, len(runs))
	for _, run := range runs {
		list = append(list, pendingApproval{Run: run, Plan: planSummary(run.PlanSummary)})
	}
	c.render(w, r, http.StatusOK, "approvals", s, map[string]any{"Runs": list, "Done": r.URL.Query().Get("done")})
}

func (c *Console) approve(w http.ResponseWriter, r *http.Request, s Session) {
	id, ok := c.runID(w, r)
	if !ok {
		return
	}
	run, err := c.API.Approve(r.Context(), id)
	if c.decisionFailed(w, r, err) {
		return
	}
	c.Log.Info("run approved in the console", "run", run.ID, "tenant", run.Tenant, "by", s.Name)
	http.Redirect(w, r, "/ui/approvals?done="+url.QueryEscape("Run "+strconv.FormatInt(id, 10)+" of "+run.Tenant+" approved."), http.StatusSeeOther)
}

func (c *Console) reject(w http.ResponseWriter, r *http.Request, s Session) {
	id, ok := c.runID(w, r)
	if !ok {
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if msg := api.CheckReason(reason); msg != "" {
		c.errorPage(w, r, http.StatusBadRequest, "Rejecting needs a reason: "+msg+".")
		return
	}
	run, err := c.API.Reject(r.Context(), id, "rejected by "+s.Name+": "+reason)
	if c.decisionFailed(w, r, err) {
		return
	}
	c.Log.Info("run rejected in the console", "run", run.ID, "tenant", run.Tenant, "by", s.Name)
	http.Redirect(w, r, "/ui/approvals?done="+url.QueryEscape("Run "+strconv.FormatInt(id, 10)+" of "+run.Tenant+" rejected."), http.StatusSeeOther)
}

func (c *Console) runID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		c.errorPage(w, r, http.StatusNotFound, "There is no run "+r.PathValue("id")+".")
		return 0, false
	}
	return id, true
}

// decisionFailed answers a failed approval or rejection; false when err is nil.
func (c *Console) decisionFailed(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, store.ErrNotAwaitingApproval):
		c.errorPage(w, r, http.StatusConflict, "This run no longer waits for approval (someone else may have decided).")
	default:
		c.notFoundOr(w, r, err)
	}
	return true
}

func (c *Console) notFoundOr(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, store.ErrNotFound) {
		c.errorPage(w, r, http.StatusNotFound, "Nothing is there: it does not exist (any more).")
		return
	}
	c.serverError(w, r, err)
}
