package vcd_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/vmware/go-vcloud-director/v2/types/v56"

	"github.com/tenantops/tenantops/internal/sim/vcd"
)

// raw sends one request to the simulator as an authenticated client would.
func raw(t *testing.T, s *vcd.Server, token, method, path string) (int, []byte) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(s.CAPEM))
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	req, _ := http.NewRequest(method, s.URL+path, nil)
	if token != "" {
		req.Header.Set("X-Vmware-Vcloud-Access-Token", token)
	}
	req.Header.Set("Accept", "application/*+xml;version=37.0")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func login(t *testing.T, s *vcd.Server) string {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(s.CAPEM))
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	req, _ := http.NewRequest("POST", s.URL+"/cloudapi/1.0.0/sessions/provider", nil)
	req.SetBasicAuth("admin@System", "admin-password")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	tok := resp.Header.Get("X-VMWARE-VCLOUD-ACCESS-TOKEN")
	if resp.StatusCode != 200 || tok == "" {
		t.Fatalf("login: %d %q", resp.StatusCode, tok)
	}
	return tok
}

func TestWireQueryIrregularURLsAndPaging(t *testing.T) {
	t.Parallel()
	s := start(t, vcd.Options{QueryPageSize: 1, ProviderVDCs: []vcd.ProviderVDCSeed{
		{Name: "pvdc 1", StorageProfiles: []string{"gold", "silver", "bronze"}, NetworkPools: []string{"np-1"}},
	}})
	tok := login(t, s)
	for _, q := range []string{
		"/api/query?&type=providerVdc&filter=name==pvdc%201&filterEncoded=true",
		"/api/query?filterEncoded=true&filter=name==pvdc+1&type=providerVdc",
		"/api/query?type=providerVdc&filter=name%3D%3Dpvdc%25201",
	} {
		code, body := raw(t, s, tok, "GET", q)
		var res types.QueryResultRecordsType
		if err := xml.Unmarshal(body, &res); err != nil || code != 200 {
			t.Fatalf("%s: %d %v %s", q, code, err, body)
		}
		if len(res.VMWProviderVdcRecord) != 1 || res.VMWProviderVdcRecord[0].Name != "pvdc 1" || res.Total != 1 {
			t.Fatalf("%s: %s", q, body)
		}
	}
	// Paging: totals stay consistent and each page holds pageSize records.
	seen := map[string]bool{}
	for page := 1; page <= 3; page++ {
		code, body := raw(t, s, tok, "GET", "/api/query?type=providerVdcStorageProfile&page="+string(rune('0'+page)))
		var res types.QueryResultRecordsType
		if err := xml.Unmarshal(body, &res); err != nil || code != 200 {
			t.Fatalf("page %d: %d %v", page, code, err)
		}
		if res.Total != 3 || res.Page != page || res.PageSize != 1 || len(res.ProviderVdcStorageProfileRecord) != 1 {
			t.Fatalf("page %d: %s", page, body)
		}
		seen[res.ProviderVdcStorageProfileRecord[0].Name] = true
	}
	if len(seen) != 3 {
		t.Fatalf("pages repeated records: %v", seen)
	}
}

func TestWireErrorsAndHrefs(t *testing.T) {
	t.Parallel()
	s := start(t, vcd.Options{})
	code, body := raw(t, s, "", "GET", "/api/org")
	if code != 401 || !strings.Contains(string(body), `<Error xmlns="http://www.vmware.com/vcloud/v1.5" message=`) {
		t.Fatalf("unauthenticated: %d %s", code, body)
	}
	tok := login(t, s)
	// Cloud Director answers 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN, not 404,
	// for an org or VDC that does not exist.
	for _, p := range []string{"/api/admin/org/0f5e2c1d-3b4a-4e6f-9a8b-7c6d5e4f3a21", "/api/admin/vdc/0f5e2c1d-3b4a-4e6f-9a8b-7c6d5e4f3a21",
		"/api/vdc/0f5e2c1d-3b4a-4e6f-9a8b-7c6d5e4f3a21", "/api/admin/org/0f5e2c1d-3b4a-4e6f-9a8b-7c6d5e4f3a21/settings/oauth"} {
		code, body = raw(t, s, tok, "GET", p)
		var e types.Error
		if err := xml.Unmarshal(body, &e); err != nil || code != 403 || e.MajorErrorCode != 403 || e.MinorErrorCode != "ACCESS_TO_RESOURCE_IS_FORBIDDEN" ||
			!strings.Contains(e.Message, "does not exist") {
			t.Fatalf("missing entity %s: %d %s", p, code, body)
		}
	}
	code, body = raw(t, s, tok, "GET", "/api/versions")
	if code != 200 || !strings.Contains(string(body), "<Version>37.0</Version>") || !strings.Contains(string(body), "<LoginUrl>https://") {
		t.Fatalf("versions: %d %s", code, body)
	}
}
