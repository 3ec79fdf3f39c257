package vcd

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/vmware/go-vcloud-director/v2/types/v56"
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
	{"POST", regexp.MustCompile(`^/api/admin/org/` + uuidRe + `/action/disable$`), (*Server).disableOrg},
	{"POST", regexp.MustCompile(`^/api/admin/org/` + uuidRe + `/action/enable$`), (*Server).enableOrg},
	{"POST", regexp.MustCompile(`^/api/admin/org/` + uuidRe + `/vdcsparams$`), (*Server).createVDC},
	{"GET", regexp.MustCompile(`^/api/admin/org/` + uuidRe + `/settings/oauth$`), (*Server).getOIDC},
	{"PUT", regexp.MustCompile(`^/api/admin/org/` + uuidRe + `/settings/oauth$`), (*Server).putOIDC},
	{"DELETE", regexp.MustCompile(`^/api/admin/org/` + uuidRe + `/settings/oauth$`), (*Server).deleteOIDC},
	{"POST", regexp.MustCompile(`^/api/admin/org/` + uuidRe + `/settings/oauth/openIdProviderConfig$`), (*Server).oidcProviderConfig},
	{"GET", regexp.MustCompile(`^/api/vdc/` + uuidRe + `$`), (*Server).getVDC},
	{"GET", regexp.MustCompile(`^/api/admin/vdc/` + uuidRe + `$`), (*Server).getAdminVDC},
	{"PUT", regexp.MustCompile(`^/api/admin/vdc/` + uuidRe + `$`), (*Server).updateVDC},
	{"DELETE", regexp.MustCompile(`^/api/(?:admin/)?vdc/` + uuidRe + `$`), (*Server).deleteVDC},
	{"POST", regexp.MustCompile(`^/api/admin/vdc/` + uuidRe + `/action/disable$`), (*Server).disableVDC},
	{"POST", regexp.MustCompile(`^/api/admin/vdc/` + uuidRe + `/action/enable$`), (*Server).enableVDC},
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

// ---- sessions and versions ----

func (s *Server) versions(w http.ResponseWriter, _ *http.Request) {
	sv := versionsXML{Xmlns: nsVersions}
	for _, v := range supportedVersions {
		sv.VersionInfo = append(sv.VersionInfo, versionInfoXML{Version: v, LoginURL: s.URL + "/api/sessions"})
	}
	writeXML(w, http.StatusOK, mimeVersions, "SupportedVersions", "", sv)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	name, orgName, _ := strings.Cut(user, "@")
	if !ok || name != s.opts.User || !strings.EqualFold(orgName, "System") || pass != s.opts.Password {
		jsonError(w, http.StatusUnauthorized, "UNAUTHORIZED", "Invalid credentials for %q.", user)
		return
	}
	tok := newToken()
	s.mu.Lock()
	s.tokens[tok] = true
	s.mu.Unlock()
	w.Header().Set("X-VMWARE-VCLOUD-ACCESS-TOKEN", tok)
	w.Header().Set("X-VMWARE-VCLOUD-TOKEN-TYPE", "Bearer")
	writeJSON(w, http.StatusOK, map[string]any{
		"id":           urn("session", newUUID()),
		"user":         map[string]string{"name": name, "id": urn("user", newUUID())},
		"org":          map[string]string{"name": "System", "id": urn("org", "a93c9db9-7471-3192-8d09-a8f7eeda85f9")},
		"operatingOrg": map[string]string{"name": "System"},
		"roles":        []string{"System Administrator"},
	})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, _ string) {
	delete(s.tokens, r.Header.Get("X-Vmware-Vcloud-Access-Token"))
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) tokenGrant(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		jsonError(w, http.StatusBadRequest, "BAD_REQUEST", "Malformed token request.")
		return
	}
	if r.PostForm.Get("grant_type") != "refresh_token" {
		jsonError(w, http.StatusBadRequest, "BAD_REQUEST", "Unsupported grant_type %q.", r.PostForm.Get("grant_type"))
		return
	}
	if s.opts.APIToken == "" || r.PostForm.Get("refresh_token") != s.opts.APIToken {
		jsonError(w, http.StatusBadRequest, "BAD_REQUEST", "invalid_grant: the API token is invalid, expired or revoked.")
		return
	}
	tok := newToken()
	s.mu.Lock()
	s.tokens[tok] = true
	s.mu.Unlock()
	// RFC 6749 section 5.1: a response carrying tokens must not be cached.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, types.ApiTokenRefresh{AccessToken: tok, TokenType: "Bearer", ExpiresIn: 2592000, RefreshToken: s.opts.APIToken})
}

