package intake

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/signature"
	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/spec"
	"github.com/tenantops/tenantops/trigger/workspace"
)

// FuzzWebhook drives the webhook handler (no database) with arbitrary
// bodies and signature headers. A request the handler cannot accept must be
// refused before anything is recorded, with the right status and a JSON
// answer naming the problem: 401 for a bad signature, 413 above the body
// limit, 400 for a signed body that is not a valid spec. Signed valid specs
// would reach the database and are not sent.
func FuzzWebhook(f *testing.F) {
	f.Add(body, "", true)
	f.Add(body, "t=1,v1=00", false)
	f.Add([]byte(`{"event_id":"e1","event_type":"customer.created","occurred_at":"2026-03-01T12:00:00Z","tenant":{"id":"../../etc","tier":"../standard"}}`), "", true)
	f.Add([]byte(`{"tenant":{"id":"\u0430cme"}}`), "", true)
	f.Add(bytes.Repeat([]byte("["), 20000), "", true)
	f.Add([]byte(`{}`), "t=9999999999,v1=zz,v1=", false)
	f.Add([]byte(`{}`), strings.Repeat("t=1,", 2000), false)
	f.Fuzz(func(t *testing.T, b []byte, header string, sign bool) {
		h := handler()
		h.MaxBody = 64 << 10
		if sign {
			header = signature.Sign(secret, b, now)
			if int64(len(b)) <= h.MaxBody {
				if _, err := spec.Parse(b, []string{"standard", "premium-dr"}); err == nil {
					return // valid: would be recorded
				}
			}
		} else if signature.Verify(header, b, now, signature.DefaultTolerance, h.Secrets...) == nil {
			return
		}
		rec, r := send(h, b, header)
		want := http.StatusBadRequest
		switch {
		case int64(len(b)) > h.MaxBody:
			want = http.StatusRequestEntityTooLarge
		case !sign:
			want = http.StatusUnauthorized
		}
		if rec.Code != want {
			t.Fatalf("status %d, want %d: %s", rec.Code, want, rec.Body.Bytes())
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Fatalf("content type %q", ct)
		}
		if r.Error == "" {
			t.Fatalf("answer without an error: %s", rec.Body.Bytes())
		}
		if want == http.StatusBadRequest && len(r.Errors) == 0 {
			t.Fatalf("400 without field errors: %s", rec.Body.Bytes())
		}
		if r.RunID != 0 {
			t.Fatalf("a refused webhook got a run id: %s", rec.Body.Bytes())
		}
	})
}

// hostileEvent is a well-formed created event for tenant "acme" that mutate
// spoils.
func hostileEvent(mutate func(ev map[string]any, tn map[string]any)) []byte {
	tn := map[string]any{
		"id": "acme", "display_name": "Acme", "tier": "standard",
		"quotas": map[string]any{"cpu_mhz": 2000, "memory_mb": 4096, "storage_mb": 10240, "vm_quota": 10},
		"sso":    map[string]any{"mfa": "otp"},
		"admins": []any{map[string]any{"username": "alice", "email": "alice@acme.example", "given_name": "Alice", "family_name": "Admin"}},
	}
	ev := map[string]any{"event_id": "evt-1", "event_type": "customer.created", "occurred_at": "2026-03-01T12:00:00Z", "tenant": tn}
	if mutate != nil {
		mutate(ev, tn)
	}
	b, _ := json.Marshal(ev)
	return b
}

// deletion is a customer.deleted event for acme with extra tenant fields.
func deletion(extra string) []byte {
	return []byte(`{"event_id":"evt-del","event_type":"customer.deleted","occurred_at":"2026-03-01T12:00:00Z","tenant":{"id":"acme"` + extra + `}}`)
}

// rawDisplayName is a valid event whose display name is the raw JSON
// string s (escapes as written, bytes as given).
func rawDisplayName(s string) []byte {
	return []byte(strings.Replace(string(hostileEvent(nil)), `"display_name":"Acme"`, `"display_name":`+s, 1))
}

func setTenant(k string, v any) func(map[string]any, map[string]any) {
	return func(_ map[string]any, tn map[string]any) { tn[k] = v }
}

