package contract

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"

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
