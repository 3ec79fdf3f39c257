package zerto

import "net/http"

func link(r *http.Request, typ, path, id string) ResourceLink {
	return ResourceLink{Href: "https://" + r.Host + path, Identifier: id, Rel: "", Type: typ}
}

// localSite is LocalSiteApi: the site's identifier is its link's.
func (s *Server) localSite(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"Link": link(r, "LocalSiteApi", "/v1/localsite", s.local.ID), "SiteName": s.local.Name,
		"Location": "Primary DC", "Version": "10.0.60", "DisplayVersion": "10.0 U6", "ZvmApiVersion": "10.0",
		"IsReplicationToSelfEnabled": false, "UtcOffsetInMinutes": 0, "SiteType": SiteType,
		"BandwidthThrottlingInMBs": 0, "IsLoginBannerEnabled": false,
	})
}

// peerSites is PeerSiteApi; PairingStatus 0 is paired.
func (s *Server) peerSites(w http.ResponseWriter, r *http.Request) {
	out := []map[string]any{}
	for _, p := range s.peers {
		out = append(out, map[string]any{"Link": link(r, "PeerSiteApi", "/v1/peersites/"+p.ID, p.ID),
			"PeerSiteName": p.Name, "PairingStatus": 0, "Location": "DR DC", "HostName": "zvm-dr.example.net",
			"Port": 9071, "Version": "10.0.60", "SiteType": SiteType})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) virtualizationSites(w http.ResponseWriter, _ *http.Request) {
	out := []map[string]string{{"SiteIdentifier": s.local.ID, "VirtualizationSiteName": s.local.Name}}
	for _, p := range s.peers {
		out = append(out, map[string]string{"SiteIdentifier": p.ID, "VirtualizationSiteName": p.Name})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) siteOr404(w http.ResponseWriter, r *http.Request) *site {
	st := s.siteByID(r.PathValue("site"))
	if st == nil {
		zertoError(w, http.StatusNotFound, "Site with identifier '%s' was not found.", r.PathValue("site"))
	}
	return st
}

func (s *Server) orgVdcs(w http.ResponseWriter, r *http.Request) {
	st := s.siteOr404(w, r)
	if st == nil {
		return
	}
	out := []map[string]string{}
	for _, v := range st.Vdcs {
		out = append(out, map[string]string{"Identifier": v.ID, "OrgVdcName": v.Name})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) vdcOr404(w http.ResponseWriter, r *http.Request) *orgVdc {
	st := s.siteOr404(w, r)
	if st == nil {
		return nil
	}
	v := st.vdc(r.PathValue("vdc"))
	if v == nil {
		zertoError(w, http.StatusNotFound, "Org vDC with identifier '%s' was not found.", r.PathValue("vdc"))
	}
	return v
}

func (s *Server) networks(w http.ResponseWriter, r *http.Request) {
	v := s.vdcOr404(w, r)
	if v == nil {
		return
	}
	out := []map[string]string{}
	for _, n := range v.Networks {
		out = append(out, map[string]string{"NetworkIdentifier": n.ID, "VirtualizationNetworkName": n.Name})
	}
	writeJSON(w, http.StatusOK, out)
}

// storagePolicies is StoragePolicyApi: the org VDC's storage policies a
// VM's volumes can be recovered to.
func (s *Server) storagePolicies(w http.ResponseWriter, r *http.Request) {
	v := s.vdcOr404(w, r)
	if v == nil {
		return
	}
	out := []map[string]any{}
	for _, p := range v.Policies {
		out = append(out, map[string]any{"StoragePolicyIdentifier": p.ID, "StoragePolicyName": p.Name, "IsEnabled": p.Enabled})
	}
	writeJSON(w, http.StatusOK, out)
}

// vappList is VCDVappNativeApi: the vApps of the site no VPG protects
// yet (the description: "the list of unprotected VCD vApps at the site").
func (s *Server) vappList(w http.ResponseWriter, r *http.Request) {
	st := s.siteOr404(w, r)
	if st == nil {
		return
	}
	out := []map[string]string{}
	if st == &s.local {
		apps := s.vapps()
		for _, a := range apps {
			if s.protector(a, apps, "") == nil {
				out = append(out, map[string]string{"VcdName": a.Name, "VcdVappIdentifier": a.ID})
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// serviceProfiles is ServiceProfileApi; its durations are .NET TimeSpans
// ("date-span": [d.]hh:mm:ss).
func (s *Server) serviceProfiles(w http.ResponseWriter, r *http.Request) {
	out := []map[string]any{}
	for _, p := range s.profiles {
		out = append(out, map[string]any{"Link": link(r, "ServiceProfileApi", "/v1/serviceprofiles/"+p.ID, p.ID),
			"ServiceProfileName": p.Name, "Description": "Gold tier", "Rpo": "00:05:00", "History": "1.00:00:00",
			"MaxJournalSizeInPercent": 150, "TestInterval": "182.00:00:00", "JournalWarningThresholdInPercent": 75})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) zorgList(w http.ResponseWriter, r *http.Request) {
	out := []map[string]any{}
	for _, z := range s.zorgs {
		out = append(out, map[string]any{"Link": link(r, "ZorgApi", "/v1/zorgs/"+z.ID, z.ID), "ZorgName": z.Name})
	}
	writeJSON(w, http.StatusOK, out)
}