// TestHostileSpecsRefused sends specs built to hurt (oversized, deeply
// nested, confusable or path-like identifiers, injection strings in the
// fields that become names) through the signed webhook: each is refused
// with a clear 4xx naming the offending field, before anything is stored.
func TestHostileSpecsRefused(t *testing.T) {
	deep := []byte(`{"event_id":"e1","tenant":{"display_name":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}}`)
	cases := []struct {
		name   string
		body   []byte
		status int
		field  string
		text   string
	}{
		{"oversized body", append(hostileEvent(nil)[:1], append(bytes.Repeat([]byte(" "), DefaultMaxBody), hostileEvent(nil)[1:]...)...), http.StatusRequestEntityTooLarge, "", "larger than the limit"},
		{"deep JSON", deep, http.StatusBadRequest, "body", "not a valid spec document"},
		{"trailing second document", append(hostileEvent(nil), []byte(`{"event_id":"e2"}`)...), http.StatusBadRequest, "body", "trailing data"},
		{"unknown field", hostileEvent(setTenant("template", "../../etc")), http.StatusBadRequest, "body", "unknown field"},
		{"wrong type", hostileEvent(setTenant("quotas", "lots")), http.StatusBadRequest, "body", "must be"},
		{"number overflow", []byte(strings.Replace(string(hostileEvent(nil)), `"cpu_mhz":2000`, `"cpu_mhz":1e400`, 1)), http.StatusBadRequest, "body", ""},
		{"cyrillic a in tenant id", hostileEvent(setTenant("id", "\u0430cme")), http.StatusBadRequest, "tenant.id", ""},
		{"fullwidth tenant id", hostileEvent(setTenant("id", "\uff41cme")), http.StatusBadRequest, "tenant.id", ""},
		{"zero-width joiner in tenant id", hostileEvent(setTenant("id", "ac\u200dme")), http.StatusBadRequest, "tenant.id", ""},
		{"upper-case tenant id", hostileEvent(setTenant("id", "ACME")), http.StatusBadRequest, "tenant.id", ""},
		{"NUL in tenant id", hostileEvent(setTenant("id", "acme\x00")), http.StatusBadRequest, "tenant.id", ""},
		{"path traversal in tenant id", hostileEvent(setTenant("id", "../../etc/passwd")), http.StatusBadRequest, "tenant.id", ""},
		{"slash in tenant id", hostileEvent(setTenant("id", "acme/evil")), http.StatusBadRequest, "tenant.id", ""},
		{"encoded traversal in tenant id", hostileEvent(setTenant("id", "a..%2f..%2fetc")), http.StatusBadRequest, "tenant.id", ""},
		{"path traversal in tier", hostileEvent(setTenant("tier", "../standard")), http.StatusBadRequest, "tenant.tier", ""},
		{"absolute tier", hostileEvent(setTenant("tier", "/etc")), http.StatusBadRequest, "tenant.tier", ""},
		{"hidden tier", hostileEvent(setTenant("tier", ".git")), http.StatusBadRequest, "tenant.tier", ""},
		{"tier with NUL", hostileEvent(setTenant("tier", "standard\x00")), http.StatusBadRequest, "tenant.tier", ""},
		{"template injection in tier", hostileEvent(setTenant("tier", "${path.module}")), http.StatusBadRequest, "tenant.tier", ""},
		{"template injection in tenant id", hostileEvent(setTenant("id", "a${file(\"/etc/passwd\")}")), http.StatusBadRequest, "tenant.id", ""},
		{"HCL break-out in username", hostileEvent(setTenant("admins", []any{map[string]any{"username": "a\"\n}\nresource \"x\" \"y\" {", "email": "a@b.example", "given_name": "A", "family_name": "B"}})), http.StatusBadRequest, "tenant.admins[0].username", ""},
		{"traversal in username", hostileEvent(setTenant("admins", []any{map[string]any{"username": "../root", "email": "a@b.example", "given_name": "A", "family_name": "B"}})), http.StatusBadRequest, "tenant.admins[0].username", ""},
		{"display name with a name in the e-mail", hostileEvent(setTenant("admins", []any{map[string]any{"username": "a", "email": "Eve <eve@evil.example>", "given_name": "A", "family_name": "B"}})), http.StatusBadRequest, "tenant.admins[0].email", ""},
		{"control characters in display name", hostileEvent(setTenant("display_name", "Acme\x1b[31m")), http.StatusBadRequest, "tenant.display_name", "control characters"},
		{"oversized display name", hostileEvent(setTenant("display_name", strings.Repeat("A", 257))), http.StatusBadRequest, "tenant.display_name", "at most"},
		{"traversal in idp alias", hostileEvent(setTenant("sso", map[string]any{"mfa": "otp", "idp": map[string]any{"type": "saml", "alias": "../master", "sso_url": "https://idp.example/sso", "entity_id": "urn:x"}})), http.StatusBadRequest, "tenant.sso.idp.alias", ""},
		{"javascript idp url", hostileEvent(setTenant("sso", map[string]any{"mfa": "otp", "idp": map[string]any{"type": "saml", "sso_url": "javascript:alert(1)", "entity_id": "urn:x"}})), http.StatusBadRequest, "tenant.sso.idp.sso_url", ""},
		{"file idp url", hostileEvent(setTenant("sso", map[string]any{"mfa": "otp", "idp": map[string]any{"type": "oidc", "issuer": "file:///etc/passwd", "authorization_url": "https://i/a", "token_url": "https://i/t", "client_id": "c", "client_secret": "s"}})), http.StatusBadRequest, "tenant.sso.idp.issuer", ""},
		{"negative quota", hostileEvent(setTenant("quotas", map[string]any{"cpu_mhz": -1, "memory_mb": 4096, "storage_mb": 10240, "vm_quota": 10})), http.StatusBadRequest, "tenant.quotas.cpu_mhz", ""},
		{"too many admins", hostileEvent(func(_, tn map[string]any) {
			var admins []any
			for i := 0; i < 51; i++ {
				admins = append(admins, map[string]any{"username": "a" + strings.Repeat("x", i), "email": "a@b.example", "given_name": "A", "family_name": "B"})
			}
			tn["admins"] = admins
		}), http.StatusBadRequest, "tenant.admins", "between 1 and 50"},
		{"SQL in event id", hostileEvent(func(ev, _ map[string]any) { ev["event_id"] = "e1'; DROP TABLE runs; --" }), http.StatusBadRequest, "event_id", ""},
		{"oversized event id", hostileEvent(func(ev, _ map[string]any) { ev["event_id"] = strings.Repeat("e", 129) }), http.StatusBadRequest, "event_id", ""},
		{"unknown event type", hostileEvent(func(ev, _ map[string]any) { ev["event_type"] = "customer.pwned" }), http.StatusBadRequest, "event_type", ""},
		{"deletion with a traversal tier", deletion(`,"tier":"../../../tmp"`), http.StatusBadRequest, "tenant.tier", "carries only tenant.id"},
		{"deletion with a valid tier", deletion(`,"tier":"premium-dr"`), http.StatusBadRequest, "tenant.tier", "carries only tenant.id"},
		{"deletion with quotas", deletion(`,"quotas":{"cpu_mhz":1000000}`), http.StatusBadRequest, "tenant.quotas", "carries only tenant.id"},
		{"lone surrogate in display name", rawDisplayName(`"Acme \ud800"`), http.StatusBadRequest, "tenant.display_name", `lone surrogate \ud800`},
		{"lone low surrogate in given name", []byte(strings.Replace(string(hostileEvent(nil)), `"given_name":"Alice"`, `"given_name":"\udfff"`, 1)), http.StatusBadRequest, "tenant.admins[0].given_name", "lone surrogate"},
		{"NUL escape in display name", rawDisplayName(`"Acme\u0000"`), http.StatusBadRequest, "tenant.display_name", `\u0000`},
		{"invalid UTF-8 in display name", rawDisplayName("\"Acme \xc0\xaf\""), http.StatusBadRequest, "tenant.display_name", "not UTF-8"},
		{"newline in display name", hostileEvent(setTenant("display_name", "Acme\ncustomer.deleted acme")), http.StatusBadRequest, "tenant.display_name", "control characters"},
		{"tab in family name", hostileEvent(setTenant("admins", []any{map[string]any{"username": "a", "email": "a@b.example", "given_name": "A", "family_name": "B\tC"}})), http.StatusBadRequest, "tenant.admins[0].family_name", "control characters"},
		{"257 characters of é", hostileEvent(setTenant("display_name", strings.Repeat("é", 257))), http.StatusBadRequest, "tenant.display_name", "at most 256 characters (got 257)"},
		{"occurred_at far in the future", hostileEvent(func(ev, _ map[string]any) { ev["occurred_at"] = "9999-12-31T23:59:59Z" }), http.StatusBadRequest, "occurred_at", "future"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec, r := send(handler(), c.body, signature.Sign(secret, c.body, now))
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.status, trim(rec.Body.Bytes()))
			}
			if r.RunID != 0 {
				t.Fatalf("hostile spec got a run: %s", trim(rec.Body.Bytes()))
			}
			all := r.Error
			var fields []string
			for _, fe := range r.Errors {
				fields = append(fields, fe.Field)
				all += " " + fe.Message
			}
			if c.field != "" && !slices.Contains(fields, c.field) {
				t.Fatalf("errors %+v do not name %s", r.Errors, c.field)
			}
			if c.text != "" && !strings.Contains(all, c.text) {
				t.Fatalf("answer %q does not say %q", all, c.text)
			}
		})
	}
}

