package contract

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tenantops/tenantops/internal/sim/record"
	zertosim "github.com/tenantops/tenantops/internal/sim/zerto"
	"github.com/tenantops/tenantops/internal/tlsutil"
	"github.com/tenantops/tenantops/internal/zerto"
)

func zertoDoc(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := zertoLoad(filepath.Join(ReferenceDir(), zertoReference))
	if err != nil {
		t.Fatalf("Zerto's description is needed (TENANTOPS_REFERENCE_DIR or ../shared/reference): %v", err)
	}
	return doc
}

func zertoJSONHeader() http.Header {
	return http.Header{"Content-Type": {"application/json; charset=utf-8"}}
}

func zertoCheck(t *testing.T, ex ...record.Exchange) Result {
	t.Helper()
	for i := range ex {
		ex[i].System = "zerto"
	}
	r := zertoChecker{}.check(ReferenceDir(), ex)
	if r.NotChecked != "" {
		t.Fatalf("Zerto's description is needed (TENANTOPS_REFERENCE_DIR or ../shared/reference): %s", r.NotChecked)
	}
	return r
}

// Exchanges the simulator answered before it was held to the description:
// each must be reported, naming what is wrong.
func TestZertoCheckerFlagsTheOldSimulator(t *testing.T) {
	cases := []struct {
		name string
		ex   record.Exchange
		want string
	}{
		{"protected org VDC in the request", record.Exchange{Method: "PUT", Path: "/v1/vpgSettings/s1", ReqHeader: zertoJSONHeader(),
			ReqBody: []byte(`{"Basic":{"Name":"x"},"Protected":{"VCD":{"OrgVdcIdentifier":"urn:vcloud:vdc:1"}}}`), Status: 200},
			`/protected/vcd: property "OrgVdcIdentifier" is unsupported`},
		{"VPG identifier and null links", record.Exchange{Method: "GET", Path: "/v1/vpgs/v1", Status: 200, RespHeader: zertoJSONHeader(),
			RespBody: []byte(`{"VpgIdentifier":"v1","VpgName":"x","Status":1,"Zorg":null,"ServiceProfile":null}`)},
			`property "VpgIdentifier" is unsupported`},
		{"null ZORG link", record.Exchange{Method: "GET", Path: "/v1/vpgs/v2", Status: 200, RespHeader: zertoJSONHeader(),
			RespBody: []byte(`{"VpgName":"x","Zorg":null}`)}, `/zorg: Value is not nullable`},
		{"site identifier", record.Exchange{Method: "GET", Path: "/v1/localsite", Status: 200, RespHeader: zertoJSONHeader(),
			RespBody: []byte(`{"SiteIdentifier":"s","SiteName":"a","Link":{"identifier":"s"}}`)}, `property "SiteIdentifier" is unsupported`},
		{"task identifier", record.Exchange{Method: "GET", Path: "/v1/tasks/t1", Status: 200, RespHeader: zertoJSONHeader(),
			RespBody: []byte(`{"TaskIdentifier":"t1","Type":"x","Started":"2026-01-01T00:00:00Z"}`)}, `property "TaskIdentifier" is unsupported`},
		{"service profile durations in seconds", record.Exchange{Method: "GET", Path: "/v1/serviceprofiles", Status: 200, RespHeader: zertoJSONHeader(),
			RespBody: []byte(`[{"ServiceProfileName":"Gold","Rpo":"300"}]`)}, `/0/rpo`},
		{"token without no-store", record.Exchange{Method: "POST", Path: zertoTokenPath,
			ReqHeader: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
			ReqBody:   []byte("grant_type=client_credentials&client_id=a&client_secret=b"), Status: 200, RespHeader: zertoJSONHeader(),
			RespBody: []byte(`{"access_token":"t","token_type":"Bearer","expires_in":300}`)}, "Cache-Control: no-store"},
		{"Keycloak's old unauthorized_client", record.Exchange{Method: "POST", Path: zertoTokenPath,
			ReqHeader: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
			ReqBody:   []byte("grant_type=client_credentials&client_id=a&client_secret=b"), Status: 401, RespHeader: zertoJSONHeader(),
			RespBody: []byte(`{"error":"unauthorized_client","error_description":"Invalid client or Invalid client credentials"}`)},
			`401 is for invalid_client`},
		{"error without a Message", record.Exchange{Method: "GET", Path: "/v1/vpgs/v3", Status: 404,
			RespHeader: http.Header{"Content-Type": {"text/plain"}}, RespBody: []byte("not found")}, "want application/json"},
	}
	ex := make([]record.Exchange, len(cases))
	for i, tc := range cases {
		ex[i] = tc.ex
	}
	r := zertoCheck(t, ex...)
	for _, tc := range cases {
		var msgs []string
		for _, v := range r.Violations {
			if v.Method == tc.ex.Method && v.Path == tc.ex.Path && v.Status == tc.ex.Status {
				msgs = append(msgs, v.Message)
			}
		}
		if !strings.Contains(strings.Join(msgs, "\n"), tc.want) {
			t.Errorf("%s: want a violation containing %q, got %q", tc.name, tc.want, msgs)
		}
	}
}

