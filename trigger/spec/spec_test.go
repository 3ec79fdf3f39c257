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
