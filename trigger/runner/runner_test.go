package runner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantops/tenantops/trigger/store"
)

func TestSummarizeOrdersDestroysFirstAndHidesValues(t *testing.T) {
	p := &tfjson.Plan{ResourceChanges: []*tfjson.ResourceChange{
		{Address: "tenantops_tenant.this", Mode: tfjson.ManagedResourceMode, Change: &tfjson.Change{
			Actions: tfjson.Actions{tfjson.ActionUpdate},
			Before:  map[string]any{"full_name": "Old", "id": "x"}, After: map[string]any{"full_name": "New", "id": "x"}}},
		{Address: "tenantops_sso_client.portal", Mode: tfjson.ManagedResourceMode, Change: &tfjson.Change{
			Actions: tfjson.Actions{tfjson.ActionDelete, tfjson.ActionCreate},
			Before:  map[string]any{"client_id": "a", "client_secret": "s3cr3t-value"}, After: map[string]any{"client_id": "b", "client_secret": nil}}},
		{Address: "tenantops_scim_user.admin[\"bob\"]", Mode: tfjson.ManagedResourceMode, Change: &tfjson.Change{
			Actions: tfjson.Actions{tfjson.ActionDelete}}},
		{Address: "tenantops_scim_user.admin[\"carol\"]", Mode: tfjson.ManagedResourceMode, Change: &tfjson.Change{
			Actions: tfjson.Actions{tfjson.ActionCreate}, After: map[string]any{"user_name": "carol"}}},
		{Address: "tenantops_sso_realm.this", Mode: tfjson.ManagedResourceMode, Change: &tfjson.Change{
			Actions: tfjson.Actions{tfjson.ActionNoop}}},
		{Address: "data.tenantops_dr_site.x", Mode: tfjson.DataResourceMode, Change: &tfjson.Change{
			Actions: tfjson.Actions{tfjson.ActionRead}}},
	}}
	s := Summarize(p)
	if s.Create != 1 || s.Update != 1 || s.Replace != 1 || s.Delete != 1 {
		t.Fatalf("counts %+v", s)
	}
	var order []string
	for _, c := range s.Changes {
		order = append(order, c.Action)
	}
	if strings.Join(order, ",") != "delete,replace,update,create" {
		t.Fatalf("order %v: destroys first", order)
	}
	md := s.Markdown("Plan for `acme`")
	for _, want := range []string{"**1 to destroy, 1 to replace, 1 to update, 1 to create**",
		"| destroy | `tenantops_scim_user.admin[\"bob\"]` |  |",
		"| replace | `tenantops_sso_client.portal` | `client_id`, `client_secret` |",
		"| update in place | `tenantops_tenant.this` | `full_name` |"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	for _, secret := range []string{"s3cr3t-value", "Old", "New"} {
		if strings.Contains(md, secret) || strings.Contains(s.JSON(), secret) {
			t.Errorf("summary shows the value %q", secret)
		}
	}
	if !strings.Contains(Summary{}.Markdown("x"), "No changes") {
		t.Error("an empty plan says so")
	}
}

// fakeDB records the run_steps statements the sink issues.
type fakeDB struct{ calls [][]any }

func (f *fakeDB) Exec(_ context.Context, _ string, args ...any) (pgconn.CommandTag, error) {
	f.calls = append(f.calls, args)
	return pgconn.CommandTag{}, nil
}
func (f *fakeDB) Query(context.Context, string, ...any) (pgx.Rows, error) {
	return nil, errors.New("unused")
}
func (f *fakeDB) QueryRow(context.Context, string, ...any) pgx.Row { return nil }

func TestStepSinkRecordsStepsAndRedactsDiagnostics(t *testing.T) {
	db := &fakeDB{}
	r := &Runner{Cfg: Config{ProviderEnv: map[string]string{"TENANTOPS_VCD_PASSWORD": "pa55word!", "TENANTOPS_VCD_URL": "https://vcd"}}}
	s := &stepSink{ctx: context.Background(), db: db, runID: 7, phase: "apply", redact: r.redact}
	stream := `{"@level":"info","type":"version","terraform":"1.5.7"}
{"type":"apply_start","hook":{"resource":{"addr":"tenantops_tenant.this"},"action":"create"}}
{"type":"apply_complete","hook":{"resource":{"addr":"tenantops_tenant.this"},"action":"create","id_value":"urn:x"}}
{"type":"apply_start","hook":{"resource":{"addr":"tenantops_tenant_vdc.main"},"action":"create"}}
{"type":"apply_errored","hook":{"resource":{"addr":"tenantops_tenant_vdc.main"},"action":"create"}}
{"type":"diagnostic","diagnostic":{"severity":"error","summary":"Unable to create VDC","detail":"login with pa55word! failed","address":"tenantops_tenant_vdc.main"}}
`
	// Written in awkward pieces, as a pipe delivers it.
	for i := 0; i < len(stream); i += 17 {
		end := min(i+17, len(stream))
		if _, err := s.Write([]byte(stream[i:end])); err != nil {
			t.Fatal(err)
		}
	}
	s.flush()
	var got []string
	for _, c := range db.calls {
		got = append(got, fmt.Sprint(c...))
	}
	want := []string{
		"7applytenantops_tenant.thiscreatestarted",
		"7applytenantops_tenant.thiscreatecompleted",
		"7applytenantops_tenant_vdc.maincreatestarted",
		"7applytenantops_tenant_vdc.maincreatefailed",
		"7applytenantops_tenant_vdc.mainUnable to create VDC: login with (sensitive) failed",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("statements:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if e := s.errorText(); strings.Contains(e, "pa55word!") || !strings.Contains(e, "Unable to create VDC") {
		t.Fatalf("error text %q", e)
	}
}

func TestTransientClassification(t *testing.T) {
	r := &Runner{}
	for text, want := range map[string]bool{
		"Unable to create tenant: Cloud Director: 503 Service Unavailable":          true,
		"dial tcp 127.0.0.1:1: connect: connection refused":                         true,
		"Error acquiring the state lock":                                            true,
		"net/http: request canceled (Client.Timeout exceeded)":                      true,
		"SCIM: HTTP 409 Conflict (scimType uniqueness): userName taken":             false,
		"-lock-timeout option is no longer available":                               false,
		"Zerto: recovery site license exhausted (HTTP 400)":                         false,
		"Failed to get existing workspaces: pq: the database system is starting up": true,
		"pq: terminating connection due to administrator command":                   true,
		`LDAP Result Code 200 "Network Error": ldap: connection closed`:             true,
		`LDAP Result Code 68 "Entry Already Exists"`:                                false,
	} {
		err := r.tfError("apply", errors.New(text), nil)
		if got := errors.Is(err, errTransient); got != want {
			t.Errorf("%q: transient=%v, want %v", text, got, want)
		}
	}
}

// An apply that plans itself reports its plan once planning ends, and its
// outputs come from the final outputs message, sensitive ones hidden.
func TestStepSinkReadsPlanAndOutputsOfAnApply(t *testing.T) {
	var plans []Summary
	s := &stepSink{ctx: context.Background(), db: &fakeDB{}, runID: 3, phase: "apply", redact: func(s string) string { return s },
		onPlanned: func(sum Summary) { plans = append(plans, sum) }}
	stream := `{"type":"version","terraform":"1.5.7"}
{"type":"planned_change","change":{"resource":{"addr":"tenantops_tenant.this"},"action":"create"}}
{"type":"planned_change","change":{"resource":{"addr":"tenantops_scim_user.old"},"action":"delete"}}
{"type":"planned_change","change":{"resource":{"addr":"data.tenantops_provider_vdc.pvdc"},"action":"read"}}
{"type":"change_summary","changes":{"add":1,"change":0,"remove":1,"operation":"plan"}}
{"type":"outputs","outputs":{"org_id":{"sensitive":false,"action":"create"}}}
{"type":"apply_start","hook":{"resource":{"addr":"tenantops_tenant.this"},"action":"create"}}
{"type":"apply_complete","hook":{"resource":{"addr":"tenantops_tenant.this"},"action":"create"}}
{"type":"change_summary","changes":{"add":1,"change":0,"remove":1,"operation":"apply"}}
{"type":"outputs","outputs":{"org_id":{"sensitive":false,"type":"string","value":"urn:vcloud:org:1"},"admin_password":{"sensitive":true,"type":"string"},"n":{"sensitive":false,"type":"number","value":2}}}`
	if _, err := s.Write([]byte(stream)); err != nil {
		t.Fatal(err)
	}
	s.flush()
	if len(plans) != 1 {
		t.Fatalf("plan reported %d times, want once", len(plans))
	}
	p := plans[0]
	if p.Create != 1 || p.Delete != 1 || len(p.Changes) != 2 || p.Changes[0].Action != "delete" || p.Changes[1].Address != "tenantops_tenant.this" {
		t.Fatalf("plan %+v", p)
	}
	out := s.outputs()
	if out["org_id"] != "urn:vcloud:org:1" || out["admin_password"] != "(sensitive)" || out["n"] != float64(2) || len(out) != 3 {
		t.Fatalf("outputs %v", out)
	}
	empty := &stepSink{}
	if o := empty.outputs(); o == nil || len(o) != 0 {
		t.Fatalf("no outputs message: %v, want an empty map", o)
	}
}

func TestOneShotOnlyWhereNobodyReviews(t *testing.T) {
	for _, c := range []struct {
		run   store.Run
		phase string
		want  bool
	}{
		{store.Run{Kind: store.KindOnboard}, "apply", true},
		{store.Run{Kind: store.KindOnboard, ApprovalRequired: true}, "apply", false},
		{store.Run{Kind: store.KindOnboard, ApprovalRequired: true}, "compensate", true},
		{store.Run{Kind: store.KindUpdate}, "apply", false},
		{store.Run{Kind: store.KindUpdate}, "compensate", true},
		{store.Run{Kind: store.KindOffboard}, "apply", true},
		{store.Run{Kind: store.KindDrift}, "apply", false},
	} {
		if got := oneShot(c.run, c.phase); got != c.want {
			t.Errorf("%s approval=%v %s: oneShot %v, want %v", c.run.Kind, c.run.ApprovalRequired, c.phase, got, c.want)
		}
	}
}

// The database password is redacted whichever form the connection string
// takes: a URL (escaped or not) or libpq's keyword/value string, quoted or
// not; Terraform's pg backend may quote it in an error either way.
func TestDatabasePasswordRedactedInEveryForm(t *testing.T) {
	for _, c := range []struct {
		conn    string
		leaks   []string
		visible string
	}{
		{"postgres://tenantops:plain-pw-123@db.example:5432/tenantops", []string{"plain-pw-123"}, "db.example"},
		{"postgres://tenantops:p%40ss%3Aw0rd%2F@db.example/tenantops", []string{"p@ss:w0rd/", "p%40ss%3Aw0rd%2F"}, "db.example"},
		{"host=db.example port=5432 user=tenantops password=kv-secret-9 dbname=tenantops sslmode=disable", []string{"kv-secret-9"}, "db.example"},
		{`host=db.example user=tenantops password='quoted secret\'s' dbname=tenantops`, []string{"quoted secret's"}, "tenantops"},
		{"user=tenantops password = spaced-pw-77 host=db.example", []string{"spaced-pw-77"}, "db.example"},
	} {
		r := &Runner{Cfg: Config{DatabaseURL: c.conn}, dbSecrets: databaseSecrets(c.conn)}
		for _, leak := range c.leaks {
			msg := "Error: Failed to get existing workspaces: pq: password authentication failed for " + leak + " at " + c.visible
			got := r.redact(msg)
			if strings.Contains(got, leak) || !strings.Contains(got, "(sensitive)") || !strings.Contains(got, c.visible) {
				t.Errorf("%s: %q redacted to %q", c.conn, leak, got)
			}
			err := r.tfError("init", errors.New(msg), nil)
			if strings.Contains(err.Error(), leak) {
				t.Errorf("%s: terraform error shows %q: %v", c.conn, leak, err)
			}
		}
	}
	if got := databaseSecrets("host=db.example user=x"); len(got) != 0 {
		t.Errorf("no password, nothing to redact: %v", got)
	}
}
