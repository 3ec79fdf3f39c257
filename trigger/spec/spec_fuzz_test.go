package spec

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds arbitrary bodies to Parse. Whatever comes in, Parse must
// not panic; an accepted event must satisfy every rule on its own (so
// Validate agrees), survive a JSON round trip unchanged, and an error must
// be an Errors list whose entries name a field and say something.
func FuzzParse(f *testing.F) {
	seed := func(ev Event) {
		b, _ := json.Marshal(ev)
		f.Add(b)
	}
	seed(valid())
	ev := valid()
	ev.Tenant.SSO.IdP = oidc()
	seed(ev)
	ev = valid()
	ev.Tenant.Tier = "premium-dr"
	ev.Tenant.DR = &DR{RPOSeconds: 300, JournalHours: 24, Priority: "High"}
	seed(ev)
	ev = valid()
	ev.Tenant.SSO.IdP = &IdP{Type: "saml", SSOURL: "https://idp/sso", EntityID: "urn:idp"}
	seed(ev)
	for _, s := range []string{
		`{"event_id":"e1","event_type":"customer.deleted","occurred_at":"2026-01-02T15:04:05Z","tenant":{"id":"acme"}}`,
		`{"event_id":"e1","event_type":"customer.created","occurred_at":"2026-01-02T15:04:05Z","tenant":{"id":"../etc","tier":"../standard"}}`,
		`{"event_id":"e1","tenant":{"id":"\u0430cme"}}`,
		`{"event_id":"e1","tenant":{"display_name":"${file(\"/etc/passwd\")}"}}`,
		`{"tenant":{"quotas":{"cpu_mhz":1e400}}}`,
		`{"tenant":{"admins":[{"username":"a"},{"username":"a"}]}}`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[`,
		`{"event_id":"e1"} {"event_id":"e2"}`,
		`{"unknown":true}`,
		`null`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := Parse(body, tiers)
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error %v (%T) is not a non-empty Errors list", err, err)
			}
			for _, fe := range errs {
				if fe.Field == "" || fe.Message == "" {
					t.Fatalf("field error without field or message: %+v", fe)
				}
				if !utf8.ValidString(fe.Message) {
					t.Fatalf("field error message is not valid UTF-8: %q", fe.Message)
				}
			}
			return
		}
		if errs := Validate(ev, tiers); len(errs) != 0 {
			t.Fatalf("Parse accepted an event Validate refuses: %v", errs)
		}
		if !tenantIDRe.MatchString(ev.Tenant.ID) || strings.Contains(ev.Tenant.ID, "..") {
			t.Fatalf("accepted tenant id %q", ev.Tenant.ID)
		}
		if ev.EventType != EventDeleted && !contains(tiers, ev.Tenant.Tier) {
			t.Fatalf("accepted tier %q", ev.Tenant.Tier)
		}
		again, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("accepted event does not marshal: %v", err)
		}
		ev2, err := Parse(again, tiers)
		if err != nil {
			t.Fatalf("re-encoded accepted event refused: %v\n%s", err, again)
		}
		if !reflect.DeepEqual(ev, ev2) {
			t.Fatalf("round trip changed the event:\n%+v\n%+v", ev, ev2)
		}
	})
}
