package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/tenantops/tenantops/internal/sim/record"
)

// zertoReference is Zerto's published description of the ZVM appliance's
// REST API. Despite its name the file is OpenAPI 3.0.1; a Swagger 2.0 file
// would be converted first (zertoLoad handles both).
const zertoReference = "zerto-zvm-10.0u6-swagger.json"

// zertoTokenPath is the appliance's Keycloak token endpoint. It is checked
// in code against RFC 6749 (sections 3.2, 4.3.2, 4.4.2, 5.1 and 5.2): the
// description lists it, but says nothing of what OAuth 2.0 requires of it.
const zertoTokenPath = "/auth/realms/zerto/protocol/openid-connect/token"

// zertoChecker checks the Zerto simulator's traffic against the ZVM
// appliance's API description (request and response bodies, parameters)
// and the token endpoint against RFC 6749.
//
// Property names: the description is generated with camelCase names
// ("vpgIdentifier"), while the appliance answers PascalCase ("VpgIdentifier",
// as Zerto's own samples read it, e.g. ZertoPublic/Zerto-Python-SDK-Hands-On-Labs
// exercises/05_vpg_operations) and binds request bodies case-insensitively
// (ASP.NET). So a body is matched to the schema ignoring the case of
// property names, and everything else is strict: a property the schema
// does not define is a violation (the schemas say additionalProperties: false).
type zertoChecker struct{}

func (zertoChecker) system() string    { return "zerto" }
func (zertoChecker) against() []string { return []string{zertoReference} }

// endpoints lists every ZVM operation internal/zerto sends on behalf of
// the provider and the trigger.
func (zertoChecker) endpoints() []string {
	return []string{
		"POST " + zertoTokenPath,
		"POST /v1/session/add",
		"GET /v1/localsite",
		"GET /v1/peersites",
		"GET /v1/virtualizationsites",
		"GET /v1/virtualizationsites/{siteIdentifier}/orgvdcs",
		"GET /v1/virtualizationsites/{siteIdentifier}/orgvdcs/{orgVdcIdentifier}/networks",
		"GET /v1/virtualizationsites/{siteIdentifier}/orgvdcs/{orgVdcIdentifier}/storagepolicies",
		"GET /v1/virtualizationsites/{siteIdentifier}/vcdvapps",
		"GET /v1/serviceprofiles",
		"GET /v1/zorgs",
		"POST /v1/vpgSettings",
		"GET /v1/vpgSettings/{vpgSettingsIdentifier}",
		"PUT /v1/vpgSettings/{vpgSettingsIdentifier}",
		"DELETE /v1/vpgSettings/{vpgSettingsIdentifier}",
		"POST /v1/vpgSettings/{vpgSettingsIdentifier}/commit",
		"GET /v1/tasks/{taskIdentifier}",
		"GET /v1/vpgs",
		"GET /v1/vpgs/{vpgIdentifier}",
		"DELETE /v1/vpgs/{vpgIdentifier}",
	}
}

func (zertoChecker) check(ref string, ex []record.Exchange) Result {
	var res Result
	doc, err := zertoLoad(filepath.Join(ref, zertoReference))
	if err != nil {
		res.NotChecked = err.Error()
		return res
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		res.NotChecked = "routing " + zertoReference + ": " + err.Error()
		return res
	}
	for _, e := range ex {
		zertoCheckOne(router, e, &res)
	}
	return res
}

var zertoFormats sync.Once

