package vcd

import (
	"encoding/xml"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/vmware/go-vcloud-director/v2/types/v56"
)

var allocationModels = map[string]bool{"AllocationVApp": true, "AllocationPool": true, "ReservationPool": true, "Flex": true}

func (s *Server) pvdcByID(id string) *pvdc {
	for _, p := range s.pvdcs {
		if p.id == id {
			return p
		}
	}
	return nil
}

func (s *Server) pvdcSPByID(id string) *pvdcProfile {
	for _, p := range s.pvdcSPs {
		if p.id == id {
			return p
		}
	}
	return nil
}

func (s *Server) poolByID(id string) *netPool {
	for _, p := range s.pools {
		if p.id == id {
			return p
		}
	}
	return nil
}

func (s *Server) pvdcHref(p *pvdc) string { return s.URL + "/api/admin/providervdc/" + p.id }
func (s *Server) pvdcSPHref(p *pvdcProfile) string {
	return s.URL + "/api/admin/pvdcStorageProfile/" + p.id
}
func (s *Server) poolHref(p *netPool) string {
	return s.URL + "/api/admin/extension/networkPool/" + p.id
}

func (s *Server) vdcRef(v *vdc) types.Reference {
	return types.Reference{HREF: s.URL + "/api/admin/vdc/" + v.id, ID: urn("vdc", v.id), Type: types.MimeAdminVDC, Name: v.cfg.Name}
}

// renderAdminVDC builds the AdminVdc view of v (admin=false: the Vdc view).
func (s *Server) renderAdminVDC(v *vdc, admin bool) *types.AdminVdc {
	a := v.cfg
	a.Xmlns = types.XMLNamespaceVCloud
	a.ID, a.Status = urn("vdc", v.id), v.status
	if admin {
		a.HREF, a.Type = s.URL+"/api/admin/vdc/"+v.id, types.MimeAdminVDC
	} else {
		a.HREF, a.Type = s.URL+"/api/vdc/"+v.id, types.MimeVDC
	}
	o := s.orgs[v.orgID]
	a.Link = types.LinkList{
		{Rel: "up", Type: types.MimeAdminOrg, HREF: s.adminOrgHref(o)},
		{Rel: "edit", Type: types.MimeAdminVDC, HREF: s.URL + "/api/admin/vdc/" + v.id},
		{Rel: "remove", HREF: s.URL + "/api/admin/vdc/" + v.id},
		{Rel: "alternate", Type: types.MimeVDC, HREF: s.URL + "/api/vdc/" + v.id},
	}
	a.ComputeCapacity = nil
	for _, c := range v.cfg.ComputeCapacity {
		cc := *c
		a.ComputeCapacity = append(a.ComputeCapacity, &cc)
	}
	a.VdcStorageProfiles = &types.VdcStorageProfiles{}
	for _, id := range v.sps {
		sp := s.vdcSPs[id]
		a.VdcStorageProfiles.VdcStorageProfile = append(a.VdcStorageProfiles.VdcStorageProfile,
			&types.Reference{HREF: s.URL + "/api/vdcStorageProfile/" + sp.id, ID: urn("vdcstorageProfile", sp.id), Type: mimeVdcSP, Name: sp.name})
	}
	if p := s.pvdcByID(v.pvdcID); p != nil {
		a.ProviderVdcReference = &types.Reference{HREF: s.pvdcHref(p), ID: urn("providervdc", p.id), Type: mimeAdminPvdc, Name: p.name}
	}
	a.NetworkPoolReference = nil
	if p := s.poolByID(v.poolID); p != nil {
		a.NetworkPoolReference = &types.Reference{HREF: s.poolHref(p), ID: urn("networkpool", p.id), Type: mimeNetworkPool, Name: p.name}
	}
	a.ResourceEntities = s.vappEntities(v.id)
	a.Tasks = nil
	if v.busy.running() {
		a.Tasks = &types.TasksInProgress{Task: []*types.Task{s.renderTask(v.busy)}}
	}
	if !admin {
		a.NetworkPoolReference, a.ProviderVdcReference = nil, nil
	}
	return &a
}

func (s *Server) getVDC(w http.ResponseWriter, _ *http.Request, id string) {
	v := s.vdcs[id]
	if v == nil {
		noSuchEntity(w, "vdc", id)
		return
	}
	writeXML(w, http.StatusOK, types.MimeVDC, "Vdc", types.XMLNamespaceVCloud, s.renderAdminVDC(v, false).Vdc)
}

