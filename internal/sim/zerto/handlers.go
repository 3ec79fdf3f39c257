package zerto

import (
	"net/http"
	"time"
)

var statusNames = []string{"Initializing", "MeetingSLA", "NotMeetingSLA", "HistoryNotMeetingSLA",
	"RpoNotMeetingSLA", "FailingOver", "Moving", "Deleting", "Recovered"}

var subStatusNames = map[int]string{0: "None", 1: "InitialSync", 2: "Creating"}

var priorities = map[string]int{"Low": 0, "Medium": 1, "High": 2}

// entityVCDvApp is VpgEntityTypeApi 2, "VCDvApp" (getVpgAll's
// protectedSiteType filter lists "0 or VCVpg | 2 or VCDvApp").
const entityVCDvApp = 2

// status returns VpgVisualStatusApi and VpgVisualSubStatusApi at now.
func (v *vpg) status(now time.Time) (int, int) {
	switch {
	case v.deleting:
		return 7, 0
	case !v.ready:
		return 0, 2
	case now.Before(v.syncUntil):
		return 0, 1
	default:
		return 1, 0
	}
}

// advance completes the tasks whose time has come and removes VPGs that
// have no VM left to protect. Callers hold s.mu.
func (s *Server) advance(now time.Time) {
	for _, id := range s.taskOrder {
		t := s.tasks[id]
		if t.done || now.Before(t.started.Add(t.duration)) {
			continue
		}
		t.done = true
		t.completed = t.started.Add(t.duration)
		t.state = 6
		if t.failWith != "" {
			t.state = 4
		}
		if t.onDone != nil {
			t.onDone(t.completed)
		}
	}
	s.pruneEmpty()
}

// pruneEmpty removes every VPG whose VMs are all gone from Cloud Director:
// Zerto keeps no VPG without VMs (ZVM Administration Guide: a VPG whose
// only VM moves away is deleted).
func (s *Server) pruneEmpty() {
	if len(s.vpgs) == 0 {
		return
	}
	apps := s.vapps()
	for id, v := range s.vpgs {
		if v.ready && !v.deleting && len(s.effective(v.s, apps).Vms) == 0 {
			delete(s.vpgs, id)
		}
	}
}

func (s *Server) newTask(typ, vpgID, failWith string, onDone func(time.Time)) *task {
	t := &task{id: newUUID() + "." + s.local.ID, typ: typ, started: time.Now(), duration: s.opts.TaskDuration,
		vpgID: vpgID, failWith: failWith, state: 1, onDone: onDone}
	s.tasks[t.id] = t
	s.taskOrder = append(s.taskOrder, t.id)
	return t
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /auth/realms/zerto/protocol/openid-connect/token", s.token)
	mux.HandleFunc("POST /v1/session/add", s.sessionAdd)
	mux.HandleFunc("DELETE /v1/session", s.authed(s.sessionDelete))
	mux.HandleFunc("GET /v1/localsite", s.authed(s.localSite))
	mux.HandleFunc("GET /v1/peersites", s.authed(s.peerSites))
	mux.HandleFunc("GET /v1/virtualizationsites", s.authed(s.virtualizationSites))
	mux.HandleFunc("GET /v1/virtualizationsites/{site}/orgvdcs", s.authed(s.orgVdcs))
	mux.HandleFunc("GET /v1/virtualizationsites/{site}/orgvdcs/{vdc}/networks", s.authed(s.networks))
	mux.HandleFunc("GET /v1/virtualizationsites/{site}/orgvdcs/{vdc}/storagepolicies", s.authed(s.storagePolicies))
	mux.HandleFunc("GET /v1/virtualizationsites/{site}/vcdvapps", s.authed(s.vappList))
	mux.HandleFunc("GET /v1/serviceprofiles", s.authed(s.serviceProfiles))
	mux.HandleFunc("GET /v1/zorgs", s.authed(s.zorgList))
	mux.HandleFunc("GET /v1/vpgSettings", s.authed(s.settingsList))
	mux.HandleFunc("POST /v1/vpgSettings", s.authed(s.settingsNew))
	mux.HandleFunc("GET /v1/vpgSettings/{id}", s.authed(s.settingsGet))
	mux.HandleFunc("PUT /v1/vpgSettings/{id}", s.authed(s.settingsPut))
	mux.HandleFunc("DELETE /v1/vpgSettings/{id}", s.authed(s.settingsDelete))
	mux.HandleFunc("GET /v1/vpgSettings/{id}/{part}", s.authed(s.settingsPartGet))
	mux.HandleFunc("PUT /v1/vpgSettings/{id}/{part}", s.authed(s.settingsPartPut))
	mux.HandleFunc("POST /v1/vpgSettings/{id}/commit", s.authed(s.commit))
	mux.HandleFunc("POST /v1/vpgSettings/{id}/vms", s.authed(s.settingsAddVM))
	mux.HandleFunc("GET /v1/tasks", s.authed(s.taskList))
	mux.HandleFunc("GET /v1/tasks/{id}", s.authed(s.taskGet))
	mux.HandleFunc("GET /v1/vpgs", s.authed(s.vpgList))
	mux.HandleFunc("GET /v1/vpgs/{id}", s.authed(s.vpgGet))
	mux.HandleFunc("DELETE /v1/vpgs/{id}", s.authed(s.vpgDelete))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		zertoError(w, http.StatusNotFound, "No HTTP resource was found that matches the request URI '%s'.", r.URL.Path)
	})
	return mux
}

// ---- tasks ----

