package fleet

import (
	"reflect"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
)

func rc(addr, prev string, before, after map[string]any, actions ...tfjson.Action) *tfjson.ResourceChange {
	return &tfjson.ResourceChange{Address: addr, PreviousAddress: prev, Mode: tfjson.ManagedResourceMode,
		Change: &tfjson.Change{Actions: actions, Before: before, After: after}}
}

// A tenant's changes are reduced to what two tenants can share: instance
// keys from the tenant's data are normalised, instances of one resource
// with the same action count once with their attributes merged, objects
// that only move are kept as moves, data sources and no-ops are dropped.
func TestChangesNormalisesTenantData(t *testing.T) {
	// The replaced VPG's id and status are known only after the apply:
	// they are no cause of the change and are left out.
	replaced := rc("module.dr.tenantops_dr_protection_group.this", "", map[string]any{"recovery_site": "a", "id": "1", "status": "ok"},
		map[string]any{"recovery_site": "b"}, tfjson.ActionDelete, tfjson.ActionCreate)
	replaced.Change.AfterUnknown = map[string]any{"id": true, "status": true}
	p := &tfjson.Plan{ResourceChanges: []*tfjson.ResourceChange{
		rc(`module.scim.tenantops_scim_user.admin["alice"]`, "", map[string]any{"given_name": "A", "emails": 1},
			map[string]any{"given_name": "B", "emails": 1}, tfjson.ActionUpdate),
		rc(`module.scim.tenantops_scim_user.admin["bob"]`, "", map[string]any{"given_name": "A", "emails": 1},
			map[string]any{"given_name": "A", "emails": 2}, tfjson.ActionUpdate),
		rc(`module.directory.tenantops_directory_ou.tenant[0]`, "", map[string]any{"name": "x"}, nil, tfjson.ActionDelete),
		replaced,
		rc("module.cloud.tenantops_tenant.this", "tenantops_tenant.this", map[string]any{"name": "x"}, map[string]any{"name": "x"}, tfjson.ActionNoop),
		rc("module.sso.tenantops_sso_realm.this", "tenantops_sso_realm.this", map[string]any{"mfa": "otp"}, map[string]any{"mfa": "webauthn"}, tfjson.ActionUpdate),
		rc("tenantops_scim_group.unchanged", "", map[string]any{"a": 1}, map[string]any{"a": 1}, tfjson.ActionNoop),
	}}
	p.ResourceChanges = append(p.ResourceChanges, &tfjson.ResourceChange{Address: "data.tenantops_dr_site.x", Mode: tfjson.DataResourceMode,
		Change: &tfjson.Change{Actions: tfjson.Actions{tfjson.ActionRead}}})
	got := Changes(p)
	want := []Change{
		{Address: "module.directory.tenantops_directory_ou.tenant[0]", Action: "delete"},
		{Address: "module.dr.tenantops_dr_protection_group.this", Action: "replace", Changed: []string{"recovery_site"}},
		{Address: "module.scim.tenantops_scim_user.admin[*]", Action: "update", Changed: []string{"emails", "given_name"}},
		{Address: "module.sso.tenantops_sso_realm.this", Action: "update", Changed: []string{"mfa"}},
		{Address: "module.cloud.tenantops_tenant.this", Action: "move", From: "tenantops_tenant.this"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("changes\n got %+v\nwant %+v", got, want)
	}
	if a, b := normaliseAddress(`m["a\"b"].r["x"]`), `m[*].r[*]`; a != b {
		t.Fatalf("normalise: %s, want %s", a, b)
	}
}

var (
	upd  = Change{Address: "module.cloud.tenantops_tenant.this", Action: "update", Changed: []string{"description"}}
	repl = Change{Address: "module.dr.tenantops_dr_protection_group.this", Action: "replace", Changed: []string{"recovery_site"}}
	add  = Change{Address: "tenantops_scim_group.ops", Action: "create"}
)

// Tenants with identical change sets share a group; destructive groups come
// first, then larger ones; unchanged tenants and errors are listed apart.
func TestBuildGroupsByChangeSet(t *testing.T) {
	r := Build([]TenantResult{
		{Tenant: "s2", Tier: "standard", Changes: []Change{upd}},
		{Tenant: "d1", Tier: "premium-dr", Changes: []Change{repl, upd}},
		{Tenant: "s1", Tier: "standard", Changes: []Change{upd}},
		{Tenant: "s3", Tier: "standard"},
		{Tenant: "d2", Tier: "premium-dr", Changes: []Change{upd}},
		{Tenant: "s0", Tier: "standard", Error: "terraform plan: boom"},
		{Tenant: "d3", Tier: "premium-dr", Changes: []Change{upd, add}},
		{Tenant: "s4", Tier: "standard"},
	})
	var got [][]string
	for _, g := range r.Groups {
		got = append(got, append(append([]string{}, g.Tiers...), g.Tenants...))
	}
	want := [][]string{{"premium-dr", "d1"}, {"premium-dr", "standard", "d2", "s1", "s2"}, {"premium-dr", "d3"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("groups %v, want %v", got, want)
	}
	if !r.Groups[0].Destructive() || r.Groups[1].Destructive() {
		t.Fatal("destructive flag")
	}
	if !reflect.DeepEqual(r.Unchanged, []string{"s3", "s4"}) || len(r.Errors) != 1 || r.Errors[0].Tenant != "s0" || r.Planned() != 8 {
		t.Fatalf("unchanged %v errors %v planned %d", r.Unchanged, r.Errors, r.Planned())
	}
}

// The markdown puts destroys and replaces first with their tenant counts,
// then one table per change set, the unchanged tenants and the errors on
// one escaped row each.
func TestMarkdownReport(t *testing.T) {
	r := Build([]TenantResult{
		{Tenant: "a", Tier: "standard", Changes: []Change{upd}},
		{Tenant: "b", Tier: "premium-dr", Changes: []Change{repl, upd}},
		{Tenant: "c", Tier: "premium-dr", Changes: []Change{repl, {Address: "module.x.r.this", Action: "move", From: "r.this"}}},
		{Tenant: "d", Tier: "standard"},
		{Tenant: "e", Tier: "standard", Error: "terraform plan: a | b\n  line two"},
	})
	r.Templates = "templates/tenants"
	r.Tiers = []TierRevision{{Tier: "premium-dr", Revision: "0123456789abcdef", Tenants: 2}, {Tier: "standard", Revision: "fedcba9876543210", Tenants: 3}}
	r.Skipped = []TenantResult{{Tenant: "f", Tier: "standard", Error: "nothing applied yet (status PENDING)"}}
	want := "### Fleet plan of `templates/tenants`\n\n" +
		"Tiers: `premium-dr` (2 tenants, template revision `0123456789ab`), `standard` (3 tenants, template revision `fedcba987654`). " +
		"Planned without refresh: each tenant's state as last applied is compared with the new templates.\n\n" +
		"**5 tenants planned: 3 change (3 change sets), 1 unchanged, 1 errors.**\n\n" +
		"#### :warning: Destroy or replace\n\n| action | resource | tenants |\n| --- | --- | --- |\n" +
		"| **replace** | `module.dr.tenantops_dr_protection_group.this` | 2 |\n\n" +
		"#### Change set 1: 1 tenant (premium-dr)\n\n`b`\n\n| action | resource | attributes changing |\n| --- | --- | --- |\n" +
		"| replace | `module.dr.tenantops_dr_protection_group.this` | `recovery_site` |\n" +
		"| update in place | `module.cloud.tenantops_tenant.this` | `description` |\n\n" +
		"#### Change set 2: 1 tenant (premium-dr)\n\n`c`\n\n| action | resource | attributes changing |\n| --- | --- | --- |\n" +
		"| replace | `module.dr.tenantops_dr_protection_group.this` | `recovery_site` |\n" +
		"| move | `r.this` → `module.x.r.this` |  |\n\n" +
		"#### Change set 3: 1 tenant (standard)\n\n`a`\n\n| action | resource | attributes changing |\n| --- | --- | --- |\n" +
		"| update in place | `module.cloud.tenantops_tenant.this` | `description` |\n\n" +
		"#### Unchanged: 1 tenant\n\n`d`\n\n" +
		"#### Errors: 1 tenant\n\n| tenant | tier | error |\n| --- | --- | --- |\n| `e` | `standard` | terraform plan: a \\| b line two |\n\n" +
		"#### Not planned: 1 tenant\n\n- `f` (`standard`): nothing applied yet (status PENDING)\n\n" +
		"<sub>tenantops-trigger fleet plan, 0.0 s</sub>\n"
	if got := r.Markdown(); got != want {
		t.Fatalf("markdown:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(Build(nil).Markdown(), "Destroy") {
		t.Fatal("an empty report calls out destroys")
	}
}