func (s *Server) getAdminVDC(w http.ResponseWriter, _ *http.Request, id string) {
	v := s.vdcs[id]
	if v == nil {
		noSuchEntity(w, "vdc", id)
		return
	}
	writeXML(w, http.StatusOK, types.MimeAdminVDC, "AdminVdc", "", s.renderAdminVDC(v, true))
}

func (s *Server) createVDC(w http.ResponseWriter, r *http.Request, orgID string) {
	o := s.orgs[orgID]
	if o == nil {
		noSuchEntity(w, "org", orgID)
		return
	}
	var in types.VdcConfiguration
	if !decodeXML(w, r, mimeCreateVdc, &in) {
		return
	}
	// IsEnabled is omitted when false by some clients; absent means enabled.
	var presence struct {
		IsEnabled *bool `xml:"IsEnabled"`
	}
	_ = xml.Unmarshal(mustReread(r), &presence)
	if strings.TrimSpace(in.Name) == "" {
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "A VDC name is required.")
		return
	}
	for _, vid := range o.vdcs {
		if s.vdcs[vid].cfg.Name == in.Name {
			xmlError(w, http.StatusBadRequest, "DUPLICATE_NAME", "The VCD entity %s already exists.", in.Name)
			return
		}
	}
	if !allocationModels[in.AllocationModel] {
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "Invalid allocation model %q.", in.AllocationModel)
		return
	}
	if in.ProviderVdcReference == nil || s.pvdcByID(uuidOf(in.ProviderVdcReference.HREF)) == nil {
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "The provider VDC reference is missing or does not name an existing provider VDC.")
		return
	}
	pv := s.pvdcByID(uuidOf(in.ProviderVdcReference.HREF))
	if len(in.ComputeCapacity) == 0 || in.ComputeCapacity[0].CPU == nil || in.ComputeCapacity[0].Memory == nil {
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "ComputeCapacity with Cpu and Memory is required.")
		return
	}
	if len(in.VdcStorageProfile) == 0 {
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "At least one storage profile is required.")
		return
	}
	defaults := 0
	seen := map[string]bool{}
	for _, sp := range in.VdcStorageProfile {
		if sp.ProviderVdcStorageProfile == nil {
			xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "A storage profile has no ProviderVdcStorageProfile reference.")
			return
		}
		p := s.pvdcSPByID(uuidOf(sp.ProviderVdcStorageProfile.HREF))
		if p == nil || p.pvdcID != pv.id {
			xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "Storage profile %s is not available in provider VDC %s.", sp.ProviderVdcStorageProfile.HREF, pv.name)
			return
		}
		if seen[p.id] {
			xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "Storage profile %s is listed twice.", p.name)
			return
		}
		seen[p.id] = true
		if sp.Default {
			defaults++
		}
	}
	if defaults != 1 {
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "Exactly one storage profile must be the default, got %d.", defaults)
		return
	}
	poolID := ""
	if in.NetworkPoolReference != nil {
		p := s.poolByID(uuidOf(in.NetworkPoolReference.HREF))
		if p == nil {
			xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "Network pool %s does not exist.", in.NetworkPoolReference.HREF)
			return
		}
		poolID = p.id
	}
	enabled := true
	if presence.IsEnabled != nil {
		enabled = *presence.IsEnabled
	}
	v := &vdc{id: newUUID(), orgID: o.id, status: 0, pvdcID: pv.id, poolID: poolID}
	v.cfg = types.AdminVdc{Vdc: types.Vdc{Name: in.Name, Description: in.Description, AllocationModel: in.AllocationModel,
		ComputeCapacity: in.ComputeCapacity, NicQuota: in.NicQuota, NetworkQuota: in.NetworkQuota, VMQuota: in.VmQuota, IsEnabled: enabled},
		ResourceGuaranteedMemory: in.ResourceGuaranteedMemory, ResourceGuaranteedCpu: in.ResourceGuaranteedCpu,
		IsThinProvision: boolPtr(in.IsThinProvision), UsesFastProvisioning: boolPtr(in.UsesFastProvisioning),
		OverCommitAllowed: in.OverCommitAllowed, VmDiscoveryEnabled: in.VmDiscoveryEnabled,
		IsElastic: in.IsElastic, IncludeMemoryOverhead: in.IncludeMemoryOverhead}
	if in.VCpuInMhz > 0 {
		v.cfg.VCpuInMhz2 = &in.VCpuInMhz
	}
	for _, c := range v.cfg.ComputeCapacity {
		for _, cu := range []*types.CapacityWithUsage{c.CPU, c.Memory} {
			if cu.Units == "" {
				cu.Units = map[bool]string{true: "MHz", false: "MB"}[cu == c.CPU]
			}
		}
	}
	for _, sp := range in.VdcStorageProfile {
		p := s.pvdcSPByID(uuidOf(sp.ProviderVdcStorageProfile.HREF))
		vp := &vdcProfile{id: newUUID(), vdcID: v.id, pvdcSPID: p.id, name: p.name, limit: sp.Limit, isDefault: sp.Default,
			enabled: sp.Enabled == nil || *sp.Enabled}
		s.vdcSPs[vp.id] = vp
		v.sps = append(v.sps, vp.id)
	}
	s.vdcs[v.id] = v
	o.vdcs = append(o.vdcs, v.id)
	v.busy = s.startTask(OpVDCCreate, "vdcCreateVdc", s.vdcRef(v), o.id, func(ok bool) {
		if ok {
			v.status = 1
		} else {
			v.status = -1
		}
	})
	writeXML(w, http.StatusCreated, types.MimeAdminVDC, "AdminVdc", "", s.renderAdminVDC(v, true))
}

