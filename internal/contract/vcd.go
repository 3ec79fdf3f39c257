package contract

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/tenantops/tenantops/internal/sim/record"
)

// vcdChecker holds the Cloud Director simulator's traffic to VMware's own
// API schemas (vcd-api-schemas, BSD-2-Clause):
//
//   - /api speaks XML: every request and response body is validated with
//     xmllint against the XSDs (1.5 master and extension schemas, the
//     versions schema), in batches (vcd_xsd.go). Element order, required
//     elements and attributes, namespaces and types are the XSD's. On top,
//     each operation's body must have the root element VMware's API reference
//     names for it (AdminOrg in, AdminOrg out for POST /api/admin/orgs, ...),
//     the media type that root element is served as, and errors must be
//     Error elements whose majorErrorCode is the HTTP status.
//   - /cloudapi speaks JSON: errors must be the Error definition of the
//     OpenAPI common/error.yaml (minorErrorCode and message required,
//     stackTrace a string), served as JSON, never XML. The reference has no
//     OpenAPI description of the sessions, testConnection or networkPools
//     endpoints, so their successful exchanges are counted as Undescribed;
//     docs/simulators.md names the public evidence followed for them.
//   - /oauth/provider/token (API-token login) is an OAuth 2.0 token
//     endpoint: requests and token responses are checked against RFC 6749
//     (refresh-token request, section 6; token response, 5.1). Its error
//     answers are Undescribed: go-vcloud-director decodes them as the
//     OpenAPI Error (Client.getAccessToken posts through
//     OpenApiPostUrlEncoded), not as RFC 6749 section 5.2 errors, and no
//     published description says which Cloud Director sends.
type vcdChecker struct{}

// Reference files, relative to the reference dir.
const (
	vcdSchemaRoot   = "vcd-api-schemas/schemas/rest-api/src/main/resources/etc"
	vcdMasterXSD    = vcdSchemaRoot + "/1.5/schemas/master/master.xsd"
	vcdExtensionXSD = vcdSchemaRoot + "/1.5/schemas/extension/vmwextensions.xsd"
	vcdVersionsXSD  = vcdSchemaRoot + "/schemas/versioning/versions.xsd"
	vcdCatalog      = vcdSchemaRoot + "/schemas/external/catalog.xml"
	vcdErrorYAML    = "vcd-api-schemas/schemas/openapi/src/main/resources/schemas/common/error.yaml"
)

// XML namespaces of the schemas.
const (
	nsVCloud   = "http://www.vmware.com/vcloud/v1.5"
	nsVersions = "http://www.vmware.com/vcloud/versions"
)

func (vcdChecker) system() string { return "vcd" }

func (vcdChecker) against() []string {
	return []string{vcdMasterXSD, vcdExtensionXSD, vcdVersionsXSD, vcdCatalog, vcdErrorYAML}
}

// vcdOp is one Cloud Director operation the product calls. req and resp
// name the root element of the request and of a successful response body
// ("" for none), status the successful status codes, all from VMware's API
// reference for the operation.
type vcdOp struct {
	method, path string
	req, resp    string
	status       []int
	re           *regexp.Regexp
}

func (o vcdOp) key() string { return o.method + " " + o.path }