// taskJSON is TaskApi; the task's identifier is its link's.
func (s *Server) taskJSON(r *http.Request, t *task) map[string]any {
	progress := 100
	if !t.done {
		progress = int(100 * time.Since(t.started) / (t.duration + 1))
		if progress > 99 {
			progress = 99
		}
	}
	vpgs := []ResourceLink{}
	if t.vpgID != "" {
		vpgs = append(vpgs, link(r, "VpgApi", "/v1/vpgs/"+t.vpgID, t.vpgID))
	}
	out := map[string]any{
		"Link": link(r, "TaskApi", "/v1/tasks/"+t.id, t.id), "Type": t.typ, "InitiatedBy": s.opts.ClientID,
		"Status":  map[string]int{"State": t.state, "Progress": progress},
		"Started": t.started.UTC().Format(time.RFC3339), "Completed": nil,
		"CompleteReason": nil, "IsCancellable": false, "Generation": 1,
		"RelatedEntities": map[string]any{"Vpgs": vpgs, "Sites": []ResourceLink{link(r, "SiteApi", "/v1/localsite", s.local.ID)},
			"Hosts": []ResourceLink{}, "FlrSessions": []ResourceLink{}},
	}
	if t.done {
		out["Completed"] = t.completed.UTC().Format(time.RFC3339)
		out["CompleteReason"] = t.failWith
	}
	return out
}

func (s *Server) taskList(w http.ResponseWriter, r *http.Request) {
	out := []map[string]any{}
	for _, id := range s.taskOrder {
		out = append(out, s.taskJSON(r, s.tasks[id]))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) taskGet(w http.ResponseWriter, r *http.Request) {
	t := s.tasks[r.PathValue("id")]
	if t == nil {
		zertoError(w, http.StatusNotFound, "Task with identifier '%s' was not found.", r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, s.taskJSON(r, t))
}

// ---- VPGs ----

// vpgJSON is VpgApi: its identifier is in Link; ServiceProfile and Zorg
// are links, left out when the VPG has none.
func (s *Server) vpgJSON(r *http.Request, v *vpg) map[string]any {
	now := time.Now()
	st, sub := v.status(now)
	var actual int64
	progress := 0.0
	switch {
	case st == 1:
		actual, progress = 6, 100
	case v.ready && !v.syncUntil.IsZero():
		if total := v.syncDur; total > 0 {
			progress = 100 - 100*float64(v.syncUntil.Sub(now))/float64(total)
		}
	}
	if progress < 0 {
		progress = 0
	}
	rs := s.siteByID(v.s.Basic.RecoverySiteIdentifier)
	out := map[string]any{
		"Link": link(r, "VpgApi", "/v1/vpgs/"+v.id, v.id), "VpgName": v.s.Basic.Name, "VpgType": v.s.Basic.VpgType,
		"Status": st, "StatusDescription": statusNames[st], "SubStatus": sub, "SubStatusDescription": subStatusNames[sub],
		"ActualRPO": actual, "ConfiguredRpoSeconds": v.s.Basic.RpoInSeconds, "Priority": priorities[v.s.Basic.Priority],
		"ProgressPercentage": progress, "VmsCount": len(s.effective(v.s, s.vapps()).Vms),
		"ProtectedSiteName": s.local.Name, "ProtectedSite": link(r, "LocalSiteApi", "/v1/localsite", s.local.ID),
		"RecoverySiteName": rs.Name, "RecoverySite": link(r, "PeerSiteApi", "/v1/peersites/"+rs.ID, rs.ID),
		"Entities": map[string]int{"Protected": entityVCDvApp, "Recovery": entityVCDvApp}, "BackupEnabled": false,
		"LastTest": nil,
	}
	if id := v.s.Basic.ServiceProfileIdentifier; id != "" {
		out["ServiceProfile"] = link(r, "ServiceProfileApi", "/v1/serviceprofiles/"+id, id)
	}
	if id := v.s.Basic.ZorgIdentifier; id != "" {
		out["Zorg"] = link(r, "ZorgApi", "/v1/zorgs/"+id, id)
	}
	return out
}

func (s *Server) vpgList(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	out := []map[string]any{}
	for _, v := range s.vpgs {
		if name == "" || v.s.Basic.Name == name {
			out = append(out, s.vpgJSON(r, v))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) vpgOr404(w http.ResponseWriter, r *http.Request) *vpg {
	v := s.vpgs[r.PathValue("id")]
	if v == nil {
		zertoError(w, http.StatusNotFound, "VPG with identifier '%s' was not found.", r.PathValue("id"))
	}
	return v
}

func (s *Server) vpgGet(w http.ResponseWriter, r *http.Request) {
	if v := s.vpgOr404(w, r); v != nil {
		writeJSON(w, http.StatusOK, s.vpgJSON(r, v))
	}
}

// vpgDelete removes the VPG and, unless KeepRecoveryVolumes, its recovery
// volumes at the recovery site.
func (s *Server) vpgDelete(w http.ResponseWriter, r *http.Request) {
	v := s.vpgOr404(w, r)
	if v == nil {
		return
	}
	var in DeleteData
	if err := decodeStrict(r, &in); err != nil {
		zertoError(w, http.StatusBadRequest, "%v", err)
		return
	}
	v.deleting = true
	keep := in.KeepRecoveryVolumes != nil && *in.KeepRecoveryVolumes
	t := s.newTask("RemoveProtectionGroup", v.id, "", func(time.Time) {
		if s.vpgs[v.id] != v {
			return
		}
		if keep {
			s.keptVolumes = append(s.keptVolumes, s.volumes(v, s.vapps())...)
		}
		delete(s.vpgs, v.id)
	})
	writeJSON(w, http.StatusOK, t.id)
}
