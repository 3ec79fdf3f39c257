package vcd

import (
	"net/http"

	"github.com/vmware/go-vcloud-director/v2/types/v56"
)

func (s *Server) renderVDCProfile(sp *vdcProfile) *types.VdcStorageProfile {
	p := s.pvdcSPByID(sp.pvdcSPID)
	return &types.VdcStorageProfile{ID: urn("vdcstorageProfile", sp.id), Xmlns: types.XMLNamespaceVCloud, Name: sp.name,
		Enabled: boolPtr(sp.enabled), Units: "MB", Limit: sp.limit, Default: sp.isDefault, StorageUsedMB: s.profileUsedMB(sp),
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
		Default: p.Default, IopsSettings: p.IopsSettings, StorageUsedMB: p.StorageUsedMB, ProviderVdcStorageProfile: p.ProviderVdcStorageProfile}
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