// vcdOps are the operations internal/vcd (with go-vcloud-director) calls;
// /api/query is keyed by query type below.
var vcdOps = compileVCDOps([]vcdOp{
	{method: "GET", path: "/api/versions", resp: "SupportedVersions", status: []int{200}},
	{method: "POST", path: "/cloudapi/1.0.0/sessions/provider", status: []int{200}},
	{method: "POST", path: "/oauth/provider/token", status: []int{200}},
	{method: "GET", path: "/api/org", resp: "OrgList", status: []int{200}},
	{method: "POST", path: "/api/admin/orgs", req: "AdminOrg", resp: "AdminOrg", status: []int{201}},
	{method: "GET", path: "/api/admin/org/{id}", resp: "AdminOrg", status: []int{200}},
	{method: "PUT", path: "/api/admin/org/{id}", req: "AdminOrg", resp: "Task", status: []int{202}},
	{method: "DELETE", path: "/api/admin/org/{id}", resp: "Task", status: []int{202}},
	{method: "POST", path: "/api/admin/org/{id}/action/disable", status: []int{204}},
	{method: "POST", path: "/api/admin/org/{id}/vdcsparams", req: "CreateVdcParams", resp: "AdminVdc", status: []int{201}},
	{method: "GET", path: "/api/admin/org/{id}/settings/oauth", resp: "OrgOAuthSettings", status: []int{200}},
	{method: "PUT", path: "/api/admin/org/{id}/settings/oauth", req: "OrgOAuthSettings", resp: "OrgOAuthSettings", status: []int{200}},
	{method: "DELETE", path: "/api/admin/org/{id}/settings/oauth", status: []int{204}},
	{method: "POST", path: "/api/admin/org/{id}/settings/oauth/openIdProviderConfig", req: "OpenIdProviderInfo", resp: "OpenIdProviderConfiguration", status: []int{200}},
	{method: "GET", path: "/api/task/{id}", resp: "Task", status: []int{200}},
	{method: "GET", path: "/api/admin/vdc/{id}", resp: "AdminVdc", status: []int{200}},
	{method: "PUT", path: "/api/admin/vdc/{id}", req: "AdminVdc", resp: "Task", status: []int{202}},
	{method: "DELETE", path: "/api/admin/vdc/{id}", resp: "Task", status: []int{202}},
	{method: "POST", path: "/api/admin/vdc/{id}/action/disable", status: []int{204}},
	{method: "POST", path: "/api/admin/vdc/{id}/vdcStorageProfiles", req: "UpdateVdcStorageProfiles", resp: "Task", status: []int{202}},
	{method: "GET", path: "/api/vdcStorageProfile/{id}", resp: "VdcStorageProfile", status: []int{200}},
	{method: "GET", path: "/api/admin/vdcStorageProfile/{id}", resp: "AdminVdcStorageProfile", status: []int{200}},
	{method: "PUT", path: "/api/admin/vdcStorageProfile/{id}", req: "AdminVdcStorageProfile", resp: "AdminVdcStorageProfile", status: []int{200}},
	{method: "GET", path: "/api/admin/providervdc/{id}", resp: "ProviderVdc", status: []int{200}},
	{method: "GET", path: "/api/query?type=providerVdc", resp: "QueryResultRecords", status: []int{200}},
	{method: "GET", path: "/api/query?type=providerVdcStorageProfile", resp: "QueryResultRecords", status: []int{200}},
	{method: "GET", path: "/api/query?type=networkPool", resp: "QueryResultRecords", status: []int{200}},
	{method: "POST", path: "/cloudapi/1.0.0/testConnection", status: []int{200}},
	// vApps (tenantops_vapp, and the Zerto protection group's lookups).
	{method: "GET", path: "/api/vdc/{id}", resp: "Vdc", status: []int{200}},
	{method: "POST", path: "/api/vdc/{id}/action/composeVApp", req: "ComposeVAppParams", resp: "VApp", status: []int{201}},
	{method: "GET", path: "/api/vApp/vapp-{id}", resp: "VApp", status: []int{200}},
	{method: "DELETE", path: "/api/vApp/vapp-{id}", resp: "Task", status: []int{202}},
	{method: "POST", path: "/api/vApp/vapp-{id}/action/recomposeVApp", req: "RecomposeVAppParams", resp: "Task", status: []int{202}},
	{method: "POST", path: "/api/vApp/vapp-{id}/action/undeploy", req: "UndeployVAppParams", resp: "Task", status: []int{202}},
	{method: "GET", path: "/api/vApp/vm-{id}", resp: "Vm", status: []int{200}},
})

