package spec

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

var tiers = []string{"premium-dr", "standard"}

func valid() Event {
	return Event{
		EventID: "evt-1", EventType: EventCreated, OccurredAt: "2026-01-02T15:04:05Z",
		Tenant: Tenant{
			ID: "acme", DisplayName: "Acme Corp", Tier: "standard",
			Quotas: Quotas{CPUMHz: 2000, MemoryMB: 4096, StorageMB: 10240, VMQuota: 10},
			SSO:    SSO{MFA: "otp"},
			Admins: []Admin{{Username: "alice", Email: "alice@acme.example", GivenName: "Alice", FamilyName: "Admin"}},
		},
	}
}

func oidc() *IdP {
	return &IdP{Type: "oidc", Issuer: "https://idp", AuthorizationURL: "https://idp/auth", TokenURL: "https://idp/token",
		ClientID: "c", ClientSecret: "s"}
}

func fields(errs Errors) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Field)
	}
	return out
}

func TestValidSpecs(t *testing.T) {
	ev := valid()
	if errs := Validate(ev, tiers); len(errs) != 0 {
		t.Fatalf("valid spec refused: %v", errs)
	}
	dr := valid()
	dr.Tenant.Tier = "premium-dr"
	dr.Tenant.DR = &DR{RPOSeconds: 300, JournalHours: 24, Priority: "High"}
	dr.Tenant.SSO.IdP = &IdP{Type: "oidc", Issuer: "https://idp.acme.example", AuthorizationURL: "https://idp.acme.example/auth", TokenURL: "https://idp.acme.example/token", ClientID: "c", ClientSecret: "s"}
	if errs := Validate(dr, tiers); len(errs) != 0 {
		t.Fatalf("valid premium-dr spec refused: %v", errs)
	}
	del := Event{EventID: "evt-2", EventType: EventDeleted, OccurredAt: "2026-01-02T15:04:05Z", Tenant: Tenant{ID: "acme"}}
	if errs := Validate(del, tiers); len(errs) != 0 {
		t.Fatalf("a deletion needs only the id: %v", errs)
	}
}

