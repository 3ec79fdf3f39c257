// Package spec defines the CRM webhook payload the trigger accepts and
// validates it, listing every problem by field.
//
// The payload (JSON):
//
//	field                          type     rule
//	event_id                       string   required, 1-128 chars of [A-Za-z0-9._:-]; idempotency key
//	event_type                     string   customer.created | customer.updated | customer.deleted |
//	                                        customer.suspended | customer.reactivated
//	occurred_at                    string   required, RFC 3339 time
//	tenant.id                      string   ^[a-z][a-z0-9-]{1,38}$
//	tenant.display_name            string   required, 1-256 characters, no control characters
//	tenant.tier                    string   a directory under templates/tenants (e.g. standard, premium-dr)
//	tenant.quotas.cpu_mhz          integer  1000..10000000
//	tenant.quotas.memory_mb        integer  1024..100000000
//	tenant.quotas.storage_mb       integer  1024..1000000000
//	tenant.quotas.vm_quota         integer  0..10000 (0 = unlimited)
//	tenant.sso.mfa                 string   otp | webauthn | optional
//	tenant.sso.idp                 object   optional customer IdP brokered into the realm
//	tenant.sso.idp.type            string   oidc | saml
//	tenant.sso.idp.alias           string   optional, ^[a-z][a-z0-9-]{0,31}$ (default "customer")
//	tenant.sso.idp.issuer          string   oidc: https URL, the tokens' iss
//	tenant.sso.idp.authorization_url string oidc: https URL
//	tenant.sso.idp.token_url       string   oidc: https URL
//	tenant.sso.idp.client_id       string   oidc: required
//	tenant.sso.idp.client_secret   string   oidc: required (kept out of logs and API answers)
//	tenant.sso.idp.sso_url         string   saml: https single-sign-on URL
//	tenant.sso.idp.entity_id       string   saml: the IdP's entity id
//	tenant.admins[]                array    1..50 admins
//	tenant.admins[].username       string   ^[a-z][a-z0-9._-]{0,63}$, unique
//	tenant.admins[].email          string   an e-mail address
//	tenant.admins[].given_name     string   required, 1-64 characters, no control characters
//	tenant.admins[].family_name    string   required, 1-64 characters, no control characters
//	tenant.dr                      object   required when the tier is premium-dr, refused otherwise
//	tenant.dr.rpo_seconds          integer  60..86400
//	tenant.dr.journal_hours        integer  1..720
//	tenant.dr.priority             string   Low | Medium | High
//
// A customer.deleted, customer.suspended or customer.reactivated event
// carries event_id, event_type, occurred_at and tenant.id only: any other
// tenant field holding a value is refused, so such an event can never change
// what the trigger renders beyond what it is for. A suspension makes a new
// spec revision of the tenant's latest one with tenant.suspended set; a
// reactivation clears it. The CRM never sends tenant.suspended itself.
//
// Lengths count characters (Unicode code points), not bytes. Every string
// of the document, field names included, must be valid Unicode that
// PostgreSQL's jsonb can store: no invalid UTF-8, no lone UTF-16 surrogate
// escape (\ud800) and no \u0000 escape; such a string is refused with the
// path of the field that holds it.
package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Event types.
const (
	EventCreated = "customer.created"
	EventUpdated = "customer.updated"
	EventDeleted = "customer.deleted"
	// EventSuspended disables the tenant without losing anything, and
	// EventReactivated restores it (see Tenant.Suspended).
	EventSuspended   = "customer.suspended"
	EventReactivated = "customer.reactivated"
)

// IDOnly reports whether events of this type carry the tenant id alone.
func IDOnly(eventType string) bool {
	return eventType == EventDeleted || eventType == EventSuspended || eventType == EventReactivated
}

// Event is one CRM webhook.
type Event struct {
	EventID    string `json:"event_id"`
	EventType  string `json:"event_type"`
	OccurredAt string `json:"occurred_at"`
	Tenant     Tenant `json:"tenant"`
}

// Tenant is the desired state of one customer tenant.
type Tenant struct {
	ID          string  `json:"id"`
	DisplayName string  `json:"display_name,omitempty"`
	Tier        string  `json:"tier,omitempty"`
	Quotas      Quotas  `json:"quotas"`
	SSO         SSO     `json:"sso"`
	Admins      []Admin `json:"admins,omitempty"`
	DR          *DR     `json:"dr,omitempty"`
	// Suspended is set by the trigger on the spec revisions a
	// customer.suspended event starts (and the updates that follow it,
	// until a customer.reactivated): the tiers then disable the tenant's
	// sign-in and use, and keep everything.
	Suspended bool `json:"suspended,omitempty"`
}

// Quotas size the tenant's VDC.
type Quotas struct {
	CPUMHz    int64 `json:"cpu_mhz"`
	MemoryMB  int64 `json:"memory_mb"`
	StorageMB int64 `json:"storage_mb"`
	VMQuota   int64 `json:"vm_quota"`
}

