package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/tenantops/tenantops/internal/sim/record"
)

// keycloakSpecFile is Keycloak's own Admin REST API description.
const keycloakSpecFile = "keycloak-23.0.7-admin-openapi.json"

// keycloakChecker checks the Keycloak simulator's traffic: the admin API
// against Keycloak's OpenAPI description, and the OpenID Connect endpoints
// that description leaves out (token, certs, discovery) against RFC 6749,
// RFC 7517 and OpenID Connect Discovery 1.0 (keycloak_oidc.go,
// keycloak_oidc_metadata.go).
type keycloakChecker struct{}

func (keycloakChecker) system() string    { return "keycloak" }
func (keycloakChecker) against() []string { return []string{keycloakSpecFile} }

// endpoints are the operations internal/keycloak calls for the provider's
// tenantops_sso_* resources (the trigger reaches Keycloak only through them).
func (keycloakChecker) endpoints() []string {
	return []string{
		"POST " + oidcTokenKey,
		"POST /admin/realms/",
		"GET /admin/realms/{realm}",
		"PUT /admin/realms/{realm}",
		"DELETE /admin/realms/{realm}",
		"GET /admin/realms/{realm}/authentication/flows",
		"POST /admin/realms/{realm}/authentication/flows/{flowAlias}/copy",
		"GET /admin/realms/{realm}/authentication/flows/{flowAlias}/executions",
		"PUT /admin/realms/{realm}/authentication/flows/{flowAlias}/executions",
		"POST /admin/realms/{realm}/authentication/flows/{flowAlias}/executions/execution",
		"GET /admin/realms/{realm}/authentication/required-actions/{alias}",
		"PUT /admin/realms/{realm}/authentication/required-actions/{alias}",
		"GET /admin/realms/{realm}/clients",
		"POST /admin/realms/{realm}/clients",
		"GET /admin/realms/{realm}/clients/{id}",
		"PUT /admin/realms/{realm}/clients/{id}",
		"DELETE /admin/realms/{realm}/clients/{id}",
		"GET /admin/realms/{realm}/clients/{id}/client-secret",
		"POST /admin/realms/{realm}/identity-provider/instances",
		"GET /admin/realms/{realm}/identity-provider/instances/{alias}",
		"PUT /admin/realms/{realm}/identity-provider/instances/{alias}",
		"DELETE /admin/realms/{realm}/identity-provider/instances/{alias}",
		"GET /admin/realms/{realm}/components",
		"POST /admin/realms/{realm}/components",
		"GET /admin/realms/{realm}/components/{id}",
		"PUT /admin/realms/{realm}/components/{id}",
		"DELETE /admin/realms/{realm}/components/{id}",
		"GET /admin/realms/{realm}/users",
		"POST /admin/realms/{realm}/users",
		"GET /admin/realms/{realm}/users/{id}",
		"PUT /admin/realms/{realm}/users/{id}",
		"DELETE /admin/realms/{realm}/users/{id}",
		"PUT /admin/realms/{realm}/users/{id}/execute-actions-email",
	}
}

func (keycloakChecker) check(ref string, ex []record.Exchange) Result {
	r := Result{Against: keycloakSpecFile + "; RFC 6749, RFC 7517, OpenID Connect Core and Discovery 1.0"}
	spec, err := cachedKeycloakSpec(filepath.Join(ref, keycloakSpecFile))
	if err != nil {
		r.NotChecked = err.Error()
		return r
	}
	o := newOIDCChecker(ex)
	for _, e := range ex {
		if kcAuthCode(o, e, &r) {
			continue
		}
		if o.handles(e) {
			o.check(e, &r)
			continue
		}
		spec.check(e, &r)
	}
	return r
}

// kcSpec is Keycloak's admin API description, loaded and routed once per check.
type kcSpec struct {
	router routers.Router
	// origin and base split the description's server URL
	// (https://keycloak.example.com/admin/realms): exchanges are replayed
	// against origin, and base prefixes every path template in the
	// operation keys.
	origin, base string
	opts         *openapi3filter.Options
	// bodies are the answers the description lists without content but
	// Keycloak's resource code types, by operation key.
	bodies map[string]*openapi3.Schema
}

// kcTypedAnswers names, per operation whose "200 OK" the description gives
// no content, the representation Keycloak's resource method returns:
// AuthenticationManagementResource.getExecutions returns
// List<AuthenticationExecutionInfoRepresentation>.
var kcTypedAnswers = map[string]string{
	"GET /admin/realms/{realm}/authentication/flows/{flowAlias}/executions": "AuthenticationExecutionInfoRepresentation",
}

// check validates one admin API exchange: the request and the response
// against the operation the description routes it to, then what the
// description leaves to Keycloak's own code (kcAdminResponse).
func (k *kcSpec) check(e record.Exchange, r *Result) {
	req, err := k.request(e)
	if err != nil {
		r.Violations = append(r.Violations, kcViolation(e, "request", err.Error()))
		return
	}
	route, params, err := k.router.FindRoute(req)
	if err != nil {
		count(&r.Undescribed, e.Method+" "+kcUndescribedPath(e.Path))
		return
	}
	key := e.Method + " " + k.base + route.Path
	count(&r.Operations, key)
	r.Checked++
	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: k.opts}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		r.Violations = append(r.Violations, kcViolation(e, "request", key+": "+kcOneLine(err)))
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: e.Status,
		Header: e.RespHeader, Options: k.opts}
	out.SetBodyBytes(e.RespBody)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		r.Violations = append(r.Violations, kcViolation(e, "response", key+": "+kcOneLine(err)))
	}
	if schema := k.bodies[key]; schema != nil && e.Status == http.StatusOK {
		var v any
		if err := json.Unmarshal(e.RespBody, &v); err != nil {
			r.Violations = append(r.Violations, kcViolation(e, "response", key+": body is not JSON: "+err.Error()))
		} else if err := schema.VisitJSON(v, openapi3.VisitAsResponse(), openapi3.MultiErrors(), openapi3.SetSchemaErrorMessageCustomizer(kcSchemaError)); err != nil {
			r.Violations = append(r.Violations, kcViolation(e, "response", key+": "+kcOneLine(err)))
		}
	}
	for _, msg := range kcAdminResponse(e) {
		r.Violations = append(r.Violations, kcViolation(e, "response", key+": "+msg))
	}
}

