package contract

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/sim/record"
)

func callback(sig, body string) record.Exchange {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Tenantops-Signature", sig)
	return record.Exchange{System: "crm", Method: "POST", Path: "/crm/callbacks", Status: 204, ReqHeader: h, ReqBody: []byte(body)}
}

const goodSig = "t=1764662400,v1=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestCRMCheckerCallbacks(t *testing.T) {
	good := `{"event_id":"evt-1","tenant":"acme","run_id":1,"kind":"onboard","outcome":"COMPLETED","outputs":{"a":"b"}}`
	if r := (crmChecker{}).check("", []record.Exchange{callback(goodSig, good)}); len(r.Violations) != 0 || r.Checked != 1 {
		t.Fatalf("good callback: checked %d, %v", r.Checked, r.Violations)
	}
	bad := []struct{ name, sig, body, want string }{
		{"no signature", "", good, "X-Tenantops-Signature"},
		{"short MAC", "t=1,v1=abcd", good, "X-Tenantops-Signature"},
		{"unknown outcome", goodSig, strings.Replace(good, "COMPLETED", "DONE", 1), "outcome"},
		{"unknown kind", goodSig, strings.Replace(good, "onboard", "create", 1), "kind"},
		{"undocumented field", goodSig, strings.Replace(good, `"tenant"`, `"secret":"x","tenant"`, 1), `"secret"`},
		{"no run id", goodSig, strings.Replace(good, `"run_id":1`, `"run_id":0`, 1), "run_id"},
	}
	for _, tc := range bad {
		r := crmChecker{}.check("", []record.Exchange{callback(tc.sig, tc.body)})
		found := false
		for _, v := range r.Violations {
			found = found || strings.Contains(v.Message, tc.want)
		}
		if !found {
			t.Errorf("%s: want a violation containing %q, got %v", tc.name, tc.want, r.Violations)
		}
	}
}
