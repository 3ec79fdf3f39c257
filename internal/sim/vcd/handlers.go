package vcd

import (
	"net/http"
	"regexp"
	"strings"
)

const uuidRe = `([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})`

type route struct {
	method string
	re     *regexp.Regexp
	h      func(s *Server, w http.ResponseWriter, r *http.Request, id string)
}

var routes = []route{
	{"GET", regexp.MustCompile(`^/api/org/?$`), (*Server).orgList},
	{"GET", regexp.MustCompile(`^/api/org/` + uuidRe + `$`), (*Server).getOrg},
	{"POST", regexp.MustCompile(`^/api/admin/orgs/?$`), (*Server).createOrg},
	{"GET", regexp.MustCompile(`^/api/admin/org/` + uuidRe + `$`), (*Server).getAdminOrg},
	{"PUT", regexp.MustCompile(`^/api/admin/org/` + uuidRe + `$`), (*Server).updateOrg},
	{"DELETE", regexp.MustCompile(`^/api/admin/org/` + uuidRe + `$`), (*Server).deleteOrg},
	{"POST", regexp.MustCompile(`^/api/admin/org/` + uuidRe + `/action/disable$`), orgEnabler(false)},
	{"POST", regexp.MustCompile(`^/api/admin/org/` + uuidRe + `/action/enable$`), orgEnabler(true)},
	{"POST", regexp.MustCompile(`^/api/admin/org/` + uuidRe + `/vdcsparams$`), (*Server).createVDC},
	{"GET", regexp.MustCompile(`^/api/admin/org/` + uuidRe + `/settings/oauth$`), (*Server).getOIDC},
	{"PUT", regexp.MustCompile(`^/api/admin/org/` + uuidRe + `/settings/oauth$`), (*Server).putOIDC},
	{"DELETE", regexp.MustCompile(`^/api/admin/org/` + uuidRe + `/settings/oauth$`), (*Server).deleteOIDC},
	{"POST", regexp.MustCompile(`^/api/admin/org/` + uuidRe + `/settings/oauth/openIdProviderConfig$`), (*Server).oidcProviderConfig},
	{"GET", regexp.MustCompile(`^/api/vdc/` + uuidRe + `$`), (*Server).getVDC},
	{"GET", regexp.MustCompile(`^/api/admin/vdc/` + uuidRe + `$`), (*Server).getAdminVDC},
	{"PUT", regexp.MustCompile(`^/api/admin/vdc/` + uuidRe + `$`), (*Server).updateVDC},
	{"DELETE", regexp.MustCompile(`^/api/(?:admin/)?vdc/` + uuidRe + `$`), (*Server).deleteVDC},
	{"POST", regexp.MustCompile(`^/api/admin/vdc/` + uuidRe + `/action/disable$`), vdcEnabler(false)},
	{"POST", regexp.MustCompile(`^/api/admin/vdc/` + uuidRe + `/action/enable$`), vdcEnabler(true)},
	{"POST", regexp.MustCompile(`^/api/admin/vdc/` + uuidRe + `/vdcStorageProfiles$`), (*Server).updateVDCProfiles},
	{"GET", regexp.MustCompile(`^/api/vdcStorageProfile/` + uuidRe + `$`), (*Server).getVDCProfile},
	{"GET", regexp.MustCompile(`^/api/admin/vdcStorageProfile/` + uuidRe + `$`), (*Server).getAdminVDCProfile},
	{"PUT", regexp.MustCompile(`^/api/admin/vdcStorageProfile/` + uuidRe + `$`), (*Server).putAdminVDCProfile},
	{"GET", regexp.MustCompile(`^/api/admin/providervdc/` + uuidRe + `$`), (*Server).getProviderVDC},
	{"GET", regexp.MustCompile(`^/api/query/?$`), (*Server).query},
	{"GET", regexp.MustCompile(`^/api/task/` + uuidRe + `$`), (*Server).getTask},
	{"POST", regexp.MustCompile(`^/cloudapi/1\.0\.0/testConnection/?$`), (*Server).testConnection},
	{"DELETE", regexp.MustCompile(`^/cloudapi/1\.0\.0/sessions(/provider)?$`), (*Server).logout},
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/api/versions" && r.Method == http.MethodGet:
		s.versions(w, r)
		return
	case p == "/cloudapi/1.0.0/sessions/provider" && r.Method == http.MethodPost:
		s.login(w, r)
		return
	case p == "/cloudapi/1.0.0/sessions" && r.Method == http.MethodPost:
		jsonError(w, http.StatusUnauthorized, "UNAUTHORIZED", "Tenant logins are not supported by this server; log in as a provider administrator.")
		return
	case p == "/oauth/provider/token" && r.Method == http.MethodPost:
		s.tokenGrant(w, r)
		return
	}
	cloudapi := strings.HasPrefix(p, "/cloudapi/")
	if !s.authorized(r) {
		if cloudapi {
			jsonError(w, http.StatusUnauthorized, "UNAUTHORIZED", "Not authenticated: a valid access token is required.")
		} else {
			xmlError(w, http.StatusUnauthorized, "UNAUTHORIZED", "Not authenticated: a valid access token is required.")
		}
		return
	}
	if !cloudapi && !versionAccepted(r.Header.Values("Accept")) {
		xmlError(w, http.StatusNotAcceptable, "NOT_ACCEPTABLE", "The requested API version is not supported.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	allowed := false
	for _, rt := range routes {
		m := rt.re.FindStringSubmatch(p)
		if m == nil {
			continue
		}
		if rt.method != r.Method {
			allowed = true
			continue
		}
		id := ""
		for _, g := range m[1:] {
			if len(g) == 36 {
				id = strings.ToLower(g)
			}
		}
		rt.h(s, w, r, id)
		return
	}
	if allowed {
		xmlError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "Method %s is not allowed on %s.", r.Method, p)
		return
	}
	xmlError(w, http.StatusNotFound, "RESOURCE_NOT_FOUND", "No resource at %s.", p)
}

func versionAccepted(accept []string) bool {
	for _, a := range accept {
		i := strings.Index(a, "version=")
		if i < 0 {
			continue
		}
		v := a[i+len("version="):]
		if j := strings.IndexAny(v, ";, "); j >= 0 {
			v = v[:j]
		}
		for _, sv := range supportedVersions {
			if v == sv {
				return true
			}
		}
		return false
	}
	return true
}

func (s *Server) authorized(r *http.Request) bool {
	tok := r.Header.Get("X-Vmware-Vcloud-Access-Token")
	if tok == "" {
		if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
			tok = a[7:]
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return tok != "" && s.tokens[tok]
}