// Exchanges the description defines pass, whatever the case of their
// property names; the legacy session login is counted as undescribed.
func TestZertoCheckerPassesDescribedExchanges(t *testing.T) {
	r := zertoCheck(t,
		record.Exchange{Method: "PUT", Path: "/v1/vpgSettings/s1", ReqHeader: zertoJSONHeader(), Status: 200,
			ReqBody: []byte(`{"basic":{"Name":"x","RpoInSeconds":300},"Protected":{"VCD":{"VcdVappIdentifier":"urn:vcloud:vapp:1"}},` +
				`"Vms":[{"VmIdentifier":"urn:vcloud:vm:1","Recovery":{"VCD":{"StoragePolicyIdentifier":"p"}}}]}`)},
		record.Exchange{Method: "GET", Path: "/v1/serviceprofiles", Status: 200, RespHeader: zertoJSONHeader(),
			RespBody: []byte(`[{"Link":{"identifier":"p1","href":"https://z/v1/serviceprofiles/p1","rel":"","type":"ServiceProfileApi"},` +
				`"ServiceProfileName":"Gold","Rpo":"00:05:00","History":"1.00:00:00"}]`)},
		record.Exchange{Method: "GET", Path: "/v1/vpgs/v1", Status: 404, RespHeader: zertoJSONHeader(), RespBody: []byte(`{"Message":"VPG not found."}`)},
		record.Exchange{Method: "POST", Path: "/v1/session/add", Status: 200},
	)
	if len(r.Violations) != 0 {
		t.Fatalf("violations: %v", r.Violations)
	}
	if r.Checked != 2 || r.Operations["PUT /v1/vpgSettings/{vpgSettingsIdentifier}"] != 1 ||
		r.Undescribed["POST /v1/session/add"] != 1 || r.Undescribed["GET /v1/vpgs/{vpgIdentifier} (HTTP 404)"] != 1 {
		t.Fatalf("result %+v", r)
	}
}