// mustReread returns the request body again (decodeXML leaves a copy).
func mustReread(r *http.Request) []byte {
	b, _ := io.ReadAll(r.Body)
	return b
}

func (s *Server) updateVDC(w http.ResponseWriter, r *http.Request, id string) {
	v := s.vdcs[id]
	if v == nil {
		noSuchEntity(w, "vdc", id)
		return
	}
	var in types.AdminVdc
	if !decodeXML(w, r, types.MimeAdminVDC, &in) {
		return
	}
	if v.busy.running() {
		busy(w, "VDC", v.cfg.Name, urn("vdc", v.id), v.busy)
		return
	}
	if in.AllocationModel != "" && in.AllocationModel != v.cfg.AllocationModel {
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "The allocation model of VDC %s cannot be changed from %s to %s.", v.cfg.Name, v.cfg.AllocationModel, in.AllocationModel)
		return
	}
	if in.ProviderVdcReference != nil && in.ProviderVdcReference.HREF != "" && uuidOf(in.ProviderVdcReference.HREF) != v.pvdcID {
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "The provider VDC of VDC %s cannot be changed.", v.cfg.Name)
		return
	}
	if in.Name != v.cfg.Name {
		for _, vid := range s.orgs[v.orgID].vdcs {
			if s.vdcs[vid].cfg.Name == in.Name {
				xmlError(w, http.StatusBadRequest, "DUPLICATE_NAME", "The VCD entity %s already exists.", in.Name)
				return
			}
		}
	}
	if len(in.ComputeCapacity) == 0 || in.ComputeCapacity[0].CPU == nil || in.ComputeCapacity[0].Memory == nil {
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "ComputeCapacity with Cpu and Memory is required.")
		return
	}
	v.busy = s.startTask(OpVDCUpdate, "vdcUpdateVdc", s.vdcRef(v), v.orgID, func(ok bool) {
		if !ok {
			return
		}
		c := &v.cfg
		c.Name, c.Description, c.ComputeCapacity = in.Name, in.Description, in.ComputeCapacity
		c.NicQuota, c.NetworkQuota, c.VMQuota, c.IsEnabled = in.NicQuota, in.NetworkQuota, in.VMQuota, in.IsEnabled
		c.ResourceGuaranteedMemory, c.ResourceGuaranteedCpu = in.ResourceGuaranteedMemory, in.ResourceGuaranteedCpu
		if in.VCpuInMhz2 != nil {
			c.VCpuInMhz2 = in.VCpuInMhz2
		}
		if in.IsThinProvision != nil {
			c.IsThinProvision = in.IsThinProvision
		}
		if in.UsesFastProvisioning != nil {
			c.UsesFastProvisioning = in.UsesFastProvisioning
		}
		c.OverCommitAllowed, c.VmDiscoveryEnabled = in.OverCommitAllowed, in.VmDiscoveryEnabled
		if in.IsElastic != nil {
			c.IsElastic = in.IsElastic
		}
		if in.IncludeMemoryOverhead != nil {
			c.IncludeMemoryOverhead = in.IncludeMemoryOverhead
		}
		if in.NetworkPoolReference != nil {
			if p := s.poolByID(uuidOf(in.NetworkPoolReference.HREF)); p != nil {
				v.poolID = p.id
			}
		}
	})
	writeXML(w, http.StatusAccepted, types.MimeTask, "Task", types.XMLNamespaceVCloud, s.renderTask(v.busy))
}

