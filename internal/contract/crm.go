package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"strings"

	"github.com/tenantops/tenantops/internal/sim/record"
)

// crmChecker holds the trigger's callbacks to the contract the trigger
// publishes to CRMs (docs/trigger.md, "Callback" and "Signature scheme"):
// no vendor describes this side, so our own documentation is the judge.
type crmChecker struct{}

var (
	crmSignature = regexp.MustCompile(`^t=[0-9]+(,v[0-9]+=[0-9a-f]+)*$`)
	crmV1        = regexp.MustCompile(`(^|,)v1=[0-9a-f]{64}(,|$)`)
	crmKinds     = map[string]bool{"onboard": true, "update": true, "offboard": true, "drift": true}
	crmOutcomes  = map[string]bool{"COMPLETED": true, "ROLLED_BACK": true, "COMPENSATION_FAILED": true,
		"FAILED": true, "SUPERSEDED": true, "REJECTED": true}
	crmFields = map[string]bool{"event_id": true, "tenant": true, "run_id": true, "kind": true,
		"outcome": true, "outputs": true, "error": true, "destroy_at": true}
)

func (crmChecker) system() string      { return "crm" }
func (crmChecker) against() []string   { return nil }
func (crmChecker) endpoints() []string { return []string{"POST callback"} }

// check reads the callbacks: POSTs to the CRM's callback URL. The
// simulator's own read-outs (GET /crm/callbacks, /healthz) are test
// plumbing, counted as undescribed.
func (crmChecker) check(_ string, ex []record.Exchange) Result {
	r := Result{Against: "docs/trigger.md: Callback, Signature scheme"}
	for _, e := range ex {
		if e.Method != http.MethodPost {
			count(&r.Undescribed, e.Method+" "+e.Path)
			continue
		}
		r.Checked++
		count(&r.Operations, "POST callback")
		for _, m := range crmProblems(e) {
			r.Violations = append(r.Violations, Violation{Method: e.Method, Path: e.Path, Status: e.Status, Side: "request", Message: m})
		}
	}
	return r
}

func crmProblems(e record.Exchange) []string {
	var out []string
	sig := e.ReqHeader.Get("X-Tenantops-Signature")
	if !crmSignature.MatchString(sig) || !crmV1.MatchString(sig) {
		out = append(out, fmt.Sprintf("X-Tenantops-Signature %q is not t=<unix seconds>,v1=<hex HMAC-SHA256>", sig))
	}
	if mt, _, _ := mime.ParseMediaType(e.ReqHeader.Get("Content-Type")); mt != "application/json" {
		out = append(out, fmt.Sprintf("Content-Type %q, want application/json", e.ReqHeader.Get("Content-Type")))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(e.ReqBody, &raw); err != nil {
		return append(out, "body is not a JSON object: "+err.Error())
	}
	if string(raw["type"]) == `"tenant.usage"` {
		return append(out, usageProblems(e.ReqBody, raw)...)
	}
	for k := range raw {
		if !crmFields[k] {
			out = append(out, fmt.Sprintf("field %q is not in the documented callback", k))
		}
	}
	var p struct {
		EventID string          `json:"event_id"`
		Tenant  string          `json:"tenant"`
		RunID   int64           `json:"run_id"`
		Kind    string          `json:"kind"`
		Outcome string          `json:"outcome"`
		Outputs json.RawMessage `json:"outputs"`
	}
	dec := json.NewDecoder(bytes.NewReader(e.ReqBody))
	if err := dec.Decode(&p); err != nil {
		return append(out, "body does not decode as a callback: "+err.Error())
	}
	if p.EventID == "" || p.Tenant == "" || p.RunID <= 0 {
		out = append(out, "event_id, tenant and a positive run_id are required")
	}
	if !crmKinds[p.Kind] {
		out = append(out, fmt.Sprintf("kind %q is not onboard, update, offboard or drift", p.Kind))
	}
	if !crmOutcomes[p.Outcome] {
		out = append(out, fmt.Sprintf("outcome %q is not a documented final state", p.Outcome))
	}
	if len(p.Outputs) > 0 && !bytes.Equal(p.Outputs, []byte("null")) && !strings.HasPrefix(strings.TrimSpace(string(p.Outputs)), "{") {
		out = append(out, "outputs is not an object")
	}
	return out
}

// usageFields are the documented fields of a tenant.usage report
// (docs/trigger.md, "Usage reports"); protected_vms is there for tenants
// with DR only.
var usageFields = map[string]bool{"type": true, "report_id": true, "tenant": true, "tier": true, "status": true,
	"period_start": true, "period_end": true, "measured_at": true, "cpu_mhz": true, "memory_mb": true,
	"storage_mb": true, "protected_vms": false, "admins": true}

func usageProblems(body []byte, raw map[string]json.RawMessage) []string {
	var out []string
	for k, required := range usageFields {
		if _, ok := raw[k]; required && !ok {
			out = append(out, fmt.Sprintf("usage report without %q", k))
		}
	}
	for k := range raw {
		if _, ok := usageFields[k]; !ok {
			out = append(out, fmt.Sprintf("field %q is not in the documented usage report", k))
		}
	}
	type resource struct {
		Allocated *int64 `json:"allocated"`
		Limit     *int64 `json:"limit"`
		Used      *int64 `json:"used"`
	}
	var p struct {
		ReportID string   `json:"report_id"`
		Tenant   string   `json:"tenant"`
		CPU      resource `json:"cpu_mhz"`
		Memory   resource `json:"memory_mb"`
		Storage  resource `json:"storage_mb"`
	}
	_ = json.Unmarshal(body, &p)
	if !strings.HasPrefix(p.ReportID, "usage:"+p.Tenant+":") || p.Tenant == "" {
		out = append(out, fmt.Sprintf("report_id %q is not usage:<tenant>:<period start>", p.ReportID))
	}
	for name, r := range map[string]resource{"cpu_mhz": p.CPU, "memory_mb": p.Memory, "storage_mb": p.Storage} {
		if r.Allocated == nil || r.Limit == nil || r.Used == nil || *r.Used < 0 {
			out = append(out, name+" needs allocated, limit and a used >= 0")
		}
	}
	return out
}