// SSO configures the tenant's realm.
type SSO struct {
	MFA string `json:"mfa"`
	IdP *IdP   `json:"idp,omitempty"`
}

// IdP is the customer's own identity provider.
type IdP struct {
	Type             string `json:"type"`
	Alias            string `json:"alias,omitempty"`
	Issuer           string `json:"issuer,omitempty"`
	AuthorizationURL string `json:"authorization_url,omitempty"`
	TokenURL         string `json:"token_url,omitempty"`
	ClientID         string `json:"client_id,omitempty"`
	ClientSecret     string `json:"client_secret,omitempty"`
	SSOURL           string `json:"sso_url,omitempty"`
	EntityID         string `json:"entity_id,omitempty"`
}

// Admin is a tenant administrator.
type Admin struct {
	Username   string `json:"username"`
	Email      string `json:"email"`
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
}

// DR configures disaster-recovery replication.
type DR struct {
	RPOSeconds   int64  `json:"rpo_seconds"`
	JournalHours int64  `json:"journal_hours"`
	Priority     string `json:"priority"`
}

// FieldError is one validation problem.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Errors is every problem found; it is an error when non-empty.
type Errors []FieldError

func (e Errors) Error() string {
	parts := make([]string, len(e))
	for i, f := range e {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid spec: " + strings.Join(parts, "; ")
}

var (
	tenantIDRe = regexp.MustCompile(`^[a-z][a-z0-9-]{1,38}$`)
	eventIDRe  = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)
	usernameRe = regexp.MustCompile(`^[a-z][a-z0-9._-]{0,63}$`)
	aliasRe    = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
)

// Parse decodes body strictly (unknown fields are errors) and validates it
// against the tiers that exist. The event is returned even when invalid so
// callers can log its id.
func Parse(body []byte, tiers []string) (Event, error) {
	var ev Event
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		return ev, Errors{{Field: "body", Message: "not a valid spec document: " + jsonMsg(err)}}
	}
	if dec.More() {
		return ev, Errors{{Field: "body", Message: "trailing data after the JSON document"}}
	}
	errs := append(unicodeErrors(body), Validate(ev, tiers)...)
	if len(errs) > 0 {
		sortErrs(errs)
		return ev, errs
	}
	return ev, nil
}

func jsonMsg(err error) string {
	var te *json.UnmarshalTypeError
	if ok := asType(err, &te); ok {
		return fmt.Sprintf("field %q must be %s", te.Field, te.Type.String())
	}
	return err.Error()
}

func asType(err error, te **json.UnmarshalTypeError) bool {
	t, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*te = t
	}
	return ok
}