func TestEveryFieldIsChecked(t *testing.T) {
	cases := []struct {
		field  string
		mutate func(*Event)
	}{
		{"event_id", func(e *Event) { e.EventID = "" }},
		{"event_id", func(e *Event) { e.EventID = "has space" }},
		{"event_type", func(e *Event) { e.EventType = "customer.renamed" }},
		{"occurred_at", func(e *Event) { e.OccurredAt = "yesterday" }},
		{"tenant.id", func(e *Event) { e.Tenant.ID = "Acme" }},
		{"tenant.id", func(e *Event) { e.Tenant.ID = "a" }},
		{"tenant.id", func(e *Event) { e.Tenant.ID = "9acme" }},
		{"tenant.id", func(e *Event) { e.Tenant.ID = "a" + strings.Repeat("b", 39) }},
		{"tenant.display_name", func(e *Event) { e.Tenant.DisplayName = " " }},
		{"tenant.display_name", func(e *Event) { e.Tenant.DisplayName = "bell\a" }},
		{"tenant.tier", func(e *Event) { e.Tenant.Tier = "gold" }},
		{"tenant.tier", func(e *Event) { e.Tenant.Tier = "../standard" }},
		{"tenant.quotas.cpu_mhz", func(e *Event) { e.Tenant.Quotas.CPUMHz = 10 }},
		{"tenant.quotas.memory_mb", func(e *Event) { e.Tenant.Quotas.MemoryMB = 0 }},
		{"tenant.quotas.storage_mb", func(e *Event) { e.Tenant.Quotas.StorageMB = -1 }},
		{"tenant.quotas.vm_quota", func(e *Event) { e.Tenant.Quotas.VMQuota = 10001 }},
		{"tenant.sso.mfa", func(e *Event) { e.Tenant.SSO.MFA = "sms" }},
		{"tenant.sso.idp.type", func(e *Event) { e.Tenant.SSO.IdP = &IdP{Type: "ldap"} }},
		{"tenant.sso.idp.issuer", func(e *Event) { i := oidc(); i.Issuer = "http://idp"; e.Tenant.SSO.IdP = i }},
		{"tenant.sso.idp.authorization_url", func(e *Event) { i := oidc(); i.AuthorizationURL = ""; e.Tenant.SSO.IdP = i }},
		{"tenant.sso.idp.token_url", func(e *Event) { i := oidc(); i.TokenURL = "token"; e.Tenant.SSO.IdP = i }},
		{"tenant.sso.idp.client_id", func(e *Event) { i := oidc(); i.ClientID = ""; e.Tenant.SSO.IdP = i }},
		{"tenant.sso.idp.client_secret", func(e *Event) { i := oidc(); i.ClientSecret = ""; e.Tenant.SSO.IdP = i }},
		{"tenant.sso.idp.alias", func(e *Event) { i := oidc(); i.Alias = "Bad Alias"; e.Tenant.SSO.IdP = i }},
		{"tenant.sso.idp.sso_url", func(e *Event) { e.Tenant.SSO.IdP = &IdP{Type: "saml", EntityID: "x"} }},
		{"tenant.sso.idp.sso_url", func(e *Event) { e.Tenant.SSO.IdP = &IdP{Type: "saml", EntityID: "x", SSOURL: "ftp://idp/sso"} }},
		{"tenant.sso.idp.entity_id", func(e *Event) { e.Tenant.SSO.IdP = &IdP{Type: "saml", SSOURL: "https://idp/sso"} }},
		{"tenant.admins", func(e *Event) { e.Tenant.Admins = nil }},
		{"tenant.admins[0].username", func(e *Event) { e.Tenant.Admins[0].Username = "Alice Smith" }},
		{"tenant.admins[1].username", func(e *Event) { e.Tenant.Admins = append(e.Tenant.Admins, e.Tenant.Admins[0]) }},
		{"tenant.admins[0].email", func(e *Event) { e.Tenant.Admins[0].Email = "not-an-address" }},
		{"tenant.admins[0].email", func(e *Event) { e.Tenant.Admins[0].Email = "Alice <alice@acme.example>" }},
		{"tenant.admins[0].given_name", func(e *Event) { e.Tenant.Admins[0].GivenName = "" }},
		{"tenant.admins[0].family_name", func(e *Event) { e.Tenant.Admins[0].FamilyName = strings.Repeat("x", 65) }},
		{"tenant.dr", func(e *Event) { e.Tenant.Tier = "premium-dr" }},
		{"tenant.dr", func(e *Event) { e.Tenant.DR = &DR{RPOSeconds: 300, JournalHours: 24, Priority: "High"} }},
		{"tenant.dr.rpo_seconds", func(e *Event) {
			e.Tenant.Tier = "premium-dr"
			e.Tenant.DR = &DR{RPOSeconds: 5, JournalHours: 24, Priority: "High"}
		}},
		{"tenant.dr.journal_hours", func(e *Event) {
			e.Tenant.Tier = "premium-dr"
			e.Tenant.DR = &DR{RPOSeconds: 300, JournalHours: 0, Priority: "High"}
		}},
		{"tenant.dr.priority", func(e *Event) {
			e.Tenant.Tier = "premium-dr"
			e.Tenant.DR = &DR{RPOSeconds: 300, JournalHours: 24, Priority: "urgent"}
		}},
	}
	for _, c := range cases {
		ev := valid()
		c.mutate(&ev)
		errs := Validate(ev, tiers)
		if got := fields(errs); !slices.Equal(got, []string{c.field}) {
			t.Errorf("%s: got errors %v, want exactly one on %s", c.field, errs, c.field)
		}
	}
}