// zertoLoad reads the description once per check: OpenAPI 3 as it is,
// Swagger 2.0 converted to OpenAPI 3. Servers are dropped so that routes
// match whatever host a simulator listens on.
func zertoLoad(path string) (*openapi3.T, error) {
	zertoFormats.Do(func() {
		// "date-span" is a .NET TimeSpan as System.Text.Json writes it
		// ("c" format: [-][d.]hh:mm:ss[.fffffff]).
		openapi3.DefineStringFormatValidator("date-span",
			openapi3.NewRegexpFormatValidator(`^-?(\d+\.)?\d{2}:\d{2}:\d{2}(\.\d{1,7})?$`))
	})
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var probe struct {
		Swagger string `json:"swagger"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	var doc *openapi3.T
	if probe.Swagger != "" {
		var v2 openapi2.T
		if err := json.Unmarshal(b, &v2); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
		}
		if doc, err = openapi2conv.ToV3(&v2); err != nil {
			return nil, fmt.Errorf("%s: converting Swagger 2.0: %w", filepath.Base(path), err)
		}
	} else {
		loader := openapi3.NewLoader()
		if doc, err = loader.LoadFromData(b); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
		}
	}
	doc.Servers = nil
	return doc, nil
}

// zertoCheckOne checks one exchange and adds what it found to res.
func zertoCheckOne(router routers.Router, e record.Exchange, res *Result) {
	violate := func(side, msg string) {
		res.Violations = append(res.Violations, Violation{Method: e.Method, Path: e.Path, Status: e.Status, Side: side, Message: msg})
	}
	if e.Path == zertoTokenPath {
		key := e.Method + " " + zertoTokenPath
		for _, v := range zertoCheckToken(e) {
			violate(v.side, v.msg)
		}
		res.Checked++
		count(&res.Operations, key)
		return
	}
	req := zertoRequest(e)
	route, params, err := router.FindRoute(req)
	if err != nil {
		// The description has no such operation (e.g. the legacy
		// /v1/session/add login of the Windows ZVM).
		count(&res.Undescribed, e.Method+" "+e.Path)
		return
	}
	key := e.Method + " " + route.Path
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if err := zertoNormalizeRequest(route, req); err != nil {
		violate("request", err.Error())
	} else if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		violate("request", zertoErrText(err))
	}
	if route.Operation.Responses.Status(e.Status) == nil && route.Operation.Responses.Default() == nil {
		// The description lists no answer with this status (it documents
		// no /v1 error at all): the body must be the {"Message": ...}
		// error docs/simulators.md names, and the exchange is counted as
		// undescribed.
		if msg := zertoErrorBody(e); msg != "" {
			violate("response", msg)
		}
		count(&res.Undescribed, fmt.Sprintf("%s (HTTP %d)", key, e.Status))
		return
	}
	body, err := zertoNormalizeResponse(route, e)
	if err != nil {
		violate("response", err.Error())
	} else {
		out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: e.Status,
			Header: e.RespHeader, Body: io.NopCloser(bytes.NewReader(body)), Options: opts}
		if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
			violate("response", zertoErrText(err))
		}
	}
	res.Checked++
	count(&res.Operations, key)
}

func zertoRequest(e record.Exchange) *http.Request {
	u := &url.URL{Scheme: "https", Host: "zvm.invalid", Path: e.Path, RawQuery: e.RawQuery}
	req, _ := http.NewRequest(e.Method, u.String(), bytes.NewReader(e.ReqBody))
	req.Header = e.ReqHeader.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	return req
}

// zertoNormalizeRequest rewrites a JSON request body's property names to
// the spelling of the operation's request schema.
func zertoNormalizeRequest(route *routers.Route, req *http.Request) error {
	rb := route.Operation.RequestBody
	b, _ := io.ReadAll(req.Body)
	req.Body = io.NopCloser(bytes.NewReader(b))
	if rb == nil || rb.Value == nil || len(bytes.TrimSpace(b)) == 0 || !zertoIsJSON(req.Header.Get("Content-Type")) {
		return nil
	}
	mt := rb.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	out, err := zertoNormalizeJSON(b, mt.Schema)
	if err != nil {
		return fmt.Errorf("request body is not JSON: %v", err)
	}
	// kin-openapi may read the body again through GetBody.
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(out)), nil }
	req.Body, _ = req.GetBody()
	req.ContentLength = int64(len(out))
	return nil
}

// zertoNormalizeResponse returns the response body with its property names
// spelled as the response schema spells them.
func zertoNormalizeResponse(route *routers.Route, e record.Exchange) ([]byte, error) {
	r := route.Operation.Responses.Status(e.Status)
	if r == nil {
		r = route.Operation.Responses.Default()
	}
	if r == nil || r.Value == nil || len(bytes.TrimSpace(e.RespBody)) == 0 || !zertoIsJSON(e.RespHeader.Get("Content-Type")) {
		return e.RespBody, nil
	}
	mt := r.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return e.RespBody, nil
	}
	out, err := zertoNormalizeJSON(e.RespBody, mt.Schema)
	if err != nil {
		return nil, fmt.Errorf("response body is not JSON: %v", err)
	}
	return out, nil
}

func zertoIsJSON(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/json")
}

func zertoNormalizeJSON(b []byte, s *openapi3.SchemaRef) ([]byte, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(zertoRename(v, s))
}

// zertoRename renames the keys of JSON objects in v to the schema's
// property names where they differ only in case, recursively.
func zertoRename(v any, ref *openapi3.SchemaRef) any {
	if ref == nil || ref.Value == nil {
		return v
	}
	s := ref.Value
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			name, prop := k, (*openapi3.SchemaRef)(nil)
			if p, ok := s.Properties[k]; ok {
				prop = p
			} else {
				for pn, p := range s.Properties {
					if strings.EqualFold(pn, k) {
						name, prop = pn, p
						break
					}
				}
			}
			if prop == nil && s.AdditionalProperties.Schema != nil {
				prop = s.AdditionalProperties.Schema
			}
			out[name] = zertoRename(val, prop)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = zertoRename(val, s.Items)
		}
		return out
	}
	return v
}

// zertoErrorBody checks an answer whose status the description does not
// list: Zerto's /v1 error is {"Message": "..."} (the legacy REST API
// reference shows it; the appliance description documents no error at all).
func zertoErrorBody(e record.Exchange) string {
	if e.Status < 400 {
		return fmt.Sprintf("status %d is not among the operation's documented answers", e.Status)
	}
	if !zertoIsJSON(e.RespHeader.Get("Content-Type")) {
		return fmt.Sprintf("error answer has Content-Type %q, want application/json", e.RespHeader.Get("Content-Type"))
	}
	var body map[string]any
	if err := json.Unmarshal(e.RespBody, &body); err != nil {
		return "error answer is not a JSON object: " + err.Error()
	}
	msg, ok := body["Message"].(string)
	if !ok || strings.TrimSpace(msg) == "" {
		return `error answer lacks a "Message" string`
	}
	return ""
}

// zertoErrText flattens kin-openapi's (multi-)errors into one line each
// reason, sorted so reports are stable.
func zertoErrText(err error) string {
	var parts []string
	var walk func(error)
	walk = func(err error) {
		if me, ok := err.(openapi3.MultiError); ok {
			for _, e := range me {
				walk(e)
			}
			return
		}
		switch x := err.(type) {
		case *openapi3filter.RequestError:
			if x.Err != nil {
				walk(x.Err)
				return
			}
		case *openapi3filter.ResponseError:
			if x.Err != nil {
				walk(x.Err)
				return
			}
			parts = append(parts, x.Reason)
			return
		case *openapi3.SchemaError:
			parts = append(parts, "/"+strings.Join(x.JSONPointer(), "/")+": "+x.Reason)
			return
		}
		parts = append(parts, strings.Join(strings.Fields(err.Error()), " "))
	}
	walk(err)
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}
