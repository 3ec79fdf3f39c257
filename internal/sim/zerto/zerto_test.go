package zerto

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
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
