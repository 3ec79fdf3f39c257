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
	"regexp"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/tenantops/tenantops/internal/sim/record"
)

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
	if known && !slices.Contains(op.status, e.Status) {
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
