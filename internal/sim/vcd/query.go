package vcd

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/vmware/go-vcloud-director/v2/types/v56"
)

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