// vcdMediaTypes are the media types Cloud Director serves each root
// element as (the type attributes of its own links, as go-vcloud-director's
// types.Mime* constants carry them).
var vcdMediaTypes = map[string]string{
	"SupportedVersions":           "application/vnd.vmware.vcloud.versions+xml",
	"OrgList":                     "application/vnd.vmware.vcloud.orgList+xml",
	"Org":                         "application/vnd.vmware.vcloud.org+xml",
	"AdminOrg":                    "application/vnd.vmware.admin.organization+xml",
	"Task":                        "application/vnd.vmware.vcloud.task+xml",
	"Error":                       "application/vnd.vmware.vcloud.error+xml",
	"Vdc":                         "application/vnd.vmware.vcloud.vdc+xml",
	"AdminVdc":                    "application/vnd.vmware.admin.vdc+xml",
	"CreateVdcParams":             "application/vnd.vmware.admin.createVdcParams+xml",
	"ProviderVdc":                 "application/vnd.vmware.admin.providervdc+xml",
	"VdcStorageProfile":           "application/vnd.vmware.vcloud.vdcStorageProfile+xml",
	"AdminVdcStorageProfile":      "application/vnd.vmware.admin.vdcStorageProfile+xml",
	"UpdateVdcStorageProfiles":    "application/vnd.vmware.admin.updateVdcStorageProfiles+xml",
	"QueryResultRecords":          "application/vnd.vmware.vcloud.query.records+xml",
	"OrgOAuthSettings":            "application/vnd.vmware.admin.organizationoauthsettings+xml",
	"OpenIdProviderInfo":          "application/vnd.vmware.vcloud.admin.openIdProviderInfo+xml",
	"OpenIdProviderConfiguration": "application/vnd.vmware.admin.openidproviderconfiguration+xml",
	"VApp":                        "application/vnd.vmware.vcloud.vApp+xml",
	"Vm":                          "application/vnd.vmware.vcloud.vm+xml",
	"ComposeVAppParams":           "application/vnd.vmware.vcloud.composeVAppParams+xml",
	"RecomposeVAppParams":         "application/vnd.vmware.vcloud.recomposeVAppParams+xml",
	"UndeployVAppParams":          "application/vnd.vmware.vcloud.undeployVAppParams+xml",
}

func compileVCDOps(ops []vcdOp) []vcdOp {
	for i := range ops {
		p, _, _ := strings.Cut(ops[i].path, "?")
		ops[i].re = regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(p), `\{id\}`, `[^/]+`) + "$")
	}
	return ops
}

func (vcdChecker) endpoints() []string {
	var out []string
	for _, o := range vcdOps {
		out = append(out, o.key())
	}
	return out
}

// vcdOpOf finds the operation of an exchange; ok is false for a path the
// product does not call (its key is then the path with ids elided).
func vcdOpOf(e record.Exchange) (vcdOp, bool) {
	p := strings.TrimSuffix(e.Path, "/")
	if p == "/api/query" {
		p += "?type=" + queryType(e.RawQuery)
	}
	for _, o := range vcdOps {
		if o.method != e.Method {
			continue
		}
		if strings.Contains(o.path, "?") {
			if o.path == p {
				return o, true
			}
			continue
		}
		if o.re.MatchString(p) {
			return o, true
		}
	}
	return vcdOp{method: e.Method, path: uuidRe.ReplaceAllString(p, "{id}")}, false
}

var uuidRe = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// queryType reads the type parameter of the query service's irregular
// query strings ("?&type=x&filter=...").
func queryType(raw string) string {
	for _, part := range strings.Split(raw, "&") {
		if k, v, ok := strings.Cut(part, "="); ok && k == "type" {
			if u, err := url.QueryUnescape(v); err == nil {
				return u
			}
			return v
		}
	}
	return ""
}

func (c vcdChecker) check(ref string, ex []record.Exchange) Result {
	res := Result{Against: "vcd-api-schemas: XSD 1.5 master + extension + versions (xmllint), OpenAPI common/error.yaml; RFC 6749 for /oauth/provider/token"}
	checks, err := c.checkAll(ref, ex)
	if err != nil {
		res.NotChecked = err.Error()
		return res
	}
	for _, ck := range checks {
		res.Violations = append(res.Violations, ck.violations...)
		if ck.undescribed {
			count(&res.Undescribed, ck.key)
			continue
		}
		res.Checked++
		count(&res.Operations, ck.key)
	}
	return res
}

