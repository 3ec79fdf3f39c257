package contract

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/sim/record"
)

func scimExchange(method, path string, reqBody string, status int, respBody string, hdr map[string]string) record.Exchange {
	e := record.Exchange{System: "scim", Method: method, Path: "/scim/v2" + path, Status: status,
		ReqHeader: http.Header{}, RespHeader: http.Header{}, ReqBody: []byte(reqBody), RespBody: []byte(respBody)}
	if reqBody != "" {
		e.ReqHeader.Set("Content-Type", "application/scim+json")
	}
	if respBody != "" {
		e.RespHeader.Set("Content-Type", "application/scim+json")
	}
	for k, v := range hdr {
		e.RespHeader.Set(k, v)
	}
	return e
}

const goodUser = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"u1","userName":"alice",
 "meta":{"resourceType":"User","created":"2026-01-01T00:00:00Z","lastModified":"2026-01-01T00:00:00Z",
 "location":"https://scim.example/scim/v2/Users/u1","version":"W/\"1\""}}`

func TestSCIMCheckerAcceptsConformingTraffic(t *testing.T) {
	ex := []record.Exchange{
		scimExchange("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice"}`,
			201, goodUser, map[string]string{"Location": "https://scim.example/scim/v2/Users/u1", "ETag": `W/"1"`}),
		scimExchange("PATCH", "/Users/u1", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`,
			200, goodUser, nil),
		scimExchange("GET", "/Users", "", 200, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"Resources":[`+goodUser+`]}`, nil),
		scimExchange("GET", "/Users/u2", "", 404, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404","detail":"not found"}`, nil),
		scimExchange("DELETE", "/Users/u1", "", 204, "", nil),
	}
	r := scimChecker{}.check("", ex)
	if len(r.Violations) != 0 || r.Checked != len(ex) {
		t.Fatalf("checked %d, violations %v", r.Checked, r.Violations)
	}
}

func TestSCIMCheckerFindsViolations(t *testing.T) {
	cases := []struct {
		name string
		ex   record.Exchange
		want string
	}{
		{"error status as a number", scimExchange("GET", "/Users/x", "", 404,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":404}`, nil), "JSON string"},
		{"error without the Error schema", scimExchange("GET", "/Users/x", "", 404, `{"status":"404"}`, nil), "schemas lacks"},
		{"unknown scimType", scimExchange("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a"}`, 409,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"duplicate"}`, nil), "scimType"},
		{"create without Location", scimExchange("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice"}`,
			201, goodUser, nil), "Location"},
		{"create answered 200", scimExchange("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice"}`,
			200, goodUser, map[string]string{"Location": "https://scim.example/scim/v2/Users/u1"}), "201"},
		{"resource without meta", scimExchange("GET", "/Users/u1", "", 200,
			`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"u1","userName":"alice"}`, nil), "meta is missing"},
		{"ETag differs from meta.version", scimExchange("GET", "/Users/u1", "", 200, goodUser, map[string]string{"ETag": `W/"2"`}), "ETag"},
		{"patch without PatchOp schema", scimExchange("PATCH", "/Users/u1", `{"Operations":[{"op":"replace","path":"active","value":false}]}`,
			200, goodUser, nil), "PatchOp"},
		{"patch remove without path", scimExchange("PATCH", "/Groups/g1", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove"}]}`,
			204, "", nil), "remove needs a path"},
		{"list without totalResults", scimExchange("GET", "/Groups", "", 200,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"Resources":[]}`, nil), "totalResults"},
		{"answer as application/json", func() record.Exchange {
			e := scimExchange("GET", "/Users/u1", "", 200, goodUser, nil)
			e.RespHeader.Set("Content-Type", "application/json")
			return e
		}(), "application/scim+json"},
		{"delete answered 200", scimExchange("DELETE", "/Users/u1", "", 200, "", nil), "204"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := scimChecker{}.check("", []record.Exchange{tc.ex})
			for _, v := range r.Violations {
				if strings.Contains(v.Message, tc.want) {
					return
				}
			}
			t.Fatalf("want a violation containing %q, got %v", tc.want, r.Violations)
		})
	}
}