// TestInjectionStringsRenderInert: strings that would be code in HCL or a
// Go template are legal in free-text fields (a customer may be called
// that), so they pass validation; they must then reach Terraform only as
// data: the rendered module files are byte-for-byte the tier's templates
// and the tfvars JSON gives back exactly the string that came in.
func TestInjectionStringsRenderInert(t *testing.T) {
	templates := filepath.Join(testenv.RepoRoot(), "templates", "tenants")
	tiers, err := workspace.Tiers(templates)
	if err != nil {
		t.Fatal(err)
	}
	for _, hostile := range []string{
		`${file("/etc/passwd")}`,
		`%{ for k, v in var.platform }${v}%{ endfor }`,
		`{{ .Secrets }}{{ printf "%s" . }}`,
		"\" } resource \"null_resource\" \"x\" { provisioner \"local-exec\" { command = \"id\" } } #",
		`$(id)` + "`id`",
		`'; DROP TABLE runs; --`,
		"\u202eevil\u202c Acme",
	} {
		b := hostileEvent(func(_, tn map[string]any) {
			tn["display_name"] = hostile
			tn["admins"] = []any{map[string]any{"username": "alice", "email": "alice@acme.example", "given_name": hostile[:min(len(hostile), 64)], "family_name": "Admin"}}
		})
		ev, err := spec.Parse(b, tiers)
		if err != nil {
			t.Fatalf("%q: free text refused: %v", hostile, err)
		}
		dir := t.TempDir()
		if _, err := workspace.Render(workspace.Options{TemplatesDir: templates, Dir: dir, Tenant: ev.Tenant}); err != nil {
			t.Fatalf("%q: render: %v", hostile, err)
		}
		tfs, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
		if len(tfs) == 0 {
			t.Fatal("nothing rendered")
		}
		for _, p := range tfs {
			got, _ := os.ReadFile(p)
			want, err := os.ReadFile(filepath.Join(templates, ev.Tenant.Tier, filepath.Base(p)))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%q changed module file %s", hostile, filepath.Base(p))
			}
		}
		raw, err := os.ReadFile(filepath.Join(dir, workspace.TenantVarsFile))
		if err != nil {
			t.Fatal(err)
		}
		var vars struct {
			DisplayName string `json:"display_name"`
		}
		if err := json.Unmarshal(raw, &vars); err != nil {
			t.Fatalf("tfvars not JSON: %v", err)
		}
		if vars.DisplayName != hostile {
			t.Fatalf("display_name rendered as %q, want the literal %q", vars.DisplayName, hostile)
		}
	}
}

func trim(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}