// checkAll checks each exchange; the XML bodies of all of them are
// validated in one batch.
func (c vcdChecker) checkAll(ref string, ex []record.Exchange) ([]vcdExchangeCheck, error) {
	errDef, err := loadOpenAPIError(filepath.Join(ref, vcdErrorYAML))
	if err != nil {
		return nil, err
	}
	v := &xsdBatch{}
	checks := make([]vcdExchangeCheck, len(ex))
	for i, e := range ex {
		checks[i] = c.checkOne(e, errDef, v, i)
	}
	verdicts, err := v.validate(ref)
	if err != nil {
		return nil, err
	}
	for i, e := range ex {
		ck := &checks[i]
		undeclared := false
		for _, side := range []string{"request", "response"} {
			for _, msg := range verdicts[xsdKey{i, side}] {
				ck.violations = append(ck.violations, Violation{Side: side, Message: "XSD: " + msg})
			}
			undeclared = undeclared || v.undescribed[xsdKey{i, side}]
		}
		for j := range ck.violations {
			ck.violations[j].Method, ck.violations[j].Path, ck.violations[j].Status = e.Method, e.Path, e.Status
		}
		// A body no schema declares is undescribed, unless the exchange is
		// wrong anyway (an error that is not an Error element).
		ck.undescribed = ck.undescribed || (undeclared && len(ck.violations) == 0)
	}
	return checks, nil
}

// vcdExchangeCheck is what the checks found in one exchange before the
// XSD verdicts are in.
type vcdExchangeCheck struct {
	key         string
	violations  []Violation
	undescribed bool
}

func (c vcdChecker) checkOne(e record.Exchange, errDef openAPIErrorDef, v *xsdBatch, i int) vcdExchangeCheck {
	op, known := vcdOpOf(e)
	ck := vcdExchangeCheck{key: op.key()}
	add := func(side, format string, args ...any) {
		ck.violations = append(ck.violations, Violation{Side: side, Message: fmt.Sprintf(format, args...)})
	}
	switch {
	case strings.HasPrefix(e.Path, "/cloudapi/"):
		ck.undescribed = !checkCloudAPI(e, errDef, add)
	case e.Path == "/oauth/provider/token":
		ck.undescribed = !checkTokenEndpoint(e, add)
	case e.Path == "/api" || strings.HasPrefix(e.Path, "/api/"):
		checkXMLAPI(e, op, known, v, i, add)
	default:
		ck.undescribed = true
	}
	if !known && e.Status < 400 {
		add("request", "%s is not an operation the product is known to call: list it in vcdOps (internal/contract/vcd.go) with its elements", ck.key)
	}
	return ck
}

// checkXMLAPI checks an /api exchange; the XSD verdicts on its bodies come
// from the batch later.
func checkXMLAPI(e record.Exchange, op vcdOp, known bool, v *xsdBatch, i int, add func(side, format string, args ...any)) {
	if len(bytes.TrimSpace(e.ReqBody)) > 0 {
		ct := mediaType(e.ReqHeader.Get("Content-Type"))
		if !isVMwareXML(ct) {
			add("request", "Content-Type %q is not a Cloud Director XML media type", ct)
		}
		root, _, err := rootElement(e.ReqBody)
		switch {
		case err != nil:
			add("request", "body is not XML: %v", err)
		case known && op.req != "" && root.Local != op.req:
			add("request", "root element %s, the operation takes %s", root.Local, op.req)
		case known && op.req == "":
			add("request", "the operation takes no body, got %s", root.Local)
		default:
			if want := vcdMediaTypes[root.Local]; want != "" && !strings.EqualFold(ct, want) {
				add("request", "Content-Type %q for %s, want %s", ct, root.Local, want)
			}
			v.addStripped(xsdKey{i, "request"}, e.ReqBody)
		}
	} else if known && op.req != "" {
		add("request", "no body, the operation takes %s", op.req)
	}

	body := bytes.TrimSpace(e.RespBody)
	if e.Status >= 400 {
		if known && e.Status == http.StatusNotFound && entityPath.MatchString(e.Path) {
			add("response", "404 for an organization or VDC: Cloud Director answers 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN for one that does not exist")
		}
		checkXMLError(e, body, v, i, add)
		return
	}
	if known && !containsInt(op.status, e.Status) {
		add("response", "status %d, the operation answers %v", e.Status, op.status)
	}
	if len(body) == 0 {
		if known && op.resp != "" {
			add("response", "no body, the operation answers %s", op.resp)
		}
		return
	}
	if e.Status == http.StatusNoContent {
		add("response", "204 with a body")
	}
	ct := mediaType(e.RespHeader.Get("Content-Type"))
	root, _, err := rootElement(body)
	if err != nil {
		add("response", "body is not XML: %v", err)
		return
	}
	if known && op.resp != "" && root.Local != op.resp {
		add("response", "root element %s, the operation answers %s", root.Local, op.resp)
	}
	if want := vcdMediaTypes[root.Local]; want != "" && !strings.EqualFold(ct, want) {
		add("response", "Content-Type %q for %s, want %s", ct, root.Local, want)
	} else if want == "" && !isVMwareXML(ct) {
		add("response", "Content-Type %q is not a Cloud Director XML media type", ct)
	}
	v.addStripped(xsdKey{i, "response"}, body)
}