func TestAllErrorsListed(t *testing.T) {
	body := `{"event_id":"","event_type":"x","occurred_at":"","tenant":{"id":"A","display_name":"",
		"tier":"gold","quotas":{"cpu_mhz":0,"memory_mb":0,"storage_mb":0,"vm_quota":-1},"sso":{"mfa":""},
		"admins":[{"username":"","email":"","given_name":"","family_name":""}]}}`
	_, err := Parse([]byte(body), tiers)
	var errs Errors
	if e, ok := err.(Errors); ok {
		errs = e
	}
	want := []string{"event_id", "event_type", "occurred_at", "tenant.admins[0].email", "tenant.admins[0].family_name",
		"tenant.admins[0].given_name", "tenant.admins[0].username", "tenant.display_name", "tenant.id",
		"tenant.quotas.cpu_mhz", "tenant.quotas.memory_mb", "tenant.quotas.storage_mb", "tenant.quotas.vm_quota",
		"tenant.sso.mfa", "tenant.tier"}
	if got := fields(errs); !slices.Equal(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	b, _ := json.Marshal(errs)
	if !strings.Contains(string(b), `"field":"tenant.id"`) {
		t.Fatalf("errors do not serialise by field: %s", b)
	}
}

func TestParseRefusesUnknownFieldsAndWrongTypes(t *testing.T) {
	for _, body := range []string{
		`{"event_id":"e","surprise":1}`,
		`{"event_id":"e","tenant":{"quotas":{"cpu_mhz":"lots"}}}`,
		`{"event_id":"e"} {"again":1}`,
		`not json`,
	} {
		_, err := Parse([]byte(body), tiers)
		errs, ok := err.(Errors)
		if !ok || len(errs) != 1 || errs[0].Field != "body" {
			t.Errorf("%s: got %v, want one body error", body, err)
		}
	}
}

func TestRedactedHidesIdPSecret(t *testing.T) {
	tn := valid().Tenant
	tn.SSO.IdP = &IdP{Type: "oidc", ClientSecret: "hunter2-secret"}
	r := tn.Redacted()
	if r.SSO.IdP.ClientSecret == "hunter2-secret" || tn.SSO.IdP.ClientSecret != "hunter2-secret" {
		t.Fatal("Redacted must hide the secret in the copy only")
	}
}

// Strings PostgreSQL's jsonb refuses (Go's decoder would quietly turn them
// into U+FFFD) are answered by field, wherever they sit, keys included.
func TestInvalidUnicodeNamesTheField(t *testing.T) {
	base := `{"event_id":"evt-1","event_type":"customer.created","occurred_at":"2026-01-02T15:04:05Z","tenant":{"id":"acme",` +
		`"display_name":%s,"tier":"standard","quotas":{"cpu_mhz":2000,"memory_mb":4096,"storage_mb":10240,"vm_quota":1},` +
		`"sso":{"mfa":"otp"},"admins":[{"username":"alice","email":"alice@acme.example","given_name":"Alice","family_name":%s}]}}`
	doc := func(display, family string) []byte {
		return []byte(strings.Replace(strings.Replace(base, "%s", display, 1), "%s", family, 1))
	}
	cases := []struct {
		name  string
		body  []byte
		field string
		text  string
	}{
		{"lone high surrogate", doc(`"Acme \ud800"`, `"Admin"`), "tenant.display_name", `lone surrogate \ud800`},
		{"lone low surrogate", doc(`"Acme"`, `"\udc00x"`), "tenant.admins[0].family_name", `lone surrogate \udc00`},
		{"high surrogate then a non-surrogate", doc(`"\ud83d\u0041"`, `"Admin"`), "tenant.display_name", "lone surrogate"},
		{"reversed pair", doc(`"\ude00\ud83d"`, `"Admin"`), "tenant.display_name", "lone surrogate"},
		{"NUL escape", doc(`"Acme\u0000"`, `"Admin"`), "tenant.display_name", `\u0000`},
		{"invalid UTF-8", doc("\"Acme \xff\xfe\"", `"Admin"`), "tenant.display_name", "not UTF-8"},
		{"truncated UTF-8", doc("\"Acme \xc3\"", `"Admin"`), "tenant.display_name", "not UTF-8"},
		{"surrogate in an IdP secret", []byte(strings.Replace(string(doc(`"Acme"`, `"Admin"`)), `"mfa":"otp"`,
			`"mfa":"otp","idp":{"type":"oidc","issuer":"https://i","authorization_url":"https://i/a","token_url":"https://i/t","client_id":"c","client_secret":"s\udbff"}`, 1)),
			"tenant.sso.idp.client_secret", "lone surrogate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.body, tiers)
			errs, ok := err.(Errors)
			if !ok {
				t.Fatalf("got %v, want field errors", err)
			}
			var hit bool
			for _, fe := range errs {
				if fe.Field == c.field && strings.Contains(fe.Message, c.text) {
					hit = true
				}
			}
			if !hit {
				t.Fatalf("errors %v do not name %s with %q", errs, c.field, c.text)
			}
		})
	}
	// A proper pair, escaped or not, and an escaped backslash before "u"
	// are fine.
	for _, ok := range []string{`"Acme \ud83d\ude00"`, `"Acme 😀"`, `"back\\u0000slash"`, `"caf\u00e9"`} {
		if _, err := Parse(doc(ok, `"Admin"`), tiers); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
}

// Limits count characters: 256 "é" (512 bytes) fit a display name, 257
// do not; a newline or tab in a name is a control character.
func TestLimitsCountCharactersAndControlsAreRefused(t *testing.T) {
	ev := valid()
	ev.Tenant.DisplayName = strings.Repeat("é", 256)
	ev.Tenant.Admins[0].GivenName = strings.Repeat("ß", 64)
	if errs := Validate(ev, tiers); len(errs) != 0 {
		t.Fatalf("256 two-byte characters refused: %v", errs)
	}
	ev.Tenant.DisplayName = strings.Repeat("é", 257)
	if errs := Validate(ev, tiers); !slices.Equal(fields(errs), []string{"tenant.display_name"}) ||
		!strings.Contains(errs[0].Message, "at most 256 characters (got 257)") {
		t.Fatalf("257 characters: %v", errs)
	}
	for field, mutate := range map[string]func(*Event){
		"tenant.display_name":          func(e *Event) { e.Tenant.DisplayName = "Acme\nInjected: yes" },
		"tenant.admins[0].given_name":  func(e *Event) { e.Tenant.Admins[0].GivenName = "Al\tice" },
		"tenant.admins[0].family_name": func(e *Event) { e.Tenant.Admins[0].FamilyName = "Admin\r" },
		"tenant.sso.idp.entity_id": func(e *Event) {
			e.Tenant.SSO.IdP = &IdP{Type: "saml", SSOURL: "https://idp/sso", EntityID: "urn:x\u0085"}
		},
	} {
		ev := valid()
		mutate(&ev)
		errs := Validate(ev, tiers)
		if !slices.Equal(fields(errs), []string{field}) || !strings.Contains(errs[0].Message, "control characters") {
			t.Errorf("%s: got %v, want a control character error", field, errs)
		}
	}
}

// A deletion carries the tenant id only: a tier (hostile or not) or any
// other tenant field is refused by name.
func TestDeletionCarriesOnlyTheTenantID(t *testing.T) {
	body := `{"event_id":"evt-9","event_type":"customer.deleted","occurred_at":"2026-01-02T15:04:05Z",
		"tenant":{"id":"acme","tier":"../../../tmp","display_name":"x","quotas":{"cpu_mhz":1},"sso":{"mfa":"otp"},
		"admins":[{"username":"a"}],"dr":{"priority":"High"}}}`
	_, err := Parse([]byte(body), tiers)
	errs, _ := err.(Errors)
	want := []string{"tenant.admins", "tenant.display_name", "tenant.dr", "tenant.quotas", "tenant.sso", "tenant.tier"}
	if !slices.Equal(fields(errs), want) {
		t.Fatalf("got %v, want %v", errs, want)
	}
	for _, e := range errs {
		if !strings.Contains(e.Message, "carries only tenant.id") {
			t.Errorf("%s: %q", e.Field, e.Message)
		}
	}
	// A valid tier is refused as well: the deletion does not choose one.
	ev, err := Parse([]byte(`{"event_id":"evt-9","event_type":"customer.deleted","occurred_at":"2026-01-02T15:04:05Z","tenant":{"id":"acme","tier":"standard"}}`), tiers)
	if errs, _ := err.(Errors); !slices.Equal(fields(errs), []string{"tenant.tier"}) {
		t.Fatalf("a deletion naming a valid tier: %v", err)
	}
	if ev.Tenant.ID != "acme" {
		t.Fatalf("the event is returned for logging: %+v", ev)
	}
	if _, err := Parse([]byte(`{"event_id":"evt-9","event_type":"customer.deleted","occurred_at":"2026-01-02T15:04:05Z","tenant":{"id":"acme"}}`), tiers); err != nil {
		t.Fatalf("a plain deletion: %v", err)
	}
}

// A suspension or reactivation carries the tenant id alone, like a
// deletion; tenant.suspended is the trigger's, refused from the CRM.
func TestSuspensionCarriesOnlyTheTenantID(t *testing.T) {
	for _, typ := range []string{EventSuspended, EventReactivated} {
		head := `{"event_id":"evt-s","event_type":"` + typ + `","occurred_at":"2026-01-02T15:04:05Z","tenant":`
		if _, err := Parse([]byte(head+`{"id":"acme"}}`), tiers); err != nil {
			t.Errorf("%s with the id alone: %v", typ, err)
		}
		_, err := Parse([]byte(head+`{"id":"acme","tier":"standard","suspended":true}}`), tiers)
		errs, _ := err.(Errors)
		if !slices.Equal(fields(errs), []string{"tenant.suspended", "tenant.tier"}) || !strings.Contains(errs[0].Message, "a "+typ+" event") {
			t.Errorf("%s with more than the id: %v", typ, err)
		}
	}
	ev := valid()
	ev.Tenant.Suspended = true
	if errs := Validate(ev, tiers); !slices.Equal(fields(errs), []string{"tenant.suspended"}) {
		t.Errorf("an update that suspends: %v", errs)
	}
}
