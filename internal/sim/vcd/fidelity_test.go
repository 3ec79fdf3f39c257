package vcd_test

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmware/go-vcloud-director/v2/govcd"
	"github.com/vmware/go-vcloud-director/v2/types/v56"

	"github.com/tenantops/tenantops/internal/sim/fault"
	"github.com/tenantops/tenantops/internal/sim/vcd"
)

// newClient logs in to the simulator with the unmodified govcd client,
// trusting only the simulator's certificate.
func newClient(t *testing.T, s *vcd.Server) *govcd.VCDClient {
	t.Helper()
	u, err := url.Parse(s.URL + "/api")
	if err != nil {
		t.Fatal(err)
	}
	c := govcd.NewVCDClient(*u, false, govcd.WithVcloudRequestIdFunc(requestID))
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(s.CAPEM))
	c.Client.Http.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	if err := c.Authenticate("admin", "admin-password", "System"); err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	return c
}

var seq atomic.Uint64

// requestID replaces govcd's default request-id builder, whose shared
// counter is not synchronised (the race detector flags parallel clients).
func requestID() string { return fmt.Sprintf("fidelity-%d", seq.Add(1)) }

func start(t *testing.T, opts vcd.Options) *vcd.Server {
	t.Helper()
	s, err := vcd.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func createOrg(t *testing.T, c *govcd.VCDClient, name string) *govcd.AdminOrg {
	t.Helper()
	task, err := govcd.CreateOrg(c, name, name+" Inc.", "tenant "+name, &types.OrgSettings{
		OrgGeneralSettings: &types.OrgGeneralSettings{DeployedVMQuota: 10, StoredVMQuota: 20},
	}, true)
	if err != nil {
		t.Fatalf("CreateOrg: %v", err)
	}
	if err := task.WaitTaskCompletion(); err != nil {
		t.Fatalf("wait CreateOrg: %v", err)
	}
	o, err := c.GetAdminOrgByName(name)
	if err != nil {
		t.Fatalf("GetAdminOrgByName: %v", err)
	}
	return o
}

func vdcConfig(t *testing.T, c *govcd.VCDClient, name string) *types.VdcConfiguration {
	t.Helper()
	pvdcs, err := govcd.QueryProviderVdcByName(c, "pvdc-1")
	if err != nil || len(pvdcs) != 1 {
		t.Fatalf("QueryProviderVdcByName: %v (%d records)", err, len(pvdcs))
	}
	sp, err := c.QueryProviderVdcStorageProfileByName("gold", pvdcs[0].HREF)
	if err != nil {
		t.Fatalf("QueryProviderVdcStorageProfileByName: %v", err)
	}
	pools, err := govcd.QueryNetworkPoolByName(c, "np-1")
	if err != nil || len(pools) != 1 {
		t.Fatalf("QueryNetworkPoolByName: %v (%d records)", err, len(pools))
	}
	return &types.VdcConfiguration{
		Name: name, AllocationModel: "AllocationPool",
		ComputeCapacity: []*types.ComputeCapacity{{
			CPU:    &types.CapacityWithUsage{Units: "MHz", Allocated: 2000, Limit: 4000},
			Memory: &types.CapacityWithUsage{Units: "MB", Allocated: 1024, Limit: 2048},
		}},
		VdcStorageProfile: []*types.VdcStorageProfileConfiguration{{
			Enabled: &[]bool{true}[0], Units: "MB", Limit: 10240, Default: true,
			ProviderVdcStorageProfile: &types.Reference{HREF: sp.HREF},
		}},
		NetworkPoolReference: &types.Reference{HREF: pools[0].HREF},
		ProviderVdcReference: &types.Reference{HREF: pvdcs[0].HREF},
		IsEnabled:            true, IsThinProvision: true, UsesFastProvisioning: true,
		ResourceGuaranteedMemory: &[]float64{0.5}[0],
	}
}

func TestFidelityOrgAndVDCLifeCycle(t *testing.T) {
	t.Parallel()
	s := start(t, vcd.Options{QueryPageSize: 1}) // page size 1 makes the client page through results
	c := newClient(t, s)

	o := createOrg(t, c, "acme")
	if o.AdminOrg.FullName != "acme Inc." || !o.AdminOrg.IsEnabled || o.AdminOrg.OrgSettings.OrgGeneralSettings.DeployedVMQuota != 10 {
		t.Fatalf("unexpected org: %+v", o.AdminOrg)
	}
	byID, err := c.GetAdminOrgById(o.AdminOrg.ID)
	if err != nil || byID.AdminOrg.Name != "acme" {
		t.Fatalf("GetAdminOrgById: %v %v", err, byID)
	}
	if _, err := c.GetAdminOrgByName("nope"); err != govcd.ErrorEntityNotFound {
		t.Fatalf("missing org: want ErrorEntityNotFound, got %v", err)
	}
	// Duplicate names are refused with Cloud Director's error body.
	if _, err := govcd.CreateOrg(c, "acme", "x", "", &types.OrgSettings{}, true); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("duplicate org: %v", err)
	}

	// Update.
	o.AdminOrg.Description = "changed"
	o.AdminOrg.OrgSettings.OrgGeneralSettings.StoredVMQuota = 30
	task, err := o.Update()
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if err := task.WaitTaskCompletion(); err != nil {
		t.Fatalf("wait Update: %v", err)
	}
	if err := o.Refresh(); err != nil {
		t.Fatal(err)
	}
	if o.AdminOrg.Description != "changed" || o.AdminOrg.OrgSettings.OrgGeneralSettings.StoredVMQuota != 30 {
		t.Fatalf("update not applied: %+v", o.AdminOrg)
	}

	// VDC.
	if _, err := o.CreateOrgVdc(vdcConfig(t, c, "vdc-main")); err != nil {
		t.Fatalf("CreateOrgVdc: %v", err)
	}
	av, err := o.GetAdminVDCByName("vdc-main", true)
	if err != nil {
		t.Fatalf("GetAdminVDCByName: %v", err)
	}
	if av.AdminVdc.Status != 1 || av.AdminVdc.ProviderVdcReference.Name != "pvdc-1" || av.AdminVdc.NetworkPoolReference.Name != "np-1" ||
		len(av.AdminVdc.VdcStorageProfiles.VdcStorageProfile) != 1 {
		t.Fatalf("unexpected VDC: %+v", av.AdminVdc)
	}
	av.AdminVdc.ComputeCapacity[0].CPU.Limit = 8000
	av.AdminVdc.Description = "bigger"
	if _, err := av.Update(); err != nil {
		t.Fatalf("VDC Update: %v", err)
	}
	av, _ = o.GetAdminVDCByName("vdc-main", true)
	if av.AdminVdc.ComputeCapacity[0].CPU.Limit != 8000 || av.AdminVdc.Description != "bigger" {
		t.Fatalf("VDC update not applied: %+v", av.AdminVdc)
	}
	if _, err := o.GetAdminVDCByName("nope", true); err != govcd.ErrorEntityNotFound {
		t.Fatalf("missing VDC: %v", err)
	}
	if got := s.Inventory(); !reflect.DeepEqual(got, []string{"org/acme", "vdc/acme/vdc-main"}) {
		t.Fatalf("inventory %v", got)
	}

	// An org with a VDC left is not deleted unless recursively.
	if err := o.Refresh(); err != nil {
		t.Fatal(err)
	}
	err = o.Delete(true, false)
	if err == nil || !strings.Contains(err.Error(), "still contains virtual data centers (vdc-main)") {
		t.Fatalf("delete non-empty org: %v", err)
	}

	// Vdc.DeleteWait.
	vdc, err := o.GetVDCByName("vdc-main", true)
	if err != nil {
		t.Fatalf("GetVDCByName: %v", err)
	}
	if err := vdc.DeleteWait(true, true); err != nil {
		t.Fatalf("DeleteWait: %v", err)
	}
	// A VDC that is gone answers 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN; govcd
	// then finds it missing from the org's VDC list.
	if err := vdc.Refresh(); err == nil || !strings.Contains(err.Error(), "API Error: 403") {
		t.Fatalf("deleted VDC refresh: want 403, got %v", err)
	}
	if _, err := o.GetAdminVDCByName("vdc-main", true); err != govcd.ErrorEntityNotFound {
		t.Fatalf("deleted VDC by name: want ErrorEntityNotFound, got %v", err)
	}
	if err := o.Refresh(); err != nil {
		t.Fatal(err)
	}
	orgID := o.AdminOrg.ID
	if err := o.Delete(true, true); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	// A deleted org is missing from /api/org, so govcd reports it not found
	// before it ever reads the 403 the org itself answers.
	if _, err := c.GetAdminOrgById(orgID); err != govcd.ErrorEntityNotFound {
		t.Fatalf("deleted org by ID: want ErrorEntityNotFound, got %v", err)
	}
	if got := s.Inventory(); len(got) != 0 {
		t.Fatalf("inventory after delete: %v", got)
	}
}

