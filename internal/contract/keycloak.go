package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/tenantops/tenantops/internal/sim/record"
)

// keycloakSpecFile is Keycloak's own Admin REST API description.
const keycloakSpecFile = "keycloak-23.0.7-admin-openapi.json"

// keycloakChecker checks the Keycloak simulator's traffic: the admin API
// against Keycloak's OpenAPI description, and the OpenID Connect endpoints
// that description leaves out (token, certs, discovery) against RFC 6749,
// RFC 7517 and OpenID Connect Discovery 1.0 (keycloak_oidc.go).
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

// kcSpecCache keeps the last description loaded: it takes a good part of
// a second to load and route, and the package tests check many small
// traffics. A kcSpec is not changed once built.
var kcSpecCache struct {
	sync.Mutex
	file string
	spec *kcSpec
}

func cachedKeycloakSpec(file string) (*kcSpec, error) {
	kcSpecCache.Lock()
	defer kcSpecCache.Unlock()
	if kcSpecCache.spec != nil && kcSpecCache.file == file {
		return kcSpecCache.spec, nil
	}
	spec, err := loadKeycloakSpec(file)
	if err != nil {
		return nil, err
	}
	kcSpecCache.file, kcSpecCache.spec = file, spec
	return spec, nil
}

func loadKeycloakSpec(file string) (*kcSpec, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	raw, err = kcRepair(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", file, err)
	}
	kcWidenStringCollections(doc)
	kcClosedObjects(doc)
	// The description's formats are int32, int64 and binary; binary has no
	// validator of its own and marks raw bodies (openapi3filter reads
	// them as files), so a format without a validator must not fail the
	// description. Known formats are still checked in bodies.
	if err := doc.Validate(loader.Context, openapi3.DisableSchemaFormatValidation()); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(doc.Servers) != 1 {
		return nil, fmt.Errorf("%s: want one server, found %d", file, len(doc.Servers))
	}
	srv, err := url.Parse(doc.Servers[0].URL)
	if err != nil || srv.Host == "" {
		return nil, fmt.Errorf("%s: server URL %q is not absolute", file, doc.Servers[0].URL)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route %s: %w", file, err)
	}
	bodies := map[string]*openapi3.Schema{}
	for key, name := range kcTypedAnswers {
		item := doc.Components.Schemas[name]
		if item == nil {
			return nil, fmt.Errorf("%s: no schema %s", file, name)
		}
		bodies[key] = openapi3.NewArraySchema().WithItems(item.Value)
	}
	spec := &kcSpec{
		bodies: bodies,
		router: router,
		origin: srv.Scheme + "://" + srv.Host,
		base:   strings.TrimRight(srv.Path, "/"),
		opts: &openapi3filter.Options{
			// The description declares bearer auth globally; the
			// simulator's own token checks are exercised by its tests.
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			MultiError:         true,
		},
	}
	spec.opts.WithCustomSchemaErrorFunc(kcSchemaError)
	return spec, nil
}

// kcAnyType is the name Keycloak's OpenAPI generator gives a Java Object
// (ConfigPropertyRepresentation.defaultValue refers to it) without defining
// it; the description cannot be resolved without it.
const kcAnyType = "oas_any_type_not_mapped"

// kcRepair mends two slips of Keycloak's OpenAPI generator that keep the
// description from loading, each by what the generator meant, so no
// constraint the description states is dropped: the undefined
// oas_any_type_not_mapped becomes a schema accepting any value, and an array
// schema without items (Map<String, List<...>> values such as
// ComponentRepresentation.config, which OpenAPI 3.0 requires to name their
// items) gets items accepting any value, which is what JSON Schema reads an
// absent items as.
func kcRepair(raw []byte) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	comps, _ := doc["components"].(map[string]any)
	if schemas, _ := comps["schemas"].(map[string]any); schemas != nil {
		if _, ok := schemas[kcAnyType]; !ok {
			schemas[kcAnyType] = map[string]any{}
		}
	}
	kcItemsForArrays(doc)
	return json.Marshal(doc)
}

func kcItemsForArrays(v any) {
	switch n := v.(type) {
	case map[string]any:
		if n["type"] == "array" && n["items"] == nil {
			n["items"] = map[string]any{}
		}
		for _, c := range n {
			kcItemsForArrays(c)
		}
	case []any:
		for _, c := range n {
			kcItemsForArrays(c)
		}
	}
}

// kcWidenStringCollections repairs one known loss in the description.
// Keycloak's API documentation writes a body of Map<String,String> or
// List<String> as "[string]" (e.g. "New execution JSON data containing
// 'provider' attribute" for .../executions/execution, "JSON containing
// 'newName' attribute" for .../flows/{flowAlias}/copy); the OpenAPI
// conversion kept the description "[string]" but turned the schema into a
// bare string, which no Keycloak server accepts for these operations. Such a
// body is read as what "[string]" means: an object of strings or an array
// of strings. Every other schema is used as published.
func kcWidenStringCollections(doc *openapi3.T) {
	collection := &openapi3.Schema{OneOf: openapi3.SchemaRefs{
		{Value: &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeObject},
			AdditionalProperties: openapi3.AdditionalProperties{Schema: &openapi3.SchemaRef{Value: openapi3.NewStringSchema()}}}},
		{Value: &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeArray}, Items: &openapi3.SchemaRef{Value: openapi3.NewStringSchema()}}},
	}}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody == nil || op.RequestBody.Value == nil || op.RequestBody.Value.Description != "[string]" {
				continue
			}
			for _, mt := range op.RequestBody.Value.Content {
				if s := mt.Schema; s != nil && s.Value != nil && s.Value.Type.Is(openapi3.TypeString) && s.Value.Format == "" {
					mt.Schema = &openapi3.SchemaRef{Value: collection}
				}
			}
		}
	}
}

// kcClosedObjects makes every object schema that names its properties
// refuse properties it does not name. The description was generated from
// Keycloak 23's representation classes, and Keycloak's Jackson binding fails
// on a property a class lacks (400 "Unrecognized field \"x\" (class
// org.keycloak.representations.idm.RealmRepresentation), not marked as
// ignorable", e.g. keycloak/keycloak#32025, #39414) and writes only the
// class's own fields: a property the description does not name is one a
// Keycloak 23 would refuse in a request and never send in a response.
// Objects the description leaves open (maps, "any type") stay open.
func kcClosedObjects(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(ref *openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if len(s.Properties) > 0 && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
			closed := false
			s.AdditionalProperties.Has = &closed
		}
		for _, p := range s.Properties {
			walk(p)
		}
		walk(s.Items)
		walk(s.AdditionalProperties.Schema)
		for _, l := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf, s.AllOf} {
			for _, x := range l {
				walk(x)
			}
		}
	}
	for _, ref := range doc.Components.Schemas {
		walk(ref)
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for _, mt := range op.RequestBody.Value.Content {
					walk(mt.Schema)
				}
			}
			for _, resp := range op.Responses.Map() {
				if resp.Value != nil {
					for _, mt := range resp.Value.Content {
						walk(mt.Schema)
					}
				}
			}
		}
	}
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
			if !kcContains(set, k) {
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

func kcContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