// ---- organizations ----

func (s *Server) orgHref(o *org) string      { return s.URL + "/api/org/" + o.id }
func (s *Server) adminOrgHref(o *org) string { return s.URL + "/api/admin/org/" + o.id }

func (s *Server) orgRef(o *org) types.Reference {
	return types.Reference{HREF: s.adminOrgHref(o), ID: urn("org", o.id), Type: types.MimeAdminOrg, Name: o.name}
}

func (s *Server) orgList(w http.ResponseWriter, _ *http.Request, _ string) {
	list := orgListXML{Xmlns: types.XMLNamespaceVCloud, HREF: s.URL + "/api/org/", Type: mimeOrgList}
	for _, o := range s.sortedOrgs() {
		list.Org = append(list.Org, types.Reference{HREF: s.orgHref(o), Type: types.MimeOrg, Name: o.name})
	}
	writeXML(w, http.StatusOK, mimeOrgList, "OrgList", "", list)
}

func (s *Server) sortedOrgs() []*org {
	var out []*org
	for _, o := range s.orgs {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func (s *Server) getOrg(w http.ResponseWriter, _ *http.Request, id string) {
	o := s.orgs[id]
	if o == nil {
		noSuchEntity(w, "org", id)
		return
	}
	out := orgXML{Xmlns: types.XMLNamespaceVCloud, HREF: s.orgHref(o), Type: types.MimeOrg, ID: urn("org", o.id), Name: o.name,
		Description: o.desc, FullName: o.fullName, IsEnabled: o.enabled}
	for _, vid := range o.vdcs {
		v := s.vdcs[vid]
		out.Link = append(out.Link, &types.Link{Rel: "down", Type: types.MimeVDC, Name: v.cfg.Name, HREF: s.URL + "/api/vdc/" + v.id})
	}
	writeXML(w, http.StatusOK, types.MimeOrg, "Org", "", out)
}

func (s *Server) renderAdminOrg(o *org) *types.AdminOrg {
	href := s.adminOrgHref(o)
	general := o.general
	general.HREF, general.Type = href+"/settings/general", "application/vnd.vmware.admin.generalOrgSettings+xml"
	lease := o.lease
	lease.HREF, lease.Type = href+"/settings/vAppLeaseSettings", "application/vnd.vmware.admin.vAppLeaseSettings+xml"
	tmpl := o.tmpl
	tmpl.HREF, tmpl.Type = href+"/settings/vAppTemplateLeaseSettings", "application/vnd.vmware.admin.vAppTemplateLeaseSettings+xml"
	a := &types.AdminOrg{
		Xmlns: types.XMLNamespaceVCloud, HREF: href, Type: types.MimeAdminOrg, ID: urn("org", o.id),
		Name: o.name, Description: o.desc, FullName: o.fullName, IsEnabled: o.enabled,
		Link: types.LinkList{
			{Rel: "alternate", Type: types.MimeOrg, HREF: s.orgHref(o)},
			{Rel: "edit", Type: types.MimeAdminOrg, HREF: href},
			{Rel: "remove", HREF: href},
			{Rel: "add", Type: mimeCreateVdc, HREF: href + "/vdcsparams"},
			{Rel: "disable", HREF: href + "/action/disable"},
			{Rel: "enable", HREF: href + "/action/enable"},
		},
		Users: &types.OrgUserList{}, Groups: &types.OrgGroupList{}, Catalogs: &types.CatalogsList{},
		OrgSettings: &types.OrgSettings{
			HREF: href + "/settings", Type: "application/vnd.vmware.admin.orgSettings+xml",
			OrgGeneralSettings: &general, OrgVAppLeaseSettings: &lease, OrgVAppTemplateSettings: &tmpl,
		},
		Vdcs:     &types.VDCList{},
		Networks: &types.NetworksList{},
	}
	for _, vid := range o.vdcs {
		v := s.vdcs[vid]
		a.Vdcs.Vdcs = append(a.Vdcs.Vdcs, &types.Reference{HREF: s.URL + "/api/admin/vdc/" + v.id, ID: urn("vdc", v.id), Type: types.MimeAdminVDC, Name: v.cfg.Name})
	}
	if o.busy.running() {
		a.Tasks = &types.TasksInProgress{Task: []*types.Task{s.renderTask(o.busy)}}
	}
	return a
}

func (s *Server) getAdminOrg(w http.ResponseWriter, _ *http.Request, id string) {
	o := s.orgs[id]
	if o == nil {
		noSuchEntity(w, "org", id)
		return
	}
	writeXML(w, http.StatusOK, types.MimeAdminOrg, "AdminOrg", "", adminOrgWire(s.renderAdminOrg(o)))
}

var orgNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`)

func intPtr(i int) *int    { return &i }
func boolPtr(b bool) *bool { return &b }

func (s *Server) createOrg(w http.ResponseWriter, r *http.Request, _ string) {
	var in types.AdminOrg
	if !decodeXML(w, r, types.MimeAdminOrg, &in) {
		return
	}
	if !orgNameRe.MatchString(in.Name) {
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "Invalid organization name %q: use letters, digits, '-', '_' and '.'.", in.Name)
		return
	}
	if s.orgByName(in.Name) != nil {
		xmlError(w, http.StatusBadRequest, "DUPLICATE_NAME", "The VCD entity %s already exists.", in.Name)
		return
	}
	if strings.TrimSpace(in.FullName) == "" {
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "Organization full name must not be empty.")
		return
	}
	o := &org{id: newUUID(), name: in.Name, fullName: in.FullName, desc: in.Description, enabled: in.IsEnabled,
		lease: types.VAppLeaseSettings{DeleteOnStorageLeaseExpiration: boolPtr(false), DeploymentLeaseSeconds: intPtr(604800),
			StorageLeaseSeconds: intPtr(2592000), PowerOffOnRuntimeLeaseExpiration: boolPtr(false)},
		tmpl: types.VAppTemplateLeaseSettings{DeleteOnStorageLeaseExpiration: boolPtr(false), StorageLeaseSeconds: intPtr(2592000)},
	}
	s.applyOrgSettings(o, in.OrgSettings)
	s.orgs[o.id] = o
	o.busy = s.startTask(OpOrgCreate, "orgCreateOrg", s.orgRef(o), o.id, nil)
	writeXML(w, http.StatusCreated, types.MimeAdminOrg, "AdminOrg", "", adminOrgWire(s.renderAdminOrg(o)))
}

func (s *Server) applyOrgSettings(o *org, in *types.OrgSettings) {
	if in == nil {
		return
	}
	if g := in.OrgGeneralSettings; g != nil {
		o.general = types.OrgGeneralSettings{CanPublishCatalogs: g.CanPublishCatalogs, CanPublishExternally: g.CanPublishExternally,
			CanSubscribe: g.CanSubscribe, DeployedVMQuota: g.DeployedVMQuota, StoredVMQuota: g.StoredVMQuota,
			UseServerBootSequence: g.UseServerBootSequence, DelayAfterPowerOnSeconds: g.DelayAfterPowerOnSeconds}
	}
	if l := in.OrgVAppLeaseSettings; l != nil {
		if l.DeleteOnStorageLeaseExpiration != nil {
			o.lease.DeleteOnStorageLeaseExpiration = l.DeleteOnStorageLeaseExpiration
		}
		if l.DeploymentLeaseSeconds != nil {
			o.lease.DeploymentLeaseSeconds = l.DeploymentLeaseSeconds
		}
		if l.StorageLeaseSeconds != nil {
			o.lease.StorageLeaseSeconds = l.StorageLeaseSeconds
		}
		if l.PowerOffOnRuntimeLeaseExpiration != nil {
			o.lease.PowerOffOnRuntimeLeaseExpiration = l.PowerOffOnRuntimeLeaseExpiration
		}
	}
	if t := in.OrgVAppTemplateSettings; t != nil {
		if t.DeleteOnStorageLeaseExpiration != nil {
			o.tmpl.DeleteOnStorageLeaseExpiration = t.DeleteOnStorageLeaseExpiration
		}
		if t.StorageLeaseSeconds != nil {
			o.tmpl.StorageLeaseSeconds = t.StorageLeaseSeconds
		}
	}
}

func (s *Server) updateOrg(w http.ResponseWriter, r *http.Request, id string) {
	o := s.orgs[id]
	if o == nil {
		noSuchEntity(w, "org", id)
		return
	}
	var in types.AdminOrg
	if !decodeXML(w, r, types.MimeAdminOrg, &in) {
		return
	}
	if o.busy.running() {
		busy(w, "Organization", o.name, urn("org", o.id), o.busy)
		return
	}
	if in.Name != o.name {
		if !orgNameRe.MatchString(in.Name) {
			xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "Invalid organization name %q.", in.Name)
			return
		}
		if s.orgByName(in.Name) != nil {
			xmlError(w, http.StatusBadRequest, "DUPLICATE_NAME", "The VCD entity %s already exists.", in.Name)
			return
		}
	}
	if strings.TrimSpace(in.FullName) == "" {
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "Organization full name must not be empty.")
		return
	}
	o.busy = s.startTask(OpOrgUpdate, "orgUpdateOrg", s.orgRef(o), o.id, func(ok bool) {
		if !ok {
			return
		}
		o.name, o.fullName, o.desc, o.enabled = in.Name, in.FullName, in.Description, in.IsEnabled
		s.applyOrgSettings(o, in.OrgSettings)
	})
	writeXML(w, http.StatusAccepted, types.MimeTask, "Task", types.XMLNamespaceVCloud, s.renderTask(o.busy))
}

func (s *Server) disableOrg(w http.ResponseWriter, _ *http.Request, id string) {
	o := s.orgs[id]
	if o == nil {
		noSuchEntity(w, "org", id)
		return
	}
	o.enabled = false
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) enableOrg(w http.ResponseWriter, _ *http.Request, id string) {
	o := s.orgs[id]
	if o == nil {
		noSuchEntity(w, "org", id)
		return
	}
	o.enabled = true
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) deleteOrg(w http.ResponseWriter, r *http.Request, id string) {
	o := s.orgs[id]
	if o == nil {
		noSuchEntity(w, "org", id)
		return
	}
	force, recursive := boolParam(r, "force"), boolParam(r, "recursive")
	if o.busy.running() {
		busy(w, "Organization", o.name, urn("org", o.id), o.busy)
		return
	}
	if len(o.vdcs) > 0 && !recursive {
		var names []string
		for _, vid := range o.vdcs {
			names = append(names, s.vdcs[vid].cfg.Name)
		}
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST",
			"Organization %s cannot be deleted: it still contains virtual data centers (%s). Delete them first or delete recursively.",
			o.name, strings.Join(names, ", "))
		return
	}
	if o.enabled && !force {
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "Organization %s must be disabled before it can be deleted.", o.name)
		return
	}
	for _, vid := range o.vdcs {
		if v := s.vdcs[vid]; v.busy.running() {
			busy(w, "VDC", v.cfg.Name, urn("vdc", v.id), v.busy)
			return
		}
	}
	o.busy = s.startTask(OpOrgDelete, "orgDeleteOrg", s.orgRef(o), o.id, func(ok bool) {
		if ok {
			s.removeOrg(o)
		}
	})
	writeXML(w, http.StatusAccepted, types.MimeTask, "Task", types.XMLNamespaceVCloud, s.renderTask(o.busy))
}

// ---- tasks ----

func (s *Server) renderTask(t *task) *types.Task {
	href := s.URL + "/api/task/" + t.id
	owner := t.owner
	out := &types.Task{
		HREF: href, Type: types.MimeTask, ID: urn("task", t.id), Name: "task", Status: t.status,
		Operation: t.opName + " " + owner.Name, OperationName: t.opName, ServiceNamespace: "com.vmware.cloud",
		StartTime: rfc3339(t.start), ExpiryTime: rfc3339(t.start.Add(30 * 24 * time.Hour)),
		Owner: &owner,
		User:  &types.Reference{Name: s.opts.User, Type: "application/vnd.vmware.admin.user+xml", HREF: s.URL + "/api/admin/user/" + "9d3a8c5e-5bd0-4c4b-9d0e-2b8a1f6b7a11"},
	}
	if o := s.orgs[t.orgID]; o != nil {
		out.Organization = &types.Reference{HREF: s.orgHref(o), Name: o.name, Type: types.MimeOrg, ID: urn("org", o.id)}
	}
	switch t.status {
	case "running":
		out.Link = &types.LinkList{{Rel: "task:cancel", HREF: href + "/action/cancel"}}
		if t.dur > 0 {
			out.Progress = int(100 * time.Since(t.start) / t.dur)
		}
	case "success":
		out.EndTime, out.Progress = rfc3339(t.end), 100
	case "error":
		out.EndTime = rfc3339(t.end)
		out.Details = t.failMsg
		out.Error = &types.Error{MajorErrorCode: 500, MinorErrorCode: "INTERNAL_SERVER_ERROR", Message: t.failMsg}
	}
	return out
}

func (s *Server) getTask(w http.ResponseWriter, _ *http.Request, id string) {
	t := s.tasks[id]
	if t == nil {
		notFound(w, "Task", urn("task", id))
		return
	}
	writeXML(w, http.StatusOK, types.MimeTask, "Task", types.XMLNamespaceVCloud, s.renderTask(t))
}

// ---- test connection ----

func (s *Server) testConnection(w http.ResponseWriter, r *http.Request, _ string) {
	var in types.TestConnection
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Host == "" {
		jsonError(w, http.StatusBadRequest, "BAD_REQUEST", "A host is required to test a connection.")
		return
	}
	secure := in.Secure != nil && *in.Secure
	res := types.TestConnectionResult{TargetProbe: &types.ProbeResult{
		Result: "SUCCESS", ResolvedIp: "127.0.0.1", CanConnect: true, SSLHandshake: secure, ConnectionResult: "SUCCESS",
	}}
	if secure {
		res.TargetProbe.SSLResult = "SUCCESS"
	}
	if strings.HasSuffix(in.Host, ".invalid") {
		res.TargetProbe = &types.ProbeResult{Result: "Cannot resolve host", CanConnect: false, ConnectionResult: "ERROR_CANNOT_RESOLVE_IP"}
	}
	writeJSON(w, http.StatusOK, res)
}

// ---- OpenID Connect ----

func (s *Server) oauthOrg(w http.ResponseWriter, r *http.Request, id string) *org {
	o := s.orgs[id]
	if o == nil {
		noSuchEntity(w, "org", id)
		return nil
	}
	if tc := r.Header.Get(types.HeaderTenantContext); tc != "" && !strings.EqualFold(uuidOf(tc), o.id) {
		xmlError(w, http.StatusForbidden, "ACCESS_TO_RESOURCE_IS_FORBIDDEN", "The tenant context %s does not match organization %s.", tc, o.name)
		return nil
	}
	return o
}

func (s *Server) renderOIDC(o *org) *types.OrgOAuthSettings {
	href := s.adminOrgHref(o) + "/settings/oauth"
	out := types.OrgOAuthSettings{}
	if o.oauth != nil {
		out = *o.oauth
		out.ClientSecret = "" // never returned
	}
	out.Xmlns, out.Href, out.Type = types.XMLNamespaceVCloud, href, types.MimeOAuthSettingsXml
	out.OrgRedirectUri = s.URL + "/login/oauth?service=tenant:" + o.name
	out.Link = &types.LinkList{{Rel: "edit", Type: types.MimeOAuthSettingsXml, HREF: href}, {Rel: "remove", HREF: href}}
	return &out
}

func (s *Server) getOIDC(w http.ResponseWriter, r *http.Request, id string) {
	o := s.oauthOrg(w, r, id)
	if o == nil {
		return
	}
	writeXML(w, http.StatusOK, types.MimeOAuthSettingsXml, "OrgOAuthSettings", "", s.renderOIDC(o))
}

func (s *Server) putOIDC(w http.ResponseWriter, r *http.Request, id string) {
	o := s.oauthOrg(w, r, id)
	if o == nil {
		return
	}
	var in types.OrgOAuthSettings
	if !decodeXML(w, r, types.MimeOAuthSettingsXml, &in) {
		return
	}
	var missing []string
	for name, v := range map[string]string{"ClientId": in.ClientId, "ClientSecret": in.ClientSecret,
		"UserAuthorizationEndpoint": in.UserAuthorizationEndpoint, "AccessTokenEndpoint": in.AccessTokenEndpoint,
		"UserInfoEndpoint": in.UserInfoEndpoint} {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, name)
		}
	}
	if in.OAuthKeyConfigurations == nil || len(in.OAuthKeyConfigurations.OAuthKeyConfiguration) == 0 {
		missing = append(missing, "OAuthKeyConfigurations")
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "Invalid OpenID Connect settings: missing %s.", strings.Join(missing, ", "))
		return
	}
	for _, ep := range []string{in.UserAuthorizationEndpoint, in.AccessTokenEndpoint, in.UserInfoEndpoint} {
		if !strings.HasPrefix(ep, "https://") && !strings.HasPrefix(ep, "http://") {
			xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "Invalid OpenID Connect endpoint %q: an absolute http(s) URL is required.", ep)
			return
		}
	}
	in.LastKeyRefreshAttempt, in.LastKeySuccessfulRefresh = rfc3339(time.Now()), rfc3339(time.Now())
	cp := in
	o.oauth = &cp
	writeXML(w, http.StatusOK, types.MimeOAuthSettingsXml, "OrgOAuthSettings", "", s.renderOIDC(o))
}

func (s *Server) deleteOIDC(w http.ResponseWriter, r *http.Request, id string) {
	o := s.oauthOrg(w, r, id)
	if o == nil {
		return
	}
	o.oauth = nil
	w.WriteHeader(http.StatusNoContent)
}

// oidcProviderConfig answers a well-known endpoint lookup. The simulator
// cannot reach identity providers, so it derives Keycloak-style endpoints
// from the issuer URL the well-known address names.
func (s *Server) oidcProviderConfig(w http.ResponseWriter, r *http.Request, id string) {
	o := s.oauthOrg(w, r, id)
	if o == nil {
		return
	}
	var in types.OpenIdProviderInfo
	if !decodeXML(w, r, "", &in) {
		return
	}
	const suffix = "/.well-known/openid-configuration"
	ep := in.OpenIdProviderConfigurationEndpoint
	if !strings.HasSuffix(ep, suffix) || !(strings.HasPrefix(ep, "https://") || strings.HasPrefix(ep, "http://")) {
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "Unable to retrieve the OpenID provider configuration from %q.", ep)
		return
	}
	if s.idp != nil { // serve holds s.mu
		s.fetchedProviderConfig(w, s.idp, ep)
		return
	}
	issuer := strings.TrimSuffix(ep, suffix)
	settings := types.OrgOAuthSettings{
		Xmlns: types.XMLNamespaceVCloud, IssuerId: issuer,
		UserAuthorizationEndpoint: issuer + "/protocol/openid-connect/auth",
		AccessTokenEndpoint:       issuer + "/protocol/openid-connect/token",
		UserInfoEndpoint:          issuer + "/protocol/openid-connect/userinfo",
		JwksUri:                   issuer + "/protocol/openid-connect/certs",
		Scope:                     []string{"openid", "profile", "email"},
		OIDCAttributeMapping: &types.OIDCAttributeMapping{Xmlns: types.XMLNamespaceVCloud,
			SubjectAttributeName: "sub", EmailAttributeName: "email", FullNameAttributeName: "name",
			FirstNameAttributeName: "given_name", LastNameAttributeName: "family_name",
			GroupsAttributeName: "groups", RolesAttributeName: "roles"},
		OAuthKeyConfigurations: &types.OAuthKeyConfigurationsList{Xmlns: types.XMLNamespaceVCloud,
			OAuthKeyConfiguration: []types.OAuthKeyConfiguration{{Xmlns: types.XMLNamespaceVCloud, KeyId: "sim-key-1", Algorithm: "EC", Key: s.oidcKeyPEM}}},
		WellKnownEndpoint: ep,
	}
	doc, _ := json.Marshal(map[string]string{"issuer": issuer, "authorization_endpoint": settings.UserAuthorizationEndpoint,
		"token_endpoint": settings.AccessTokenEndpoint, "userinfo_endpoint": settings.UserInfoEndpoint, "jwks_uri": settings.JwksUri})
	out := types.OpenIdProviderConfiguration{Xmlns: types.XMLNamespaceVCloud, OrgOAuthSettings: settings, ProviderConfigResponse: string(doc)}
	writeXML(w, http.StatusOK, mimeOIDCConfig, "OpenIdProviderConfiguration", "", out)
}