func TestFidelityRecursiveOrgDelete(t *testing.T) {
	t.Parallel()
	s := start(t, vcd.Options{})
	c := newClient(t, s)
	o := createOrg(t, c, "beta")
	for _, n := range []string{"vdc-a", "vdc-b"} {
		if _, err := o.CreateOrgVdc(vdcConfig(t, c, n)); err != nil {
			t.Fatalf("CreateOrgVdc %s: %v", n, err)
		}
	}
	if err := o.Refresh(); err != nil {
		t.Fatal(err)
	}
	if err := o.Delete(true, true); err != nil {
		t.Fatalf("recursive Delete: %v", err)
	}
	if got := s.Inventory(); len(got) != 0 {
		t.Fatalf("inventory after recursive delete: %v", got)
	}
}

func TestFidelityOIDC(t *testing.T) {
	t.Parallel()
	s := start(t, vcd.Options{})
	c := newClient(t, s)
	o := createOrg(t, c, "gamma")

	got, err := o.GetOpenIdConnectSettings()
	if err != nil || got.Enabled || got.ClientId != "" {
		t.Fatalf("initial OIDC settings: %v %+v", err, got)
	}
	set, err := o.SetOpenIdConnectSettings(types.OrgOAuthSettings{
		Enabled: true, ClientId: "vcd-portal", ClientSecret: "s3cret",
		WellKnownEndpoint: "https://sso.example.com/realms/gamma/.well-known/openid-configuration",
	})
	if err != nil {
		t.Fatalf("SetOpenIdConnectSettings: %v", err)
	}
	if set.ClientId != "vcd-portal" || set.IssuerId != "https://sso.example.com/realms/gamma" ||
		set.UserAuthorizationEndpoint != "https://sso.example.com/realms/gamma/protocol/openid-connect/auth" || set.ClientSecret != "" {
		t.Fatalf("unexpected settings: %+v", set)
	}
	if sec, _ := s.OIDCClientSecret("gamma"); sec != "s3cret" {
		t.Fatalf("stored secret %q", sec)
	}
	if inv := s.Inventory(); !reflect.DeepEqual(inv, []string{"oidc/gamma", "org/gamma"}) {
		t.Fatalf("inventory %v", inv)
	}
	// Explicit endpoints without keys are refused by the client before the call.
	if _, err := o.SetOpenIdConnectSettings(types.OrgOAuthSettings{ClientId: "x", ClientSecret: "y",
		UserAuthorizationEndpoint: "https://a", AccessTokenEndpoint: "https://b", UserInfoEndpoint: "https://c"}); err == nil {
		t.Fatal("want error for settings without keys")
	}
	// An unreachable identity provider fails the connection test.
	if _, err := o.SetOpenIdConnectSettings(types.OrgOAuthSettings{ClientId: "x", ClientSecret: "y",
		WellKnownEndpoint: "https://idp.invalid/.well-known/openid-configuration"}); err == nil || !strings.Contains(err.Error(), "could not establish a connection") {
		t.Fatalf("unreachable IdP: %v", err)
	}
	if err := o.DeleteOpenIdConnectSettings(); err != nil {
		t.Fatalf("DeleteOpenIdConnectSettings: %v", err)
	}
	if inv := s.Inventory(); !reflect.DeepEqual(inv, []string{"org/gamma"}) {
		t.Fatalf("inventory after OIDC delete %v", inv)
	}
}