// request rebuilds the recorded request against the description's server,
// so the router sees the server base path the description declares.
func (k *kcSpec) request(e record.Exchange) (*http.Request, error) {
	p := e.Path
	if p == k.base {
		// JAX-RS serves /admin/realms and /admin/realms/ alike.
		p += "/"
	}
	u, err := url.Parse(k.origin)
	if err != nil {
		return nil, err
	}
	u.Path, u.RawQuery = p, e.RawQuery
	req, err := http.NewRequest(e.Method, u.String(), bytes.NewReader(e.ReqBody))
	if err != nil {
		return nil, err
	}
	req.Header = e.ReqHeader.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Host = u.Host
	return req, nil
}

// kcSchemaError words a schema mismatch without kin-openapi's dump of the
// whole schema: where in the body, and why.
func kcSchemaError(err *openapi3.SchemaError) string {
	return "/" + strings.Join(err.JSONPointer(), "/") + ": " + err.Reason
}

// kcAdminResponse checks what Keycloak's resource code, not the
// description, fixes about an admin API answer: the description lists
// "200 OK" for most operations whatever they return, so statuses it does not
// list pass openapi3filter unchecked. Keycloak (services/.../resources/admin)
// answers a create with 201 and a Location header
// (Response.created(...)), an update or delete with 204 and no body, and an
// error with JSON: either ErrorRepresentation {errorMessage, field, params,
// errors} from ErrorResponse.error/exists, or, for exceptions,
// OAuth2ErrorRepresentation {error, error_description} from
// KeycloakErrorHandler, which adds error_description only to server errors,
// unparseable JSON (400) and model conflicts (409): a 401, 403 or 404 is
// {"error": "<message>"} alone (e.g. {"error":"Realm not found."}).
func kcAdminResponse(e record.Exchange) []string {
	var out []string
	ct := kcMediaType(e.RespHeader.Get("Content-Type"))
	switch {
	case e.Status == http.StatusCreated:
		loc, err := url.Parse(e.RespHeader.Get("Location"))
		if err != nil || !loc.IsAbs() {
			out = append(out, fmt.Sprintf("201 without an absolute Location header (got %q)", e.RespHeader.Get("Location")))
		}
	case e.Status == http.StatusNoContent:
		if len(e.RespBody) > 0 {
			out = append(out, "204 with a body")
		}
	case e.Status >= 400:
		if ct != "application/json" {
			out = append(out, fmt.Sprintf("error answered as %q, Keycloak answers application/json", ct))
			break
		}
		if msg := kcErrorBody(e.Status, e.RespBody); msg != "" {
			out = append(out, msg)
		}
	}
	if e.Status < 300 && len(e.RespBody) > 0 && ct != "application/json" {
		out = append(out, fmt.Sprintf("body answered as %q, Keycloak answers application/json", ct))
	}
	return out
}

// kcErrorBody reports how an error body departs from Keycloak's two error
// representations, or "".
func kcErrorBody(status int, body []byte) string {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return "error body is not a JSON object: " + err.Error()
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	allowed := func(set ...string) string {
		for _, k := range keys {
			if !slices.Contains(set, k) {
				return fmt.Sprintf("error body field %q is in neither of Keycloak's error representations", k)
			}
		}
		return ""
	}
	if _, ok := m["errorMessage"]; ok {
		if _, isStr := m["errorMessage"].(string); !isStr {
			return "errorMessage is not a string"
		}
		return allowed("errorMessage", "field", "params", "errors")
	}
	msg, isStr := m["error"].(string)
	if !isStr || msg == "" {
		return fmt.Sprintf("error body %s has neither errorMessage nor error", strings.TrimSpace(string(body)))
	}
	if bad := allowed("error", "error_description"); bad != "" {
		return bad
	}
	if _, ok := m["error_description"]; ok && status != http.StatusBadRequest && status != http.StatusConflict && status < 500 {
		return fmt.Sprintf("error_description on a %d: KeycloakErrorHandler answers {\"error\": message} alone", status)
	}
	return ""
}

// kcUndescribedPath keys an exchange no operation covers, with the realm
// name generalised so keys do not multiply per test realm.
func kcUndescribedPath(p string) string {
	seg := strings.Split(strings.Trim(p, "/"), "/")
	switch {
	case len(seg) >= 3 && seg[0] == "admin" && seg[1] == "realms":
		seg[2] = "{realm}"
	case len(seg) >= 2 && seg[0] == "realms":
		seg[1] = "{realm}"
	}
	return "/" + strings.Join(seg, "/")
}

func kcViolation(e record.Exchange, side, msg string) Violation {
	return Violation{Method: e.Method, Path: e.Path, Status: e.Status, Side: side, Message: msg}
}

// oneLine flattens a validation error (kin-openapi's are multi-line).
func kcOneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

func kcMediaType(ct string) string {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}
