package scim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/tlsutil"
)

type rawClient struct {
	t   *testing.T
	s   *Server
	hc  *http.Client
	tok string
}

func start(t *testing.T, o Options) *rawClient {
	t.Helper()
	s, err := Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	hc, err := tlsutil.Options{CAPEM: s.CAPEM}.HTTPClient(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return &rawClient{t: t, s: s, hc: hc, tok: s.Token}
}

func (c *rawClient) do(method, path, body string, hdr ...string) (int, http.Header, map[string]any) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.s.URL+path, strings.NewReader(body))
	if c.tok != "" {
		req.Header.Set("Authorization", "Bearer "+c.tok)
	}
	req.Header.Set("Content-Type", "application/scim+json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, resp.Header, m
}

func TestServiceProviderConfig(t *testing.T) {
	for _, disable := range []bool{false, true} {
		c := start(t, Options{DisablePatch: disable})
		code, _, m := c.do("GET", "/ServiceProviderConfig", "")
		if code != 200 {
			t.Fatalf("status %d", code)
		}
		patch := m["patch"].(map[string]any)["supported"]
		etag := m["etag"].(map[string]any)["supported"]
		filter := m["filter"].(map[string]any)["supported"]
		if patch != !disable || etag != true || filter != true {
			t.Fatalf("config = %v", m)
		}
	}
}

func TestAuth(t *testing.T) {
	c := start(t, Options{Token: "s3cret"})
	c.tok = "nope"
	code, h, m := c.do("GET", "/Users", "")
	if code != 401 || h.Get("WWW-Authenticate") == "" || m["schemas"].([]any)[0] != "urn:ietf:params:scim:api:messages:2.0:Error" {
		t.Fatalf("bad token: %d %v", code, m)
	}
	c.tok = "s3cret"
	if code, _, _ := c.do("GET", "/Users", ""); code != 200 {
		t.Fatalf("good token: %d", code)
	}
}

func create(t *testing.T, c *rawClient, name string) (string, string) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": name})
	code, h, m := c.do("POST", "/Users", string(b))
	if code != 201 {
		t.Fatalf("create %q: %d %v", name, code, m)
	}
	return m["id"].(string), h.Get("Etag")
}

func TestPatchDisabled(t *testing.T) {
	c := start(t, Options{DisablePatch: true})
	id, _ := create(t, c, "alice")
	code, _, m := c.do("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"A"}]}`)
	if code != 501 || m["status"] != "501" || !strings.Contains(m["detail"].(string), "PATCH is not supported") {
		t.Fatalf("PATCH: %d %v", code, m)
	}
	if c.s.Calls("PATCH", "Users") != 1 {
		t.Fatalf("PATCH not counted")
	}
}

func TestIfMatchAndPatch(t *testing.T) {
	c := start(t, Options{})
	id, tag := create(t, c, "alice")
	if tag != `W/"1"` {
		t.Fatalf("etag %q", tag)
	}
	patch := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` +
		`{"op":"replace","path":"displayName","value":"Alice"},` +
		`{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Ops"},` +
		`{"op":"replace","path":"name.givenName","value":"Al"}]}`
	code, h, m := c.do("PATCH", "/Users/"+id, patch, "If-Match", tag)
	if code != 200 || h.Get("Etag") != `W/"2"` {
		t.Fatalf("patch: %d %v", code, m)
	}
	u := c.s.User(id)
	ent, _ := u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].(map[string]any)
	if u["displayName"] != "Alice" || ent["department"] != "Ops" || u["name"].(map[string]any)["givenName"] != "Al" {
		t.Fatalf("stored %v", u)
	}
	// The old tag no longer matches: PATCH, PUT and DELETE are refused.
	if code, _, _ := c.do("PATCH", "/Users/"+id, patch, "If-Match", tag); code != 412 {
		t.Fatalf("stale PATCH: %d", code)
	}
	if code, _, _ := c.do("PUT", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice"}`, "If-Match", tag); code != 412 {
		t.Fatalf("stale PUT: %d", code)
	}
	if code, _, _ := c.do("DELETE", "/Users/"+id, "", "If-Match", tag); code != 412 {
		t.Fatalf("stale DELETE: %d", code)
	}
	if code, _, _ := c.do("DELETE", "/Users/"+id, "", "If-Match", `W/"2"`); code != 204 {
		t.Fatalf("DELETE: %d", code)
	}
	if inv := c.s.Inventory(); len(inv) != 0 {
		t.Fatalf("inventory %v", inv)
	}
}

func TestFilterEscapes(t *testing.T) {
	c := start(t, Options{})
	tricky := `a"b\c`
	id, _ := create(t, c, tricky)
	create(t, c, `a"b`)
	q := url.Values{"filter": {`userName eq "a\"b\\c"`}}.Encode()
	code, _, m := c.do("GET", "/Users?"+q, "")
	if code != 200 || m["totalResults"].(float64) != 1 {
		t.Fatalf("filter: %d %v", code, m)
	}
	if got := m["Resources"].([]any)[0].(map[string]any)["id"]; got != id {
		t.Fatalf("matched %v, want %s", got, id)
	}
	// Case-insensitive, as userName is.
	q = url.Values{"filter": {`userName eq "A\"B\\C"`}}.Encode()
	if _, _, m := c.do("GET", "/Users?"+q, ""); m["totalResults"].(float64) != 1 {
		t.Fatalf("case-insensitive filter: %v", m)
	}
}

func TestGroupMembersPatchAndUserDelete(t *testing.T) {
	c := start(t, Options{})
	a, _ := create(t, c, "a")
	b, _ := create(t, c, "b")
	code, _, m := c.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"g","members":[{"value":"`+a+`"}]}`)
	if code != 201 {
		t.Fatalf("group: %d %v", code, m)
	}
	gid := m["id"].(string)
	code, _, m = c.do("PATCH", "/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`+
		`{"op":"add","path":"members","value":[{"value":"`+b+`"},{"value":"`+a+`"}]},`+
		`{"op":"remove","path":"members[value eq \"`+a+`\"]"}]}`)
	if code != 200 {
		t.Fatalf("patch members: %d %v", code, m)
	}
	if got := c.s.GroupMembers(gid); len(got) != 1 || got[0] != b {
		t.Fatalf("members %v", got)
	}
	c.s.DeleteUser(b)
	if got := c.s.GroupMembers(gid); len(got) != 0 {
		t.Fatalf("deleted user still a member: %v", got)
	}
	if inv := strings.Join(c.s.Inventory(), ","); inv != "group/g,user/a" {
		t.Fatalf("inventory %s", inv)
	}
}
