package contract

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/tenantops/tenantops/internal/sim/record"
)

// scimChecker holds SCIM traffic to RFC 7643 (resource shapes) and RFC 7644
// (protocol). The RFCs are public standards, not files in the reference
// directory, so it needs none; what it checks is written out below with the
// section each rule comes from.
type scimChecker struct{}

// SCIM message schema URNs (RFC 7644 §3.4.2, §3.5.2, §3.12; RFC 7643 §8.7).
const (
	scimUserURN     = "urn:ietf:params:scim:schemas:core:2.0:User"
	scimGroupURN    = "urn:ietf:params:scim:schemas:core:2.0:Group"
	scimListURN     = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	scimErrorURN    = "urn:ietf:params:scim:api:messages:2.0:Error"
	scimPatchURN    = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	scimSPCURN      = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	scimResTypeURN  = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	scimSchemaURN   = "urn:ietf:params:scim:schemas:core:2.0:Schema"
	scimContentType = "application/scim+json"
)

// scimTypes are the error scimType keywords of RFC 7644 §3.12, table 9.
var scimTypes = map[string]bool{"invalidFilter": true, "tooMany": true, "uniqueness": true, "mutability": true,
	"invalidSyntax": true, "invalidPath": true, "noTarget": true, "invalidValue": true, "invalidVers": true,
	"sensitive": true}

func (scimChecker) system() string    { return "scim" }
func (scimChecker) against() []string { return nil }

func (scimChecker) endpoints() []string {
	return []string{
		"GET /ServiceProviderConfig", "GET /ResourceTypes", "GET /Schemas",
		"POST /Users", "GET /Users", "GET /Users/{id}", "PUT /Users/{id}", "PATCH /Users/{id}", "DELETE /Users/{id}",
		"POST /Groups", "GET /Groups", "GET /Groups/{id}", "PUT /Groups/{id}", "PATCH /Groups/{id}", "DELETE /Groups/{id}",
	}
}

func (scimChecker) check(_ string, ex []record.Exchange) Result {
	r := Result{Against: "RFC 7643 (SCIM core schema), RFC 7644 (SCIM protocol)"}
	for _, e := range ex {
		op, ok := scimOperation(e.Method, e.Path)
		if !ok {
			count(&r.Undescribed, e.Method+" "+e.Path)
			continue
		}
		r.Checked++
		count(&r.Operations, op)
		for _, p := range scimProblems(op, e) {
			r.Violations = append(r.Violations, Violation{Method: e.Method, Path: e.Path, Status: e.Status, Side: p.side, Message: p.msg})
		}
	}
	return r
}

// scimOperation maps a request path under the service provider's base
// (".../scim/v2") to an operation key.
func scimOperation(method, path string) (string, bool) {
	_, rest, ok := strings.Cut(path, "/scim/v2/")
	if !ok {
		return "", false
	}
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	switch {
	case len(parts) == 1 && (parts[0] == "ServiceProviderConfig" || parts[0] == "ResourceTypes" || parts[0] == "Schemas"):
		return method + " /" + parts[0], method == http.MethodGet
	case len(parts) == 1 && (parts[0] == "Users" || parts[0] == "Groups"):
		return method + " /" + parts[0], method == http.MethodGet || method == http.MethodPost
	case len(parts) == 2 && (parts[0] == "Users" || parts[0] == "Groups"):
		switch method {
		case http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete:
			return method + " /" + parts[0] + "/{id}", true
		}
	case len(parts) == 2 && (parts[0] == "ResourceTypes" || parts[0] == "Schemas"):
		return method + " /" + parts[0] + "/{id}", method == http.MethodGet
	}
	return "", false
}

type problem struct{ side, msg string }