// entityPath matches the URLs of an organization or VDC and what is under
// them. For one that does not exist Cloud Director answers 403
// ACCESS_TO_RESOURCE_IS_FORBIDDEN ("The VMware Cloud Director entity ...
// does not exist"), never 404: it does not tell a missing entity from one
// the caller may not see. Evidence:
// https://github.com/vmware-archive/pyvcloud/issues/796 (org),
// https://github.com/gds-operations/vcloud-core/pull/181 (VDC), and
// go-vcloud-director's own handling (OpenApiGetItem turns a 403 into
// ErrorEntityNotFound; GetAdminOrgById and GetAdminVDCByName decide "not
// found" from the parent's listing).
var entityPath = regexp.MustCompile(`^/api/(admin/)?(org|vdc)/[^/]+(/|$)`)

// checkXMLError checks an /api error answer: an Error element of the
// vcloud namespace (the XSD checks its attributes) whose majorErrorCode is
// the HTTP status.
func checkXMLError(e record.Exchange, body []byte, v *xsdBatch, i int, add func(side, format string, args ...any)) {
	if len(body) == 0 {
		add("response", "error %d without an Error body", e.Status)
		return
	}
	root, attrs, err := rootElement(body)
	if err != nil {
		add("response", "error body is not XML: %v", err)
		return
	}
	if root.Local != "Error" || root.Space != nsVCloud {
		add("response", "error body root {%s}%s, want {%s}Error", root.Space, root.Local, nsVCloud)
	}
	if ct := mediaType(e.RespHeader.Get("Content-Type")); !strings.EqualFold(ct, vcdMediaTypes["Error"]) {
		add("response", "error Content-Type %q, want %s", ct, vcdMediaTypes["Error"])
	}
	if major := attrs["majorErrorCode"]; major != strconv.Itoa(e.Status) {
		add("response", "majorErrorCode %q differs from the HTTP status %d", major, e.Status)
	}
	v.add(xsdKey{i, "response"}, body)
}

// checkCloudAPI checks a /cloudapi exchange and reports whether a
// description covered it (only the errors are described).
func checkCloudAPI(e record.Exchange, errDef openAPIErrorDef, add func(side, format string, args ...any)) bool {
	ct := mediaType(e.RespHeader.Get("Content-Type"))
	body := bytes.TrimSpace(e.RespBody)
	if len(body) > 0 && ct != "application/json" {
		add("response", "Content-Type %q, /cloudapi answers application/json", ct)
	}
	if e.Status < 400 {
		if len(body) > 0 && !json.Valid(body) {
			add("response", "body is not JSON")
		}
		return false
	}
	for _, msg := range errDef.validate(body) {
		add("response", "OpenAPI Error: %s", msg)
	}
	return true
}