func (s *Server) disableVDC(w http.ResponseWriter, _ *http.Request, id string) {
	v := s.vdcs[id]
	if v == nil {
		noSuchEntity(w, "vdc", id)
		return
	}
	v.cfg.IsEnabled = false
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) enableVDC(w http.ResponseWriter, _ *http.Request, id string) {
	v := s.vdcs[id]
	if v == nil {
		noSuchEntity(w, "vdc", id)
		return
	}
	v.cfg.IsEnabled = true
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) deleteVDC(w http.ResponseWriter, r *http.Request, id string) {
	v := s.vdcs[id]
	if v == nil {
		noSuchEntity(w, "vdc", id)
		return
	}
	if v.busy.running() {
		busy(w, "VDC", v.cfg.Name, urn("vdc", v.id), v.busy)
		return
	}
	if v.cfg.IsEnabled && !boolParam(r, "force") {
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "VDC %s must be disabled before it can be deleted.", v.cfg.Name)
		return
	}
	v.busy = s.startTask(OpVDCDelete, "vdcDeleteVdc", s.vdcRef(v), v.orgID, func(ok bool) {
		if ok {
			s.removeVDC(v)
		}
	})
	writeXML(w, http.StatusAccepted, types.MimeTask, "Task", types.XMLNamespaceVCloud, s.renderTask(v.busy))
}

// ---- VDC storage profiles ----

func (s *Server) renderVDCProfile(sp *vdcProfile) *types.VdcStorageProfile {
	p := s.pvdcSPByID(sp.pvdcSPID)
	return &types.VdcStorageProfile{ID: urn("vdcstorageProfile", sp.id), Xmlns: types.XMLNamespaceVCloud, Name: sp.name,
		Enabled: boolPtr(sp.enabled), Units: "MB", Limit: sp.limit, Default: sp.isDefault,
		IopsSettings:              &types.VdcStorageProfileIopsSettings{Xmlns: types.XMLNamespaceVCloud},
		ProviderVdcStorageProfile: &types.Reference{HREF: s.pvdcSPHref(p), Name: p.name, Type: mimePvdcSP}}
}

func (s *Server) getVDCProfile(w http.ResponseWriter, _ *http.Request, id string) {
	sp := s.vdcSPs[id]
	if sp == nil {
		notFound(w, "VDC storage profile", urn("vdcstorageProfile", id))
		return
	}
	writeXML(w, http.StatusOK, mimeVdcSP, "VdcStorageProfile", "", s.renderVDCProfile(sp))
}

func (s *Server) getAdminVDCProfile(w http.ResponseWriter, _ *http.Request, id string) {
	sp := s.vdcSPs[id]
	if sp == nil {
		notFound(w, "VDC storage profile", urn("vdcstorageProfile", id))
		return
	}
	p := s.renderVDCProfile(sp)
	out := types.AdminVdcStorageProfile{Xmlns: p.Xmlns, Name: p.Name, Enabled: p.Enabled, Units: p.Units, Limit: p.Limit,
		Default: p.Default, IopsSettings: p.IopsSettings, ProviderVdcStorageProfile: p.ProviderVdcStorageProfile}
	writeXML(w, http.StatusOK, mimeAdminVdcSP, "AdminVdcStorageProfile", "", out)
}