func scimProblems(op string, e record.Exchange) []problem {
	var out []problem
	req := func(f string, a ...any) { out = append(out, problem{"request", fmt.Sprintf(f, a...)}) }
	resp := func(f string, a ...any) { out = append(out, problem{"response", fmt.Sprintf(f, a...)}) }
	kind := "User"
	if strings.Contains(op, "/Groups") {
		kind = "Group"
	}

	// Requests (RFC 7644 §3.3 create, §3.5.1 replace, §3.5.2 modify).
	if len(e.ReqBody) > 0 {
		if !scimJSONType(e.ReqHeader.Get("Content-Type"), true) {
			req("Content-Type %q: SCIM bodies are application/scim+json (RFC 7644 §3.1, §8.1)", e.ReqHeader.Get("Content-Type"))
		}
		var body map[string]any
		if err := json.Unmarshal(e.ReqBody, &body); err != nil {
			req("body is not a JSON object: %v", err)
		} else {
			switch e.Method {
			case http.MethodPost, http.MethodPut:
				if strings.Contains(op, "/Users") || strings.Contains(op, "/Groups") {
					for _, m := range scimResourceProblems(kind, body, false) {
						req("%s", m)
					}
				}
			case http.MethodPatch:
				for _, m := range scimPatchProblems(body) {
					req("%s", m)
				}
			}
		}
	}

	// Responses.
	if e.Status == http.StatusNoContent || e.Method == http.MethodDelete && e.Status < 300 {
		if e.Status != http.StatusNoContent {
			resp("DELETE answered %d: a successful delete is 204 No Content (RFC 7644 §3.6)", e.Status)
		}
		if len(e.RespBody) > 0 {
			resp("204 with a body")
		}
		return out
	}
	if len(e.RespBody) == 0 {
		if e.Status != http.StatusNotModified {
			resp("%d without a body", e.Status)
		}
		return out
	}
	if !scimJSONType(e.RespHeader.Get("Content-Type"), false) {
		resp("Content-Type %q: SCIM answers are application/scim+json (RFC 7644 §3.1, §8.1)", e.RespHeader.Get("Content-Type"))
	}
	var body map[string]any
	if err := json.Unmarshal(e.RespBody, &body); err != nil {
		resp("body is not a JSON object: %v", err)
		return out
	}
	if e.Status >= 400 {
		for _, m := range scimErrorProblems(e.Status, body) {
			resp("%s", m)
		}
		return out
	}
	switch {
	case op == "GET /ServiceProviderConfig":
		if !hasSchema(body, scimSPCURN) {
			resp("schemas lacks %s (RFC 7643 §5)", scimSPCURN)
		}
		for _, k := range []string{"patch", "bulk", "filter", "changePassword", "sort", "etag", "authenticationSchemes"} {
			if _, ok := body[k]; !ok {
				resp("ServiceProviderConfig lacks required %q (RFC 7643 §5)", k)
			}
		}
	case op == "GET /Users" || op == "GET /Groups" || op == "GET /ResourceTypes" || op == "GET /Schemas":
		for _, m := range scimListProblems(op, kind, body) {
			resp("%s", m)
		}
	case op == "GET /ResourceTypes/{id}" || op == "GET /Schemas/{id}":
	default:
		if e.Method == http.MethodPost && e.Status != http.StatusCreated {
			resp("create answered %d: a created resource is 201 (RFC 7644 §3.3)", e.Status)
		}
		for _, m := range scimResourceProblems(kind, body, true) {
			resp("%s", m)
		}
		if e.Method == http.MethodPost {
			meta, _ := body["meta"].(map[string]any)
			if loc := e.RespHeader.Get("Location"); loc == "" || meta != nil && loc != meta["location"] {
				resp("Location header %q must equal meta.location %v (RFC 7644 §3.3)", loc, meta["location"])
			}
		}
		if meta, _ := body["meta"].(map[string]any); meta != nil {
			if v, ok := meta["version"].(string); ok {
				if et := e.RespHeader.Get("ETag"); et != "" && et != v {
					resp("ETag header %q differs from meta.version %q (RFC 7644 §3.14)", et, v)
				}
			}
		}
	}
	return out
}

// scimJSONType accepts application/scim+json; a client may also send
// application/json (RFC 7644 §3.1: service providers MUST accept it).
func scimJSONType(ct string, request bool) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == scimContentType || request && mt == "application/json"
}

func hasSchema(body map[string]any, urn string) bool {
	list, _ := body["schemas"].([]any)
	for _, s := range list {
		if s == urn {
			return true
		}
	}
	return false
}

// scimResourceProblems checks a User or Group (RFC 7643 §3, §4.1, §4.2):
// the core schema URN, the required attribute, and in answers the id and
// the meta attributes the service provider assigns.
func scimResourceProblems(kind string, body map[string]any, answer bool) []string {
	var out []string
	urn, required := scimUserURN, "userName"
	if kind == "Group" {
		urn, required = scimGroupURN, "displayName"
	}
	if !hasSchema(body, urn) {
		out = append(out, fmt.Sprintf("schemas lacks %s (RFC 7643 §3)", urn))
	}
	if s, _ := body[required].(string); s == "" {
		out = append(out, fmt.Sprintf("%s %q is required (RFC 7643 §4)", kind, required))
	}
	// A null attribute is an unassigned one (RFC 7643 §2.5).
	if members, ok := body["members"]; ok && members != nil {
		list, isList := members.([]any)
		if !isList {
			out = append(out, "members is not a list (RFC 7643 §4.2)")
		}
		for i, m := range list {
			mm, _ := m.(map[string]any)
			if v, _ := mm["value"].(string); v == "" {
				out = append(out, fmt.Sprintf("members[%d].value is required (RFC 7643 §4.2)", i))
			}
		}
	}
	if emails, ok := body["emails"]; ok && emails != nil {
		if _, isList := emails.([]any); !isList {
			out = append(out, "emails is not a multi-valued attribute (RFC 7643 §4.1.2)")
		}
	}
	if !answer {
		return out
	}
	if id, _ := body["id"].(string); id == "" || id == "bulkId" {
		out = append(out, "id must be a non-empty string other than \"bulkId\" (RFC 7643 §3.1)")
	}
	meta, _ := body["meta"].(map[string]any)
	if meta == nil {
		return append(out, "meta is missing (RFC 7643 §3.1)")
	}
	if meta["resourceType"] != kind {
		out = append(out, fmt.Sprintf("meta.resourceType %v, want %q (RFC 7643 §3.1)", meta["resourceType"], kind))
	}
	for _, k := range []string{"created", "lastModified", "location"} {
		if s, _ := meta[k].(string); s == "" {
			out = append(out, fmt.Sprintf("meta.%s is missing (RFC 7643 §3.1)", k))
		}
	}
	return out
}