// checkTokenEndpoint checks an API-token login against RFC 6749: a
// form-encoded refresh_token grant (section 6) answered by a JSON token
// response (5.1). It reports whether the exchange was described (errors
// are not, see vcdChecker).
func checkTokenEndpoint(e record.Exchange, add func(side, format string, args ...any)) bool {
	if ct := mediaType(e.ReqHeader.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
		add("request", "Content-Type %q, RFC 6749 requires application/x-www-form-urlencoded", ct)
	}
	form, err := url.ParseQuery(string(e.ReqBody))
	if err != nil {
		add("request", "malformed form: %v", err)
	} else if form.Get("grant_type") != "refresh_token" || form.Get("refresh_token") == "" {
		add("request", "want grant_type=refresh_token with a refresh_token (RFC 6749 section 6)")
	}
	if ct := mediaType(e.RespHeader.Get("Content-Type")); ct != "application/json" {
		add("response", "Content-Type %q, RFC 6749 section 5 requires application/json", ct)
	}
	var body map[string]any
	if err := json.Unmarshal(e.RespBody, &body); err != nil {
		add("response", "body is not a JSON object: %v", err)
		return true
	}
	if e.Status != http.StatusOK {
		return false
	}
	if !strings.Contains(strings.ToLower(e.RespHeader.Get("Cache-Control")), "no-store") {
		add("response", "token response without Cache-Control: no-store (RFC 6749 section 5.1)")
	}
	for _, f := range []string{"access_token", "token_type"} {
		if s, ok := body[f].(string); !ok || s == "" {
			add("response", "token response without %s (RFC 6749 section 5.1)", f)
		}
	}
	if v, ok := body["expires_in"]; ok {
		if _, isNum := v.(float64); !isNum {
			add("response", "expires_in is not a number (RFC 6749 section 5.1)")
		}
	}
	return true
}

// openAPIErrorDef is the Error definition of the OpenAPI error.yaml.
type openAPIErrorDef struct {
	Type       string                       `json:"type"`
	Required   []string                     `json:"required"`
	Properties map[string]map[string]string `json:"properties"`
}

func loadOpenAPIError(path string) (openAPIErrorDef, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return openAPIErrorDef{}, err
	}
	var doc struct {
		Definitions struct {
			Error openAPIErrorDef `json:"Error"`
		} `json:"definitions"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return openAPIErrorDef{}, fmt.Errorf("%s: %w", path, err)
	}
	d := doc.Definitions.Error
	if d.Type != "object" || len(d.Properties) == 0 {
		return openAPIErrorDef{}, fmt.Errorf("%s: no Error object definition", path)
	}
	return d, nil
}

// validate checks a JSON body against the definition: an object with
// every required property, each property of its declared type.
func (d openAPIErrorDef) validate(body []byte) []string {
	var obj map[string]any
	if err := json.Unmarshal(body, &obj); err != nil {
		return []string{fmt.Sprintf("body is not a JSON object: %v", err)}
	}
	var out []string
	for _, r := range d.Required {
		if _, ok := obj[r]; !ok {
			out = append(out, fmt.Sprintf("required property %s missing", r))
		}
	}
	for name, val := range obj {
		prop, ok := d.Properties[name]
		if !ok {
			continue // additional properties are allowed
		}
		if !jsonTypeIs(val, prop["type"]) {
			out = append(out, fmt.Sprintf("property %s is not a %s", name, prop["type"]))
		}
	}
	return out
}

func jsonTypeIs(v any, typ string) bool {
	switch typ {
	case "string":
		_, ok := v.(string)
		return ok
	case "integer", "number":
		_, ok := v.(float64)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	}
	return true
}

// rootElement returns the name and attributes of a document's root.
func rootElement(b []byte) (xml.Name, map[string]string, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := d.Token()
		if err != nil {
			return xml.Name{}, nil, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			attrs := map[string]string{}
			for _, a := range se.Attr {
				attrs[a.Name.Local] = a.Value
			}
			return se.Name, attrs, nil
		}
	}
}

func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.TrimSpace(ct)
	}
	return mt
}

func isVMwareXML(mt string) bool {
	return strings.HasPrefix(mt, "application/vnd.vmware.") && strings.HasSuffix(mt, "+xml")
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
