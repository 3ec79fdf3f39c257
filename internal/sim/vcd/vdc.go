package vcd

import (
	"encoding/xml"
	"io"
	"net/http"
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
	cpuUsed, memUsed, _ := s.vdcUsage(v)
	for _, c := range v.cfg.ComputeCapacity {
		cc := *c
		if cc.CPU != nil {
			cpu := *cc.CPU
			cpu.Used, cc.CPU = cpuUsed, &cpu
		}
		if cc.Memory != nil {
			mem := *cc.Memory
			mem.Used, cc.Memory = memUsed, &mem
		}
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

// vdcEnabler answers action/enable and action/disable: 204.
func vdcEnabler(enabled bool) func(*Server, http.ResponseWriter, *http.Request, string) {
	return func(s *Server, w http.ResponseWriter, _ *http.Request, id string) {
		v := s.vdcs[id]
		if v == nil {
			noSuchEntity(w, "vdc", id)
			return
		}
		v.cfg.IsEnabled = enabled
		w.WriteHeader(http.StatusNoContent)
	}
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
