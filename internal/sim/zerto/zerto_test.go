package zerto

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func start(t *testing.T) (*Server, *http.Client) {
	t.Helper()
	s, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(s.CAPEM)) {
		t.Fatal("CAPEM holds no certificate")
	}
	return s, &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func call(t *testing.T, hc *http.Client, method, u, token, body string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func token(t *testing.T, s *Server, hc *http.Client) string {
	t.Helper()
	resp, err := hc.PostForm(s.URL+"/auth/realms/zerto/protocol/openid-connect/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {s.opts.ClientID}, "client_secret": {s.opts.ClientSecret}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" || tok.ExpiresIn <= 0 {
		t.Fatalf("token answer: %+v, %v", tok, err)
	}
	return tok.AccessToken
}

func TestAuthRequired(t *testing.T) {
	s, hc := start(t)
	code, _, body := call(t, hc, "GET", s.URL+"/v1/vpgs", "", "")
	if code != 401 || !strings.Contains(string(body), `"Message"`) {
		t.Fatalf("unauthenticated call: %d %s", code, body)
	}
	code, _, _ = call(t, hc, "GET", s.URL+"/v1/vpgs", "forged", "")
	if code != 401 {
		t.Fatalf("forged token accepted: %d", code)
	}
}

func TestSettingsObjectsAreInventoriedAndPascalCase(t *testing.T) {
	s, hc := start(t)
	tok := token(t, s, hc)
	code, _, body := call(t, hc, "POST", s.URL+"/v1/vpgSettings", tok, "{}")
	var id string
	if code != 200 || json.Unmarshal(body, &id) != nil || id == "" {
		t.Fatalf("new settings: %d %s", code, body)
	}
	if inv := s.Inventory(); len(inv) != 1 || inv[0] != "vpgSettings/"+id {
		t.Fatalf("inventory = %v", inv)
	}
	code, _, body = call(t, hc, "GET", s.URL+"/v1/vpgSettings/"+id+"/basic", tok, "")
	if code != 200 || !strings.Contains(string(body), `"RpoInSeconds":300`) || !strings.Contains(string(body), `"VpgType":"Remote"`) {
		t.Fatalf("basic settings: %d %s", code, body)
	}
	// Committing incomplete settings consumes them and fails the task.
	code, _, body = call(t, hc, "POST", s.URL+"/v1/vpgSettings/"+id+"/commit", tok, "")
	var task string
	if code != 200 || json.Unmarshal(body, &task) != nil || !strings.Contains(task, ".") {
		t.Fatalf("commit: %d %s", code, body)
	}
	if inv := s.Inventory(); len(inv) != 0 {
		t.Fatalf("settings not consumed by commit: %v", inv)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		_, _, body = call(t, hc, "GET", s.URL+"/v1/tasks/"+task, tok, "")
		var tk struct {
			Status         struct{ State int }
			CompleteReason string
		}
		if err := json.Unmarshal(body, &tk); err != nil {
			t.Fatal(err)
		}
		if tk.Status.State == 4 {
			if !strings.Contains(tk.CompleteReason, "VPG name must not be empty") {
				t.Fatalf("reason = %q", tk.CompleteReason)
			}
			break
		}
		if tk.Status.State != 1 || time.Now().After(deadline) {
			t.Fatalf("task: %s", body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	code, _, body = call(t, hc, "GET", s.URL+"/v1/vpgSettings/"+id, tok, "")
	if code != 404 || !strings.Contains(string(body), `"Message":"VPG settings with identifier`) {
		t.Fatalf("consumed settings: %d %s", code, body)
	}
}

func TestSessionHeaderLogin(t *testing.T) {
	s, hc := start(t)
	req, _ := http.NewRequest("POST", s.URL+"/v1/session/add", nil)
	req.SetBasicAuth(s.opts.Username, s.opts.Password)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	sess := resp.Header.Get("x-zerto-session")
	if resp.StatusCode != 200 || sess == "" {
		t.Fatalf("session/add: %d %q", resp.StatusCode, sess)
	}
	req, _ = http.NewRequest("GET", s.URL+"/v1/localsite", nil)
	req.Header.Set("x-zerto-session", sess)
	resp, err = hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var site map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&site)
	resp.Body.Close()
	if resp.StatusCode != 200 || site["SiteName"] != LocalSiteName || site["SiteType"] != SiteType {
		t.Fatalf("localsite: %d %v", resp.StatusCode, site)
	}
}

// The old simulator bound any field; a real ZVM may drop an unknown one
// silently, which hides a client's mistake. Refusing it names the field.
func TestUndefinedFieldsAreRefused(t *testing.T) {
	s, hc := start(t)
	tok := token(t, s, hc)
	_, _, body := call(t, hc, "POST", s.URL+"/v1/vpgSettings", tok, "{}")
	var id string
	if err := json.Unmarshal(body, &id); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ method, path, body, field string }{
		{"PUT", "/v1/vpgSettings/" + id, `{"Basic":{"Name":"x"},"Protected":{"VCD":{"OrgVdcIdentifier":"urn:vcloud:vdc:1"}}}`, "OrgVdcIdentifier"},
		{"POST", "/v1/vpgSettings", `{"Basic":{"Name":"x","SourceVdc":"v"}}`, "SourceVdc"},
		{"PUT", "/v1/vpgSettings/" + id + "/basic", `{"Name":"x","Rpo":300}`, "Rpo"},
		{"POST", "/v1/vpgSettings/" + id + "/vms", `{"VmIdentifier":"vm-1","StoragePolicy":"gold"}`, "StoragePolicy"},
	} {
		code, _, body := call(t, hc, tc.method, s.URL+tc.path, tok, tc.body)
		if code != 400 || !strings.Contains(string(body), `unknown field \"`+tc.field+`\"`) {
			t.Errorf("%s %s with %s: %d %s", tc.method, tc.path, tc.field, code, body)
		}
	}
	// Names bind case-insensitively, as the appliance's binder does.
	code, _, body := call(t, hc, "PUT", s.URL+"/v1/vpgSettings/"+id, tok, `{"basic":{"name":"lower"},"protected":{"vcd":{"vcdVappIdentifier":"a"}}}`)
	if code != 200 {
		t.Fatalf("camelCase settings: %d %s", code, body)
	}
}

// RFC 6749 5.1: an answer carrying a token is not to be cached. The old
// simulator sent neither header.
func TestTokenAnswersAreNotCached(t *testing.T) {
	s, hc := start(t)
	for _, form := range []url.Values{
		{"grant_type": {"client_credentials"}, "client_id": {s.opts.ClientID}, "client_secret": {s.opts.ClientSecret}},
		{"grant_type": {"client_credentials"}, "client_id": {s.opts.ClientID}, "client_secret": {"wrong"}},
	} {
		resp, err := hc.PostForm(s.URL+"/auth/realms/zerto/protocol/openid-connect/token", form)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Pragma") != "no-cache" {
			t.Errorf("%d answer headers %v", resp.StatusCode, resp.Header)
		}
		if resp.StatusCode == 401 && body["error"] != "invalid_client" {
			t.Errorf("bad client credentials answered %v, want invalid_client", body)
		}
	}
}

// The description's LocalSiteApi, VpgApi and TaskApi carry their
// identifier in Link only; the old simulator added SiteIdentifier,
// VpgIdentifier and TaskIdentifier, which the description does not define.
func TestIdentifiersAreInLinks(t *testing.T) {
	s, hc := start(t)
	tok := token(t, s, hc)
	_, _, body := call(t, hc, "GET", s.URL+"/v1/localsite", tok, "")
	var site map[string]any
	if err := json.Unmarshal(body, &site); err != nil {
		t.Fatal(err)
	}
	link, _ := site["Link"].(map[string]any)
	if _, has := site["SiteIdentifier"]; has || link["identifier"] == "" || link["identifier"] == nil {
		t.Fatalf("localsite = %s", body)
	}
	// .NET TimeSpans ("date-span"), not the seconds the old simulator sent.
	if _, _, body := call(t, hc, "GET", s.URL+"/v1/serviceprofiles", tok, ""); !strings.Contains(string(body), `"Rpo":"00:05:00"`) {
		t.Fatalf("service profile durations: %s", body)
	}
	for _, path := range []string{"/v1/serviceprofiles", "/v1/zorgs", "/v1/peersites"} {
		_, _, body := call(t, hc, "GET", s.URL+path, tok, "")
		if !strings.Contains(string(body), `"identifier":`) {
			t.Fatalf("%s has no link identifier: %s", path, body)
		}
		for _, bad := range []string{"ServiceProfileIdentifier", "ZorgIdentifier", `"SiteIdentifier"`} {
			if strings.Contains(string(body), bad) {
				t.Fatalf("%s carries %s: %s", path, bad, body)
			}
		}
	}
}

// world is a simulator protecting the vApps of *apps.
func world(t *testing.T, apps *[]VApp) (*Server, *http.Client, string) {
	t.Helper()
	s, err := Start(Options{TaskDuration: 20 * time.Millisecond, InitialSync: 20 * time.Millisecond,
		VApps: func() []VApp { return *apps }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(s.CAPEM))
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	return s, hc, token(t, s, hc)
}

// commitVApp commits a VPG protecting app with its VMs listed and returns
// the commit task's final state and reason.
func commitVApp(t *testing.T, s *Server, hc *http.Client, tok, name string, app VApp) (int, string) {
	t.Helper()
	return commitVAppVMs(t, s, hc, tok, name, app, true)
}

// commitVAppVMs is commitVApp with or without the VMs' storage policy.
func commitVAppVMs(t *testing.T, s *Server, hc *http.Client, tok, name string, app VApp, policy bool) (int, string) {
	t.Helper()
	s.mu.Lock()
	rs, vdc := s.peers[0], s.peers[0].Vdcs[0]
	body := map[string]any{
		"Basic": map[string]any{"Name": name, "RpoInSeconds": 300, "JournalHistoryInHours": 24, "Priority": "Low",
			"ProtectedSiteIdentifier": s.local.ID, "RecoverySiteIdentifier": rs.ID},
		"Recovery":  map[string]any{"VCD": map[string]any{"OrgVdcIdentifier": vdc.ID}},
		"Protected": map[string]any{"VCD": map[string]any{"VcdVappIdentifier": app.ID}},
	}
	var vms []any
	for _, vm := range app.VMs {
		v := map[string]any{"VmIdentifier": vm.ID}
		if policy {
			v["Recovery"] = map[string]any{"VCD": map[string]any{"StoragePolicyIdentifier": vdc.Policies[0].ID}}
		}
		vms = append(vms, v)
	}
	body["Vms"] = vms
	s.mu.Unlock()
	b, _ := json.Marshal(body)
	_, _, out := call(t, hc, "POST", s.URL+"/v1/vpgSettings", tok, "{}")
	var id, task string
	_ = json.Unmarshal(out, &id)
	if code, _, out := call(t, hc, "PUT", s.URL+"/v1/vpgSettings/"+id, tok, string(b)); code != 200 {
		t.Fatalf("PUT settings: %d %s", code, out)
	}
	_, _, out = call(t, hc, "POST", s.URL+"/v1/vpgSettings/"+id+"/commit", tok, "")
	_ = json.Unmarshal(out, &task)
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		_, _, out = call(t, hc, "GET", s.URL+"/v1/tasks/"+task, tok, "")
		var tk struct {
			Status         struct{ State int }
			CompleteReason string
		}
		_ = json.Unmarshal(out, &tk)
		if tk.Status.State != 1 {
			return tk.Status.State, tk.CompleteReason
		}
	}
	t.Fatal("commit task did not end")
	return 0, ""
}

// Zerto protects VMs: a vApp without any gives a VPG nothing to protect.
// VMs placed in the protected vApp later join the VPG; a VPG whose VMs are
// all gone is removed (ZVM Administration Guide).
func TestVAppsAndTheirVMs(t *testing.T) {
	apps := []VApp{{ID: "urn:vcloud:vapp:1", Name: "empty"}, {ID: "urn:vcloud:vapp:2", Name: "web",
		VMs: []VMRef{{ID: "urn:vcloud:vm:1", Name: "web-1"}}}}
	s, hc, tok := world(t, &apps)

	if state, reason := commitVApp(t, s, hc, tok, "pg-empty", apps[0]); state != 4 || !strings.Contains(reason, "vApp 'empty' has no virtual machines") {
		t.Fatalf("empty vApp: state %d, %q", state, reason)
	}
	// A VM recovering to Cloud Director needs a storage policy.
	if state, reason := commitVAppVMs(t, s, hc, tok, "pg-nopolicy", apps[1], false); state != 4 ||
		!strings.Contains(reason, "VM 'web/web-1' has no recovery storage policy") {
		t.Fatalf("VM without a storage policy: state %d, %q", state, reason)
	}
	if state, reason := commitVApp(t, s, hc, tok, "pg-web", apps[1]); state != 6 {
		t.Fatalf("vApp web: state %d, %q", state, reason)
	}
	// The VPG has no ZORG nor service profile: VpgApi's links are left out
	// (the description does not let them be null, as the old simulator sent).
	if _, _, body := call(t, hc, "GET", s.URL+"/v1/vpgs", tok, ""); strings.Contains(string(body), `"Zorg"`) ||
		strings.Contains(string(body), `"ServiceProfile"`) || strings.Contains(string(body), "VpgIdentifier") {
		t.Fatalf("VPG list: %s", body)
	}
	_, _, body := call(t, hc, "GET", s.URL+"/v1/virtualizationsites/"+s.local.ID+"/vcdvapps", tok, "")
	if !strings.Contains(string(body), `"VcdName":"empty"`) || strings.Contains(string(body), `"web"`) {
		t.Fatalf("unprotected vApps = %s", body)
	}
	if state, reason := commitVApp(t, s, hc, tok, "pg-twin", apps[1]); state != 4 || !strings.Contains(reason, "already protected by VPG 'pg-web'") {
		t.Fatalf("second VPG of a protected vApp: state %d, %q", state, reason)
	}

	apps[1].VMs = append(apps[1].VMs, VMRef{ID: "urn:vcloud:vm:2", Name: "web-2"})
	if v, _ := s.Vpg("pg-web"); len(v.VMs) != 2 || !slices.Equal(v.StoragePolicies, []string{StoragePolicy}) {
		t.Fatalf("a VM placed in the protected vApp did not join with the vApp's defaults: %+v", v)
	}
	apps[1].VMs = nil
	if inv := s.Inventory(); len(inv) != 0 {
		t.Fatalf("a VPG without VMs was kept: %v", inv)
	}
}