func (s *Server) putAdminVDCProfile(w http.ResponseWriter, r *http.Request, id string) {
	sp := s.vdcSPs[id]
	if sp == nil {
		notFound(w, "VDC storage profile", urn("vdcstorageProfile", id))
		return
	}
	var in types.AdminVdcStorageProfile
	if !decodeXML(w, r, mimeAdminVdcSP, &in) {
		return
	}
	enabled := sp.enabled
	if in.Enabled != nil {
		enabled = *in.Enabled
	}
	if sp.isDefault && !in.Default {
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "Storage profile %s is the VDC's default; make another profile the default first.", sp.name)
		return
	}
	if in.Default && !enabled {
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "The default storage profile %s cannot be disabled.", sp.name)
		return
	}
	if in.Limit < 0 {
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "Storage limit must not be negative.")
		return
	}
	if in.Default && !sp.isDefault {
		for _, other := range s.vdcs[sp.vdcID].sps {
			s.vdcSPs[other].isDefault = false
		}
	}
	sp.limit, sp.isDefault, sp.enabled = in.Limit, in.Default, enabled
	s.getAdminVDCProfile(w, r, id)
}

func (s *Server) updateVDCProfiles(w http.ResponseWriter, r *http.Request, id string) {
	v := s.vdcs[id]
	if v == nil {
		noSuchEntity(w, "vdc", id)
		return
	}
	var in types.UpdateVdcStorageProfiles
	if !decodeXML(w, r, mimeUpdateVdcSP, &in) {
		return
	}
	if v.busy.running() {
		busy(w, "VDC", v.cfg.Name, urn("vdc", v.id), v.busy)
		return
	}
	var add *pvdcProfile
	if a := in.AddStorageProfile; a != nil {
		if a.ProviderVdcStorageProfile == nil {
			xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "AddStorageProfile needs a ProviderVdcStorageProfile reference.")
			return
		}
		add = s.pvdcSPByID(uuidOf(a.ProviderVdcStorageProfile.HREF))
		if add == nil || add.pvdcID != v.pvdcID {
			xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "Storage profile %s is not available in the VDC's provider VDC.", a.ProviderVdcStorageProfile.HREF)
			return
		}
		for _, spID := range v.sps {
			if s.vdcSPs[spID].pvdcSPID == add.id {
				xmlError(w, http.StatusBadRequest, "DUPLICATE_NAME", "Storage profile %s is already in VDC %s.", add.name, v.cfg.Name)
				return
			}
		}
	}
	var remove *vdcProfile
	if rm := in.RemoveStorageProfile; rm != nil {
		remove = s.vdcSPs[uuidOf(rm.HREF)]
		if remove == nil || remove.vdcID != v.id {
			xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "Storage profile %s is not in VDC %s.", rm.HREF, v.cfg.Name)
			return
		}
		if remove.isDefault || remove.enabled {
			xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "Storage profile %s must be disabled and not the default before it can be removed.", remove.name)
			return
		}
	}
	a := in.AddStorageProfile
	v.busy = s.startTask(OpVDCStorage, "vdcUpdateVdcStorageProfiles", s.vdcRef(v), v.orgID, func(ok bool) {
		if !ok {
			return
		}
		if add != nil {
			vp := &vdcProfile{id: newUUID(), vdcID: v.id, pvdcSPID: add.id, name: add.name, limit: a.Limit,
				enabled: a.Enabled == nil || *a.Enabled}
			if a.Default {
				for _, other := range v.sps {
					s.vdcSPs[other].isDefault = false
				}
				vp.isDefault = true
			}
			s.vdcSPs[vp.id] = vp
			v.sps = append(v.sps, vp.id)
		}
		if remove != nil {
			delete(s.vdcSPs, remove.id)
			for i, spID := range v.sps {
				if spID == remove.id {
					v.sps = append(v.sps[:i], v.sps[i+1:]...)
					break
				}
			}
		}
	})
	writeXML(w, http.StatusAccepted, types.MimeTask, "Task", types.XMLNamespaceVCloud, s.renderTask(v.busy))
}

// ---- provider VDCs and the query service ----