// Validate returns every problem of ev, sorted by field.
func Validate(ev Event, tiers []string) Errors {
	var errs Errors
	add := func(field, format string, a ...any) {
		errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf(format, a...)})
	}
	if !eventIDRe.MatchString(ev.EventID) {
		add("event_id", "required: 1-128 characters of letters, digits, '.', '_', ':' or '-'")
	}
	switch ev.EventType {
	case EventCreated, EventUpdated, EventDeleted, EventSuspended, EventReactivated:
	default:
		add("event_type", "must be one of customer.created, customer.updated, customer.deleted, customer.suspended, customer.reactivated (got %q)", ev.EventType)
	}
	if _, err := time.Parse(time.RFC3339, ev.OccurredAt); err != nil {
		add("occurred_at", "required: an RFC 3339 time such as 2026-01-02T15:04:05Z")
	}
	t := ev.Tenant
	if !tenantIDRe.MatchString(t.ID) {
		add("tenant.id", "must match ^[a-z][a-z0-9-]{1,38}$ (got %q)", t.ID)
	}
	if IDOnly(ev.EventType) {
		onlyID(add, ev.EventType, t)
		sortErrs(errs)
		return errs
	}
	if t.Suspended {
		add("tenant.suspended", "is the trigger's to set: send customer.suspended or customer.reactivated")
	}
	text(add, "tenant.display_name", t.DisplayName, 256)
	if !contains(tiers, t.Tier) {
		add("tenant.tier", "must be one of %s (got %q)", strings.Join(tiers, ", "), t.Tier)
	}
	rng(add, "tenant.quotas.cpu_mhz", t.Quotas.CPUMHz, 1000, 10_000_000)
	rng(add, "tenant.quotas.memory_mb", t.Quotas.MemoryMB, 1024, 100_000_000)
	rng(add, "tenant.quotas.storage_mb", t.Quotas.StorageMB, 1024, 1_000_000_000)
	rng(add, "tenant.quotas.vm_quota", t.Quotas.VMQuota, 0, 10_000)
	switch t.SSO.MFA {
	case "otp", "webauthn", "optional":
	default:
		add("tenant.sso.mfa", "must be otp, webauthn or optional (got %q)", t.SSO.MFA)
	}
	if idp := t.SSO.IdP; idp != nil {
		if idp.Alias != "" && !aliasRe.MatchString(idp.Alias) {
			add("tenant.sso.idp.alias", "must match ^[a-z][a-z0-9-]{0,31}$")
		}
		switch idp.Type {
		case "oidc":
			httpsURL(add, "tenant.sso.idp.issuer", idp.Issuer, true)
			httpsURL(add, "tenant.sso.idp.authorization_url", idp.AuthorizationURL, true)
			httpsURL(add, "tenant.sso.idp.token_url", idp.TokenURL, true)
			text(add, "tenant.sso.idp.client_id", idp.ClientID, 255)
			if idp.ClientSecret == "" {
				add("tenant.sso.idp.client_secret", "required for an oidc IdP")
			}
		case "saml":
			httpsURL(add, "tenant.sso.idp.sso_url", idp.SSOURL, true)
			text(add, "tenant.sso.idp.entity_id", idp.EntityID, 1024)
		default:
			add("tenant.sso.idp.type", "must be oidc or saml (got %q)", idp.Type)
		}
	}
	if len(t.Admins) == 0 || len(t.Admins) > 50 {
		add("tenant.admins", "between 1 and 50 admins are required (got %d)", len(t.Admins))
	}
	seen := map[string]bool{}
	for i, a := range t.Admins {
		p := fmt.Sprintf("tenant.admins[%d]", i)
		if !usernameRe.MatchString(a.Username) {
			add(p+".username", "must match ^[a-z][a-z0-9._-]{0,63}$ (got %q)", a.Username)
		} else if seen[a.Username] {
			add(p+".username", "duplicate username %q", a.Username)
		}
		seen[a.Username] = true
		if addr, err := mail.ParseAddress(a.Email); err != nil || addr.Address != a.Email || addr.Name != "" {
			add(p+".email", "must be a plain e-mail address (got %q)", a.Email)
		}
		text(add, p+".given_name", a.GivenName, 64)
		text(add, p+".family_name", a.FamilyName, 64)
	}
	wantDR := strings.HasSuffix(t.Tier, "-dr")
	switch {
	case t.DR == nil && wantDR:
		add("tenant.dr", "required for tier %q", t.Tier)
	case t.DR != nil && !wantDR && contains(tiers, t.Tier):
		add("tenant.dr", "tier %q has no disaster recovery; remove dr or choose a -dr tier", t.Tier)
	case t.DR != nil:
		rng(add, "tenant.dr.rpo_seconds", t.DR.RPOSeconds, 60, 86400)
		rng(add, "tenant.dr.journal_hours", t.DR.JournalHours, 1, 720)
		switch t.DR.Priority {
		case "Low", "Medium", "High":
		default:
			add("tenant.dr.priority", "must be Low, Medium or High (got %q)", t.DR.Priority)
		}
	}
	sortErrs(errs)
	return errs
}

func sortErrs(errs Errors) {
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Field < errs[j].Field })
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

type adder func(field, format string, a ...any)

// text checks a free-text field: present, at most max characters (code
// points, so "é" counts one), and free of control characters: a newline or
// tab in a name is a mistake or an attempt to forge log lines.
func text(add adder, field, v string, max int) {
	if strings.TrimSpace(v) == "" {
		add(field, "required")
		return
	}
	if n := utf8.RuneCountInString(v); n > max {
		add(field, "at most %d characters (got %d)", max, n)
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			add(field, "must not contain control characters (found U+%04X)", r)
			return
		}
	}
}

// onlyID refuses every tenant field but the id in a deletion, suspension or
// reactivation: the offboarding destroys what the tenant's last good
// revision built, a suspension changes nothing but the suspension, and
// such an event that named a tier or quotas would only invite a mismatch.
func onlyID(add adder, eventType string, t Tenant) {
	msg := "not allowed in a " + eventType + " event, which carries only tenant.id"
	present := map[string]bool{
		"tenant.suspended":    t.Suspended,
		"tenant.display_name": t.DisplayName != "",
		"tenant.tier":         t.Tier != "",
		"tenant.quotas":       t.Quotas != (Quotas{}),
		"tenant.sso":          t.SSO.MFA != "" || t.SSO.IdP != nil,
		"tenant.admins":       len(t.Admins) > 0,
		"tenant.dr":           t.DR != nil,
	}
	for field, ok := range present {
		if ok {
			add(field, msg)
		}
	}
}

func rng(add adder, field string, v, lo, hi int64) {
	if v < lo || v > hi {
		add(field, "must be between %d and %d (got %d)", lo, hi, v)
	}
}

func httpsURL(add adder, field, v string, required bool) {
	if v == "" {
		if required {
			add(field, "required")
		}
		return
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		add(field, "must be an https URL")
	}
}

// Redacted returns a copy safe to log or show: secrets replaced.
func (t Tenant) Redacted() Tenant {
	if t.SSO.IdP != nil && t.SSO.IdP.ClientSecret != "" {
		idp := *t.SSO.IdP
		idp.ClientSecret = "(sensitive)"
		t.SSO.IdP = &idp
	}
	return t
}