// The whole client workflow against the simulator: zero violations, and
// every operation the product calls that the workflow reaches is checked.
func TestZertoCheckerPassesTheSimulator(t *testing.T) {
	apps := []zertosim.VApp{{ID: "urn:vcloud:vapp:1", Name: "web", VMs: []zertosim.VMRef{{ID: "urn:vcloud:vm:1", Name: "web-1"}}}}
	sim, err := zertosim.Start(zertosim.Options{Record: true, TaskDuration: 20 * time.Millisecond, InitialSync: 20 * time.Millisecond,
		VApps: func() []zertosim.VApp { return apps }})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	hc, err := tlsutil.Options{CAPEM: sim.CAPEM}.HTTPClient(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	o := sim.Options()
	c, err := zerto.New(zerto.Config{URL: sim.URL, ClientID: o.ClientID, ClientSecret: o.ClientSecret, HTTPClient: hc, PollInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	local, err := c.LocalSite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	site, _ := c.SiteByName(ctx, zertosim.RecoverySiteName)
	vdc, _ := c.OrgVdcByName(ctx, site.SiteIdentifier, zertosim.RecoveryVdc)
	net, _ := c.NetworkByName(ctx, site.SiteIdentifier, vdc.Identifier, zertosim.FailoverNetwork)
	policy, _ := c.StoragePolicyByName(ctx, site.SiteIdentifier, vdc.Identifier, zertosim.StoragePolicy)
	sp, _ := c.ServiceProfileByName(ctx, zertosim.ServiceProfileName)
	if _, err := c.VcdVapps(ctx, local.ID()); err != nil {
		t.Fatal(err)
	}
	id, err := c.CommitNew(ctx, zerto.VpgSettings{
		Basic: &zerto.VpgSettingsBasic{Name: "pg", VpgType: "Remote", RpoInSeconds: 300, JournalHistoryInHours: 24, Priority: "High",
			ProtectedSiteIdentifier: local.ID(), RecoverySiteIdentifier: site.SiteIdentifier, ServiceProfileIdentifier: sp.ID()},
		Recovery:  &zerto.VpgSettingsRecovery{VCD: &zerto.VcdRecovery{OrgVdcIdentifier: vdc.Identifier}},
		Networks:  &zerto.VpgSettingsNetworks{Failover: &zerto.VpgSettingsNetwork{VCD: &zerto.VcdNetwork{DefaultRecoveryOrgVdcNetworkIdentifier: net.NetworkIdentifier}}},
		Protected: &zerto.VpgSettingsProtected{VCD: &zerto.VcdProtected{VcdVappIdentifier: "urn:vcloud:vapp:1"}},
		Vms: []zerto.VpgSettingsVM{{VMIdentifier: "urn:vcloud:vm:1",
			Recovery: &zerto.VMRecovery{VCD: &zerto.VMVcdRecovery{StoragePolicyIdentifier: policy.StoragePolicyIdentifier}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitVpgStatus(ctx, id, zerto.VpgMeetingSLA); err != nil {
		t.Fatal(err)
	}
	if err := c.Edit(ctx, id, func(s *zerto.VpgSettings) { s.Basic.Priority = "Low" }); err != nil {
		t.Fatal(err)
	}
	if _, err := c.VpgByName(ctx, "pg"); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, id, zerto.VpgDeleteData{}); err != nil {
		t.Fatal(err)
	}
	r := zertoChecker{}.check(ReferenceDir(), sim.Recorder.Exchanges())
	if len(r.Violations) != 0 {
		t.Fatalf("violations: %v", r.Violations)
	}
	for _, op := range []string{"POST " + zertoTokenPath, "PUT /v1/vpgSettings/{vpgSettingsIdentifier}", "GET /v1/vpgs/{vpgIdentifier}",
		"DELETE /v1/vpgs/{vpgIdentifier}", "GET /v1/virtualizationsites/{siteIdentifier}/orgvdcs/{orgVdcIdentifier}/storagepolicies"} {
		if r.Operations[op] == 0 {
			t.Errorf("%s was not checked: %v", op, r.Operations)
		}
	}
}

// A Swagger 2.0 description is converted before it is used.
func TestZertoLoadsSwagger2(t *testing.T) {
	dir := t.TempDir()
	doc := `{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{"/v1/zorgs":{"get":{"produces":["application/json"],
	"responses":{"200":{"description":"ok","schema":{"type":"array","items":{"type":"object","additionalProperties":false,
	"properties":{"zorgName":{"type":"string"}}}}}}}}}}`
	if err := os.WriteFile(filepath.Join(dir, zertoReference), []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	ex := []record.Exchange{
		{System: "zerto", Method: "GET", Path: "/v1/zorgs", Status: 200, RespHeader: zertoJSONHeader(), RespBody: []byte(`[{"ZorgName":"z"}]`)},
		{System: "zerto", Method: "GET", Path: "/v1/zorgs", Status: 200, RespHeader: zertoJSONHeader(), RespBody: []byte(`[{"ZorgIdentifier":"z"}]`)},
	}
	r := zertoChecker{}.check(dir, ex)
	if r.NotChecked != "" || r.Checked != 2 || len(r.Violations) != 1 || !strings.Contains(r.Violations[0].Message, "ZorgIdentifier") {
		t.Fatalf("result %+v", r)
	}
}

// The simulator refuses properties its settings types do not define and
// the client sends only properties its types define: both sets must be the
// description's, or the simulator would refuse a valid request (or accept
// an invalid one) and the client would send what a ZVM ignores.
func TestZertoWireTypesMatchTheDescription(t *testing.T) {
	doc := zertoDoc(t)
	const ns = "Zerto.Zvm.Api.Interfaces."
	for _, tc := range []struct {
		schema string
		typ    any
		exact  bool // the simulator's types: every property, no other
	}{
		{"VpgSettings.VpgSettingsApi", zertosim.Settings{}, true},
		{"VpgSettings.VpgSettingsBasicApi", zertosim.Basic{}, true},
		{"VpgSettings.VpgSettingsJournalApi", zertosim.Journal{}, true},
		{"VpgSettings.VpgSettingsJournalLimitationApi", zertosim.JournalLimitation{}, true},
		{"VpgSettings.VpgSettingsRecoveryApi", zertosim.Recovery{}, true},
		{"VpgSettings.VpgSettingsVcdRecoveryApi", zertosim.VcdRecovery{}, true},
		{"VpgSettings.VpgSettingsNetworksApi", zertosim.Networks{}, true},
		{"VpgSettings.VpgSettingsNetworkApi", zertosim.Network{}, true},
		{"VpgSettings.VpgSettingsVcdNetworkApi", zertosim.VcdNetwork{}, true},
		{"VpgSettings.VpgSettingsVcdNetworksMappingApi", zertosim.NetworkMapping{}, true},
		{"VpgSettings.VpgSettingsProtectedApi", zertosim.Protected{}, true},
		{"VpgSettings.VpgSettingsVcdProtectedApi", zertosim.VcdProtected{}, true},
		{"VpgSettings.VpgSettingsVmApi", zertosim.VM{}, true},
		{"VpgSettings.VpgSettingsVmRecoveryApi", zertosim.VMRecovery{}, true},
		{"VpgSettings.VpgSettingsVmVcdRecoveryApi", zertosim.VMVcdRecovery{}, true},
		{"Vpgs.VpgDeleteDataApi", zertosim.DeleteData{}, true},
		{"VpgSettings.VpgSettingsApi", zerto.VpgSettings{}, false},
		{"VpgSettings.VpgSettingsBasicApi", zerto.VpgSettingsBasic{}, false},
		{"VpgSettings.VpgSettingsJournalApi", zerto.VpgSettingsJournal{}, false},
		{"VpgSettings.VpgSettingsRecoveryApi", zerto.VpgSettingsRecovery{}, false},
		{"VpgSettings.VpgSettingsVcdNetworkApi", zerto.VcdNetwork{}, false},
		{"VpgSettings.VpgSettingsVcdNetworksMappingApi", zerto.NetworkMapping{}, false},
		{"VpgSettings.VpgSettingsVcdProtectedApi", zerto.VcdProtected{}, false},
		{"VpgSettings.VpgSettingsVmApi", zerto.VpgSettingsVM{}, false},
		{"VpgSettings.VpgSettingsVmRecoveryApi", zerto.VMRecovery{}, false},
		{"Vpgs.VpgDeleteDataApi", zerto.VpgDeleteData{}, false},
	} {
		ref := doc.Components.Schemas[ns+tc.schema]
		if ref == nil {
			t.Fatalf("the description has no schema %s", tc.schema)
		}
		props := map[string]bool{}
		for p := range ref.Value.Properties {
			props[strings.ToLower(p)] = true
		}
		fields := map[string]bool{}
		rt := reflect.TypeOf(tc.typ)
		for i := range rt.NumField() {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			fields[strings.ToLower(name)] = true
			if !props[strings.ToLower(name)] {
				t.Errorf("%s.%s: the description's %s defines no %q", rt.PkgPath(), rt.Name(), tc.schema, name)
			}
		}
		if tc.exact {
			for p := range props {
				if !fields[p] {
					t.Errorf("%s.%s lacks %s's property %q: the simulator would refuse it", rt.PkgPath(), rt.Name(), tc.schema, p)
				}
			}
		}
	}
}
