package vcd

import (
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/vmware/go-vcloud-director/v2/types/v56"
)

func (s *Server) orgHref(o *org) string { return s.URL + "/api/org/" + o.id }

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

func intPtr(i int) *int { return &i }

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

// orgEnabler answers action/enable and action/disable: 204.
func orgEnabler(enabled bool) func(*Server, http.ResponseWriter, *http.Request, string) {
	return func(s *Server, w http.ResponseWriter, _ *http.Request, id string) {
		o := s.orgs[id]
		if o == nil {
			noSuchEntity(w, "org", id)
			return
		}
		o.enabled = enabled
		w.WriteHeader(http.StatusNoContent)
	}
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
