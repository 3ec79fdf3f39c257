package vcd

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vmware/go-vcloud-director/v2/types/v56"
)

// supportedVersions are the API versions /api/versions lists.
var supportedVersions = []string{"37.0", "37.1", "37.2", "38.0", "38.1"}

const (
	mimeError      = "application/vnd.vmware.vcloud.error+xml"
	mimeVdcSP      = "application/vnd.vmware.vcloud.vdcStorageProfile+xml"
	mimeAdminVdcSP = "application/vnd.vmware.admin.vdcStorageProfile+xml"
	mimePvdcSP     = "application/vnd.vmware.admin.pvdcStorageProfile+xml"
	// mimeAdminPvdc is ProviderVdcType at /api/admin/providervdc; govcd's
	// types.MimeProviderVdc (vmwprovidervdc) is the extension API's
	// VMWProviderVdcType at /api/admin/extension/providervdc.
	mimeAdminPvdc   = "application/vnd.vmware.admin.providervdc+xml"
	mimeNetworkPool = "application/vnd.vmware.admin.networkPool+xml"
	mimeVersions    = "application/vnd.vmware.vcloud.versions+xml"
	mimeOrgList     = "application/vnd.vmware.vcloud.orgList+xml"
	mimeOIDCConfig  = "application/vnd.vmware.admin.openidproviderconfiguration+xml"
	mimeCreateVdc   = "application/vnd.vmware.admin.createVdcParams+xml"
	mimeUpdateVdcSP = "application/vnd.vmware.admin.updateVdcStorageProfiles+xml"
	nsVersions      = "http://www.vmware.com/vcloud/versions"
)

// writeXML encodes v under the root element name. ns, when not empty, is
// added as the root's xmlns (for types that have no Xmlns field).
func writeXML(w http.ResponseWriter, status int, ctype, root, ns string, v any) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	start := xml.StartElement{Name: xml.Name{Local: root}}
	if ns != "" {
		start.Attr = []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: ns}}
	}
	if err := xml.NewEncoder(&buf).EncodeElement(v, start); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", ctype+";version=37.0")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;version=37.0")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// xmlError writes Cloud Director's legacy API error body.
func xmlError(w http.ResponseWriter, status int, minor, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	body := struct {
		types.Error
	}{types.Error{
		MajorErrorCode: status,
		MinorErrorCode: minor,
		Message:        "[ " + newUUID() + " ] " + msg,
		StackTrace:     "com.vmware.vcloud.api.presentation.service." + strings.ReplaceAll(minor, "_", "") + "Exception: " + msg,
	}}
	writeXML(w, status, mimeError, "Error", types.XMLNamespaceVCloud, body)
}

// jsonError writes the OpenAPI (cloudapi) error body.
func jsonError(w http.ResponseWriter, status int, minor, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	writeJSON(w, status, types.OpenApiError{MinorErrorCode: minor, Message: "[ " + newUUID() + " ] " + msg,
		StackTrace: "com.vmware.vcloud.api.rest.toolkit.exceptions." + minor})
}

func notFound(w http.ResponseWriter, kind, id string) {
	xmlError(w, http.StatusNotFound, "RESOURCE_NOT_FOUND", "%s %q not found.", kind, id)
}

// noSuchEntity answers a request for an organization or VDC that does not
// exist the way Cloud Director does: 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN,
// not 404. The API does not tell a missing entity from one the caller may
// not see; clients decide "gone" from the parent's listing (go-vcloud-
// director's GetAdminOrgById looks the org up in /api/org first).
// Evidence: https://github.com/vmware-archive/pyvcloud/issues/796 (org:
// "403/ACCESS_TO_RESOURCE_IS_FORBIDDEN ... The VMware Cloud Director entity
// com.vmware.vcloud.entity.org:<uuid> does not exist"),
// https://github.com/gds-operations/vcloud-core/pull/181 (a VDC UUID that
// names no VDC answers Forbidden).
func noSuchEntity(w http.ResponseWriter, kind, id string) {
	xmlError(w, http.StatusForbidden, "ACCESS_TO_RESOURCE_IS_FORBIDDEN",
		"The VMware Cloud Director entity com.vmware.vcloud.entity.%s:%s does not exist.", kind, id)
}

func busy(w http.ResponseWriter, kind, name, id string, t *task) {
	xmlError(w, http.StatusBadRequest, "BUSY_ENTITY",
		"The entity %s %s (%s) is busy completing an operation %s.", kind, name, id, strings.ToUpper(t.opName))
}

// decodeXML reads a request body into v and checks its Content-Type.
func decodeXML(w http.ResponseWriter, r *http.Request, ctype string, v any) bool {
	if ctype != "" {
		got := strings.TrimSpace(r.Header.Get("Content-Type"))
		if !strings.HasPrefix(strings.ToLower(got), strings.ToLower(strings.TrimSpace(ctype))) {
			xmlError(w, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE",
				"Content-Type %q is not supported here; expected %s.", got, strings.TrimSpace(ctype))
			return false
		}
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	r.Body = io.NopCloser(bytes.NewReader(b)) // handlers may read it again
	if err == nil {
		err = xml.Unmarshal(b, v)
	}
	if err != nil {
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "Malformed request body: %v", err)
		return false
	}
	return true
}

func boolParam(r *http.Request, name string) bool {
	b, _ := strconv.ParseBool(r.URL.Query().Get(name))
	return b
}

// queryParams parses the query service's irregular query strings
// ("?&type=x&filter=name==a%20b", any order, encoded or not).
func queryParams(raw string) map[string]string {
	out := map[string]string{}
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		out[k] = v
	}
	return out
}

// filterConds splits "a==x;b==y" into conditions; values are unescaped
// once (clients send them URL-encoded, sometimes twice-wrapped).
func filterConds(filter string) (map[string]string, error) {
	conds := map[string]string{}
	if filter == "" {
		return conds, nil
	}
	if f, err := url.QueryUnescape(filter); err == nil && !strings.Contains(filter, "==") {
		filter = f
	}
	for _, c := range strings.Split(filter, ";") {
		k, v, ok := strings.Cut(c, "==")
		if !ok {
			return nil, fmt.Errorf("unsupported filter condition %q", c)
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			v = uv
		}
		conds[strings.TrimPrefix(k, "(")] = strings.TrimSuffix(v, ")")
	}
	return conds, nil
}

func rfc3339(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