func TestFidelityFailedTaskAndErrors(t *testing.T) {
	t.Parallel()
	s := start(t, vcd.Options{})
	c := newClient(t, s)
	o := createOrg(t, c, "delta")

	s.FailNextTask(vcd.OpVDCCreate, "datastore gold is out of space")
	_, err := o.CreateOrgVdc(vdcConfig(t, c, "vdc-x"))
	if err == nil || !strings.Contains(err.Error(), "datastore gold is out of space") {
		t.Fatalf("failed task: want its message, got %v", err)
	}
	if st, ok := s.VDCStatus("delta", "vdc-x"); !ok || st != -1 {
		t.Fatalf("VDC after failed creation: status %d ok %v", st, ok)
	}

	// Busy entity: a running task blocks other changes.
	s.SetTaskDuration(vcd.OpOrgUpdate, time.Minute)
	if _, err := o.Update(); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if _, err := o.Update(); err == nil || !strings.Contains(err.Error(), "busy") {
		t.Fatalf("busy entity: %v", err)
	}

	// Injected faults surface as Cloud Director errors.
	s.Faults.Add(fault.Rule{Method: "GET", Path: `^/api/org/?$`, Kind: fault.Status, Status: 503, Times: 1,
		ContentType: "application/vnd.vmware.vcloud.error+xml",
		Body:        `<Error xmlns="http://www.vmware.com/vcloud/v1.5" majorErrorCode="503" minorErrorCode="SERVICE_UNAVAILABLE" message="cell is restarting"/>`})
	if _, err := c.GetAdminOrgByName("delta"); err == nil {
		t.Fatal("want error under fault")
	}

	// Bad credentials and API tokens.
	u, _ := url.Parse(s.URL + "/api")
	bad := govcd.NewVCDClient(*u, false, govcd.WithVcloudRequestIdFunc(requestID))
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(s.CAPEM))
	bad.Client.Http.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	if err := bad.Authenticate("admin", "wrong", "System"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("bad password: %v", err)
	}
}

func TestFidelityAPITokenLogin(t *testing.T) {
	t.Parallel()
	s := start(t, vcd.Options{APIToken: "refresh-me"})
	u, _ := url.Parse(s.URL + "/api")
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(s.CAPEM))
	mk := func() *govcd.VCDClient {
		c := govcd.NewVCDClient(*u, false, govcd.WithVcloudRequestIdFunc(requestID))
		c.Client.Http.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
		return c
	}
	c := mk()
	if err := c.SetToken("System", govcd.ApiTokenHeader, "refresh-me"); err != nil {
		t.Fatalf("SetToken: %v", err)
	}
	createOrg(t, c, "eps")
	if err := mk().SetToken("System", govcd.ApiTokenHeader, "wrong"); err == nil {
		t.Fatal("want error for a wrong API token")
	}
}