func (s *Server) getProviderVDC(w http.ResponseWriter, _ *http.Request, id string) {
	p := s.pvdcByID(id)
	if p == nil {
		notFound(w, "Provider VDC", urn("providervdc", id))
		return
	}
	out := providerVdcXML{Xmlns: types.XMLNamespaceVCloud, HREF: s.pvdcHref(p), Type: mimeAdminPvdc, ID: urn("providervdc", p.id), Name: p.name,
		Status: 1, IsEnabled: true, StorageProfiles: &types.ProviderStorageProfiles{}, NetworkPoolReferences: &types.NetworkPoolReferences{}}
	for _, sp := range s.pvdcSPs {
		if sp.pvdcID == p.id {
			out.StorageProfiles.ProviderVdcStorageProfile = append(out.StorageProfiles.ProviderVdcStorageProfile,
				&types.Reference{HREF: s.pvdcSPHref(sp), Name: sp.name, Type: mimePvdcSP, ID: urn("providervdcstorageprofile", sp.id)})
		}
	}
	for _, np := range s.pools {
		if np.pvdcID == p.id {
			out.NetworkPoolReferences.NetworkPoolReference = append(out.NetworkPoolReferences.NetworkPoolReference,
				&types.Reference{HREF: s.poolHref(np), Name: np.name, Type: mimeNetworkPool, ID: urn("networkpool", np.id)})
		}
	}
	writeXML(w, http.StatusOK, mimeAdminPvdc, "ProviderVdc", "", out)
}

func (s *Server) query(w http.ResponseWriter, r *http.Request, _ string) {
	params := queryParams(r.URL.RawQuery)
	qtype := params["type"]
	conds, err := filterConds(params["filter"])
	if err != nil {
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "%v", err)
		return
	}
	page, pageSize := 1, s.opts.QueryPageSize
	if n, err := strconv.Atoi(params["page"]); err == nil && n > 0 {
		page = n
	}
	if n, err := strconv.Atoi(params["pageSize"]); err == nil && n > 0 {
		pageSize = n
	}
	match := func(fields map[string]string) bool {
		for k, want := range conds {
			got, ok := fields[k]
			if !ok {
				return false
			}
			if !strings.EqualFold(got, want) && !(strings.Contains(want, "*") && wildcard(want, got)) {
				return false
			}
		}
		return true
	}
	out := types.QueryResultRecordsType{HREF: s.URL + "/api/query?type=" + qtype, Type: types.MimeQueryRecords, Name: qtype}
	var n int
	from, to := (page-1)*pageSize, page*pageSize
	take := func() bool { n++; return n-1 >= from && n-1 < to }
	switch qtype {
	case "providerVdc":
		for _, p := range s.pvdcs {
			if match(map[string]string{"name": p.name, "id": urn("providervdc", p.id)}) && take() {
				out.VMWProviderVdcRecord = append(out.VMWProviderVdcRecord, &types.QueryResultVMWProviderVdcRecordType{
					HREF: s.pvdcHref(p), Name: p.name, Status: "READY", IsEnabled: true, NumberOfStorageProfiles: len(s.pvdcSPs)})
			}
		}
	case "providerVdcStorageProfile":
		for _, sp := range s.pvdcSPs {
			pv := s.pvdcByID(sp.pvdcID)
			if match(map[string]string{"name": sp.name, "providerVdc": s.pvdcHref(pv), "providerVdcName": pv.name}) && take() {
				out.ProviderVdcStorageProfileRecord = append(out.ProviderVdcStorageProfileRecord, &types.QueryResultProviderVdcStorageProfileRecordType{
					HREF: s.pvdcSPHref(sp), Name: sp.name, ProviderVdcHREF: s.pvdcHref(pv), IsEnabled: true, StorageTotalMB: 10 << 20})
			}
		}
	case "networkPool":
		for _, np := range s.pools {
			if match(map[string]string{"name": np.name}) && take() {
				out.NetworkPoolRecord = append(out.NetworkPoolRecord, &types.QueryResultNetworkPoolRecordType{HREF: s.poolHref(np), Name: np.name, NetworkPoolType: 4})
			}
		}
	default:
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "Query type %q is not supported.", qtype)
		return
	}
	if n > 0 && from >= n {
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "Page %d is out of range.", page)
		return
	}
	out.Page, out.PageSize, out.Total = page, pageSize, float64(n)
	if to < n {
		out.Link = append(out.Link, &types.Link{Rel: "nextPage", Type: types.MimeQueryRecords,
			HREF: s.URL + "/api/query?type=" + qtype + "&page=" + strconv.Itoa(page+1) + "&pageSize=" + strconv.Itoa(pageSize)})
	}
	writeXML(w, http.StatusOK, types.MimeQueryRecords, "QueryResultRecords", types.XMLNamespaceVCloud, out)
}

func wildcard(pattern, s string) bool {
	prefix, suffix, _ := strings.Cut(pattern, "*")
	return strings.HasPrefix(s, prefix) && strings.HasSuffix(s, suffix)
}