// scimListProblems checks a query answer (RFC 7644 §3.4.2).
func scimListProblems(op, kind string, body map[string]any) []string {
	var out []string
	if !hasSchema(body, scimListURN) {
		out = append(out, fmt.Sprintf("schemas lacks %s (RFC 7644 §3.4.2)", scimListURN))
	}
	total, ok := body["totalResults"].(float64)
	if !ok {
		out = append(out, "totalResults is required (RFC 7644 §3.4.2)")
	}
	res, present := body["Resources"]
	list, _ := res.([]any)
	if present && res != nil && list == nil {
		out = append(out, "Resources is not a list (RFC 7644 §3.4.2)")
	}
	if !present && total > 0 {
		out = append(out, "Resources is required when totalResults is not 0 (RFC 7644 §3.4.2)")
	}
	if float64(len(list)) > total {
		out = append(out, fmt.Sprintf("%d Resources but totalResults %v (RFC 7644 §3.4.2)", len(list), total))
	}
	for i, item := range list {
		m, _ := item.(map[string]any)
		if m == nil {
			out = append(out, fmt.Sprintf("Resources[%d] is not an object", i))
			continue
		}
		switch op {
		case "GET /Users", "GET /Groups":
			for _, p := range scimResourceProblems(kind, m, true) {
				out = append(out, fmt.Sprintf("Resources[%d]: %s", i, p))
			}
		case "GET /ResourceTypes":
			if !hasSchema(m, scimResTypeURN) {
				out = append(out, fmt.Sprintf("Resources[%d]: schemas lacks %s (RFC 7643 §6)", i, scimResTypeURN))
			}
			for _, k := range []string{"name", "endpoint", "schema"} {
				if s, _ := m[k].(string); s == "" {
					out = append(out, fmt.Sprintf("Resources[%d]: %s is required (RFC 7643 §6)", i, k))
				}
			}
		case "GET /Schemas":
			if id, _ := m["id"].(string); id == "" {
				out = append(out, fmt.Sprintf("Resources[%d]: id is required (RFC 7643 §7)", i))
			}
			if _, ok := m["attributes"].([]any); !ok {
				out = append(out, fmt.Sprintf("Resources[%d]: attributes is required (RFC 7643 §7)", i))
			}
		}
	}
	return out
}

// scimPatchProblems checks a PATCH request (RFC 7644 §3.5.2).
func scimPatchProblems(body map[string]any) []string {
	var out []string
	if !hasSchema(body, scimPatchURN) {
		out = append(out, fmt.Sprintf("schemas lacks %s (RFC 7644 §3.5.2)", scimPatchURN))
	}
	ops, _ := body["Operations"].([]any)
	if len(ops) == 0 {
		return append(out, "Operations is required and not empty (RFC 7644 §3.5.2)")
	}
	for i, o := range ops {
		m, _ := o.(map[string]any)
		op, _ := m["op"].(string)
		switch strings.ToLower(op) {
		case "add", "replace":
			if _, ok := m["value"]; !ok {
				out = append(out, fmt.Sprintf("Operations[%d]: %s needs a value (RFC 7644 §3.5.2.1, §3.5.2.3)", i, op))
			}
		case "remove":
			if p, _ := m["path"].(string); p == "" {
				out = append(out, fmt.Sprintf("Operations[%d]: remove needs a path (RFC 7644 §3.5.2.2)", i))
			}
		default:
			out = append(out, fmt.Sprintf("Operations[%d]: op %q is not add, remove or replace (RFC 7644 §3.5.2)", i, op))
		}
	}
	return out
}

// scimErrorProblems checks an error answer (RFC 7644 §3.12): the Error
// schema, status as a JSON string equal to the HTTP status, and scimType
// from the RFC's list.
func scimErrorProblems(status int, body map[string]any) []string {
	var out []string
	if !hasSchema(body, scimErrorURN) {
		out = append(out, fmt.Sprintf("schemas lacks %s (RFC 7644 §3.12)", scimErrorURN))
	}
	s, ok := body["status"].(string)
	if !ok {
		out = append(out, "status must be the HTTP status as a JSON string (RFC 7644 §3.12)")
	} else if s != strconv.Itoa(status) {
		out = append(out, fmt.Sprintf("status %q differs from the HTTP status %d (RFC 7644 §3.12)", s, status))
	}
	if t, ok := body["scimType"]; ok {
		if ts, _ := t.(string); !scimTypes[ts] {
			out = append(out, fmt.Sprintf("scimType %v is not one of RFC 7644 §3.12 table 9", t))
		}
	}
	return out
}
