package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/store"
)

// The standard tier with its directory part against a real Samba AD domain
// controller: onboarding creates the tenant's OU and groups, offboarding
// removes them again.
func TestE2EDirectoryOnboardingAndOffboarding(t *testing.T) {
	t.Parallel()
	dc, err := testenv.StartSamba()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dc.Close)
	s := startSims(t)
	crm := startCRM(t)
	cfg := testConfig(t, testenv.NewDatabase(t), t.TempDir(), s, crm)
	cfg.DirectoryEnabled = true
	cfg.Platform = map[string]any{"directory_base_dn": dc.BaseDN, "directory_ldap_url": dc.URL, "directory_bind_dn": dc.BindDN}
	cfg.ProviderEnv["TENANTOPS_FEDERATION_BIND_PASSWORD"] = dc.BindPassword
	cfg.ProviderEnv["TENANTOPS_DIRECTORY_URL"] = dc.URL
	cfg.ProviderEnv["TENANTOPS_DIRECTORY_BIND_DN"] = dc.BindDN
	cfg.ProviderEnv["TENANTOPS_DIRECTORY_BIND_PASSWORD"] = dc.BindPassword
	cfg.ProviderEnv["TENANTOPS_DIRECTORY_CA_PEM"] = dc.CAPEM
	tr := startTrigger(t, cfg)

	r := postWebhook(t, tr.url, event("evt-dir-1", "customer.created", "india", nil))
	run := waitRun(t, tr.url, r.RunID, 3*time.Minute)
	if run.State != store.StateCompleted {
		t.Fatalf("onboarding ended %s: %s", run.State, run.Error)
	}
	var addrs []string
	for _, st := range run.Steps {
		addrs = append(addrs, st.Address)
	}
	for _, want := range []string{"module.directory.tenantops_directory_ou.tenant[0]", "module.directory.tenantops_directory_group.admins[0]", "module.directory.tenantops_directory_group.users[0]",
		"module.directory.tenantops_sso_ldap_federation.directory[0]"} {
		if !slices.Contains(addrs, want) {
			t.Errorf("steps %v lack %s", addrs, want)
		}
	}
	inv := strings.ToLower(strings.Join(dc.Inventory(), "\n"))
	ou := strings.ToLower("OU=india," + dc.BaseDN)
	for _, want := range []string{ou, "cn=india-admins," + ou, "cn=india-users," + ou} {
		if !strings.Contains(inv, want) {
			t.Errorf("directory lacks %s:\n%s", want, inv)
		}
	}
	if !strings.Contains(string(run.Outputs), `"directory_ou_dn"`) {
		t.Errorf("outputs %s lack the OU", run.Outputs)
	}
	// The OU is federated into the tenant's realm (Keycloak adds its
	// default attribute mappers under it), reading the tenant's OU only.
	if inv := strings.Join(s.Inventory(), "\n"); !strings.Contains(inv, "component/india/ldap/active-directory") {
		t.Errorf("the realm has no LDAP federation:\n%s", inv)
	}
	fed, _ := s.Keycloak.Component("india", "active-directory")["config"].(map[string]any)
	if got := fmt.Sprint(fed["usersDn"]); !strings.EqualFold(got, "[OU=india,"+dc.BaseDN+"]") {
		t.Errorf("federation usersDn %s, want the tenant's OU", got)
	}
	if got := fmt.Sprint(fed["bindCredential"]); got != "["+dc.BindPassword+"]" {
		t.Errorf("the federation's bind credential did not come through the environment")
	}

	del := event("evt-dir-2", "customer.deleted", "india", nil)
	rd := postWebhook(t, tr.url, del)
	if off := waitRun(t, tr.url, rd.RunID, 3*time.Minute); off.State != store.StateCompleted {
		t.Fatalf("offboarding ended %s: %s", off.State, off.Error)
	}
	if left := dc.Inventory(); len(left) != 0 {
		t.Fatalf("directory objects left after offboarding: %v", left)
	}
	if left := s.Inventory(); len(left) != 0 {
		t.Fatalf("objects left after offboarding: %v", left)
	}
}
