package zerto

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"
)

// Settings is the simulator's copy of VpgSettingsApi, kept apart from the
// client's types so a wire mistake in one does not hide in the other.
type Settings struct {
	VpgIdentifier         string     `json:"VpgIdentifier,omitempty"`
	VpgSettingsIdentifier string     `json:"VpgSettingsIdentifier,omitempty"`
	Basic                 *Basic     `json:"Basic,omitempty"`
	Journal               *Journal   `json:"Journal,omitempty"`
	Recovery              *Recovery  `json:"Recovery,omitempty"`
	Networks              *Networks  `json:"Networks,omitempty"`
	Protected             *Protected `json:"Protected,omitempty"`
	Vms                   []VM       `json:"Vms,omitempty"`
}

// Basic is VpgSettingsBasicApi.
type Basic struct {
	Name                     string `json:"Name"`
	VpgType                  string `json:"VpgType"`
	RpoInSeconds             int64  `json:"RpoInSeconds"`
	TestIntervalInMinutes    int64  `json:"TestIntervalInMinutes"`
	JournalHistoryInHours    int64  `json:"JournalHistoryInHours"`
	Priority                 string `json:"Priority"`
	UseWanCompression        bool   `json:"UseWanCompression"`
	ServiceProfileIdentifier string `json:"ServiceProfileIdentifier"`
	ZorgIdentifier           string `json:"ZorgIdentifier"`
	ProtectedSiteIdentifier  string `json:"ProtectedSiteIdentifier"`
	RecoverySiteIdentifier   string `json:"RecoverySiteIdentifier"`
}

// Journal is VpgSettingsJournalApi.
type Journal struct {
	Limitation          *JournalLimitation `json:"Limitation,omitempty"`
	DatastoreIdentifier string             `json:"DatastoreIdentifier,omitempty"`
}

// JournalLimitation is VpgSettingsJournalLimitationApi.
type JournalLimitation struct {
	HardLimitInMB             int64 `json:"HardLimitInMB"`
	HardLimitInPercent        int64 `json:"HardLimitInPercent"`
	WarningThresholdInMB      int64 `json:"WarningThresholdInMB"`
	WarningThresholdInPercent int64 `json:"WarningThresholdInPercent"`
}

// Recovery is VpgSettingsRecoveryApi (Cloud Director part).
type Recovery struct {
	VCD *struct {
		OrgVdcIdentifier string `json:"OrgVdcIdentifier"`
	} `json:"VCD,omitempty"`
}

// Networks is VpgSettingsNetworksApi.
type Networks struct {
	Failover     *Network `json:"Failover,omitempty"`
	FailoverTest *Network `json:"FailoverTest,omitempty"`
}

// Network is VpgSettingsNetworkApi (Cloud Director part).
type Network struct {
	VCD *struct {
		DefaultRecoveryOrgVdcNetworkIdentifier string `json:"DefaultRecoveryOrgVdcNetworkIdentifier"`
		IsEnableGuestCustomization             bool   `json:"IsEnableGuestCustomization"`
	} `json:"VCD,omitempty"`
}

// Protected is VpgSettingsProtectedApi.
type Protected struct {
	VCD *struct {
		VcdVappIdentifier string `json:"VcdVappIdentifier,omitempty"`
		OrgVdcIdentifier  string `json:"OrgVdcIdentifier,omitempty"`
	} `json:"VCD,omitempty"`
}

// VM is VpgSettingsVmApi (identifier only).
type VM struct {
	VMIdentifier string `json:"VmIdentifier"`
}

func clone(s Settings) Settings {
	b, _ := json.Marshal(s)
	var out Settings
	_ = json.Unmarshal(b, &out)
	return out
}

var statusNames = []string{"Initializing", "MeetingSLA", "NotMeetingSLA", "HistoryNotMeetingSLA",
	"RpoNotMeetingSLA", "FailingOver", "Moving", "Deleting", "Recovered"}

var subStatusNames = map[int]string{0: "None", 1: "InitialSync", 2: "Creating"}

var priorities = map[string]int{"Low": 0, "Medium": 1, "High": 2}

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

// advance completes the tasks whose time has come. Callers hold s.mu.
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
	mux.HandleFunc("GET /v1/virtualizationsites/{site}/vcdvapps", s.authed(s.vapps))
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

// ---- authentication ----

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "Invalid form"})
		return
	}
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		id, secret = u, p
	}
	ok := false
	switch r.PostForm.Get("grant_type") {
	case "client_credentials":
		ok = id == s.opts.ClientID && secret == s.opts.ClientSecret
		if !ok {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized_client",
				"error_description": "Invalid client or Invalid client credentials"})
			return
		}
	case "password":
		if id != "zerto-client" && id != s.opts.ClientID {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client",
				"error_description": "Invalid client or Invalid client credentials"})
			return
		}
		ok = r.PostForm.Get("username") == s.opts.Username && r.PostForm.Get("password") == s.opts.Password
		if !ok {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_grant",
				"error_description": "Invalid user credentials"})
			return
		}
	default:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type",
			"error_description": "Unsupported grant_type"})
		return
	}
	tok := "eyJ" + newID() + newID()
	s.mu.Lock()
	s.tokens[tok] = time.Now().Add(s.opts.TokenTTL)
	s.logins++
	ttl := int(s.opts.TokenTTL / time.Second)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok, "expires_in": ttl, "refresh_expires_in": ttl * 6, "refresh_token": "eyJ" + newID(),
		"token_type": "Bearer", "not-before-policy": 0, "session_state": newUUID(), "scope": "profile email",
	})
}

func (s *Server) sessionAdd(w http.ResponseWriter, r *http.Request) {
	u, p, ok := r.BasicAuth()
	if !ok || u != s.opts.Username || p != s.opts.Password {
		zertoError(w, http.StatusUnauthorized, "Authorization has been denied for this request.")
		return
	}
	sess := newUUID()
	s.mu.Lock()
	s.sessions[sess] = time.Now().Add(s.opts.TokenTTL)
	s.logins++
	s.sessLogin++
	s.mu.Unlock()
	w.Header().Set("x-zerto-session", sess)
	w.WriteHeader(http.StatusOK)
}

func (s *Server) sessionDelete(w http.ResponseWriter, r *http.Request) {
	delete(s.sessions, r.Header.Get("x-zerto-session"))
	w.WriteHeader(http.StatusOK)
}

// authed guards a /v1 handler: a live bearer token or x-zerto-session. It
// also takes the lock and brings tasks up to date for the handler. Network
// I/O stays outside the lock: the body is read before, the answer written after.
func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(out http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		defer func() {
			for k, v := range rec.Header() {
				out.Header()[k] = v
			}
			out.WriteHeader(rec.Code)
			_, _ = out.Write(rec.Body.Bytes())
		}()
		var w http.ResponseWriter = rec
		now := time.Now()
		s.mu.Lock()
		ok := false
		if tok, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); found {
			exp, known := s.tokens[tok]
			ok = known && now.Before(exp)
		} else if sess := r.Header.Get("x-zerto-session"); sess != "" {
			exp, known := s.sessions[sess]
			ok = known && now.Before(exp)
			if ok { // idle timeout: every call extends the session
				s.sessions[sess] = now.Add(s.opts.TokenTTL)
			}
		}
		if !ok {
			s.mu.Unlock()
			zertoError(w, http.StatusUnauthorized, "Authorization has been denied for this request.")
			return
		}
		s.advance(now)
		defer s.mu.Unlock()
		h(w, r)
	}
}

// ---- sites and lookups ----

func link(r *http.Request, typ, path, id string) map[string]string {
	return map[string]string{"href": "https://" + r.Host + path, "identifier": id, "rel": "", "type": typ}
}

func (s *Server) localSite(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"SiteIdentifier": s.local.ID, "SiteName": s.local.Name, "SiteType": SiteType, "Location": "Primary DC",
		"Version": "10.0.60", "ZvmApiVersion": "10.0", "IsReplicationToSelfEnabled": false,
		"Link": link(r, "LocalSiteApi", "/v1/localsite", s.local.ID),
	})
}

func (s *Server) peerSites(w http.ResponseWriter, r *http.Request) {
	out := []map[string]any{}
	for _, p := range s.peers {
		out = append(out, map[string]any{"PeerSiteName": p.Name, "SiteIdentifier": p.ID, "SiteType": SiteType,
			"Location": "DR DC", "HostName": "zvm-dr.example.net", "Port": 9071, "PairingStatus": 0,
			"Version": "10.0.60", "Link": link(r, "PeerSiteApi", "/v1/peersites/"+p.ID, p.ID)})
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

func (s *Server) networks(w http.ResponseWriter, r *http.Request) {
	st := s.siteOr404(w, r)
	if st == nil {
		return
	}
	v := st.vdc(r.PathValue("vdc"))
	if v == nil {
		zertoError(w, http.StatusNotFound, "Org vDC with identifier '%s' was not found.", r.PathValue("vdc"))
		return
	}
	out := []map[string]string{}
	for _, n := range v.Networks {
		out = append(out, map[string]string{"NetworkIdentifier": n.ID, "VirtualizationNetworkName": n.Name})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) vapps(w http.ResponseWriter, r *http.Request) {
	st := s.siteOr404(w, r)
	if st == nil {
		return
	}
	out := []map[string]string{}
	for _, a := range st.Vapps {
		out = append(out, map[string]string{"VcdName": a.Name, "VcdVappIdentifier": a.ID})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) serviceProfiles(w http.ResponseWriter, r *http.Request) {
	out := []map[string]any{}
	for _, p := range s.profiles {
		out = append(out, map[string]any{"ServiceProfileIdentifier": p.ID, "ServiceProfileName": p.Name,
			"Description": "Gold tier", "Rpo": "300", "History": "24", "MaxJournalSizeInPercent": 150,
			"TestInterval": "262080", "JournalWarningThresholdInPercent": 75,
			"Link": link(r, "ServiceProfileApi", "/v1/serviceprofiles/"+p.ID, p.ID)})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) zorgList(w http.ResponseWriter, r *http.Request) {
	out := []map[string]any{}
	for _, z := range s.zorgs {
		out = append(out, map[string]any{"ZorgIdentifier": z.ID, "ZorgName": z.Name,
			"Link": link(r, "ZorgApi", "/v1/zorgs/"+z.ID, z.ID)})
	}
	writeJSON(w, http.StatusOK, out)
}

// ---- settings ----

func (s *Server) defaults() Settings {
	return Settings{Basic: &Basic{VpgType: "Remote", RpoInSeconds: 300, TestIntervalInMinutes: 262080,
		JournalHistoryInHours: 24, Priority: "Medium", UseWanCompression: true,
		ProtectedSiteIdentifier: s.local.ID}}
}

func readBody(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil
	}
	return json.Unmarshal(b, v)
}

func (s *Server) settingsList(w http.ResponseWriter, _ *http.Request) {
	out := []Settings{}
	for _, o := range s.settings {
		out = append(out, o.s)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) settingsNew(w http.ResponseWriter, r *http.Request) {
	var in Settings
	if err := readBody(r, &in); err != nil {
		zertoError(w, http.StatusBadRequest, "The request is invalid: %v", err)
		return
	}
	var st Settings
	if in.VpgIdentifier != "" {
		v := s.vpgs[in.VpgIdentifier]
		if v == nil {
			zertoError(w, http.StatusNotFound, "VPG with identifier '%s' was not found.", in.VpgIdentifier)
			return
		}
		if v.deleting {
			zertoError(w, http.StatusBadRequest, "VPG '%s' is being deleted and cannot be edited.", v.s.Basic.Name)
			return
		}
		st = clone(v.s)
		st.VpgIdentifier = v.id
	} else {
		st = s.defaults()
		if in.Basic != nil {
			st.Basic = in.Basic
		}
		st.Journal, st.Recovery, st.Networks, st.Protected, st.Vms = in.Journal, in.Recovery, in.Networks, in.Protected, in.Vms
	}
	id := newUUID()
	st.VpgSettingsIdentifier = id
	s.settings[id] = &settingsObj{created: time.Now(), s: st}
	writeJSON(w, http.StatusOK, id)
}

func (s *Server) settingsOr404(w http.ResponseWriter, r *http.Request) *settingsObj {
	o := s.settings[r.PathValue("id")]
	if o == nil {
		zertoError(w, http.StatusNotFound, "VPG settings with identifier '%s' were not found.", r.PathValue("id"))
	}
	return o
}

func (s *Server) settingsGet(w http.ResponseWriter, r *http.Request) {
	if o := s.settingsOr404(w, r); o != nil {
		writeJSON(w, http.StatusOK, o.s)
	}
}

func (s *Server) settingsPut(w http.ResponseWriter, r *http.Request) {
	o := s.settingsOr404(w, r)
	if o == nil {
		return
	}
	var in Settings
	if err := readBody(r, &in); err != nil {
		zertoError(w, http.StatusBadRequest, "The request is invalid: %v", err)
		return
	}
	if in.Basic == nil {
		zertoError(w, http.StatusBadRequest, "Basic settings are required.")
		return
	}
	in.VpgIdentifier, in.VpgSettingsIdentifier = o.s.VpgIdentifier, o.s.VpgSettingsIdentifier
	o.s = in
	w.WriteHeader(http.StatusOK)
}

func (s *Server) settingsDelete(w http.ResponseWriter, r *http.Request) {
	if o := s.settingsOr404(w, r); o != nil {
		delete(s.settings, r.PathValue("id"))
		w.WriteHeader(http.StatusOK)
	}
}

func (s *Server) settingsPart(o *settingsObj, part string) (any, bool) {
	switch part {
	case "basic":
		if o.s.Basic == nil {
			o.s.Basic = &Basic{}
		}
		return &o.s.Basic, true
	case "journal":
		return &o.s.Journal, true
	case "recovery":
		return &o.s.Recovery, true
	case "networks":
		return &o.s.Networks, true
	case "vms":
		return &o.s.Vms, true
	}
	return nil, false
}

func (s *Server) settingsPartGet(w http.ResponseWriter, r *http.Request) {
	o := s.settingsOr404(w, r)
	if o == nil {
		return
	}
	p, ok := s.settingsPart(o, r.PathValue("part"))
	if !ok {
		zertoError(w, http.StatusNotFound, "No HTTP resource was found that matches the request URI '%s'.", r.URL.Path)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) settingsPartPut(w http.ResponseWriter, r *http.Request) {
	o := s.settingsOr404(w, r)
	if o == nil {
		return
	}
	p, ok := s.settingsPart(o, r.PathValue("part"))
	if !ok {
		zertoError(w, http.StatusNotFound, "No HTTP resource was found that matches the request URI '%s'.", r.URL.Path)
		return
	}
	if err := readBody(r, p); err != nil {
		zertoError(w, http.StatusBadRequest, "The request is invalid: %v", err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (s *Server) settingsAddVM(w http.ResponseWriter, r *http.Request) {
	o := s.settingsOr404(w, r)
	if o == nil {
		return
	}
	var vm VM
	if err := readBody(r, &vm); err != nil || vm.VMIdentifier == "" {
		zertoError(w, http.StatusBadRequest, "A VM identifier is required.")
		return
	}
	for _, x := range o.s.Vms {
		if x.VMIdentifier == vm.VMIdentifier {
			zertoError(w, http.StatusBadRequest, "VM '%s' is already in the VPG settings.", vm.VMIdentifier)
			return
		}
	}
	o.s.Vms = append(o.s.Vms, vm)
	w.WriteHeader(http.StatusOK)
}

// validate returns Zerto's reason for refusing st, or "".
func (s *Server) validate(st Settings, self string) string {
	b := st.Basic
	if b == nil || strings.TrimSpace(b.Name) == "" {
		return "VPG name must not be empty."
	}
	for _, v := range s.vpgs {
		if v.id != self && v.s.Basic.Name == b.Name {
			return fmt.Sprintf("VPG name '%s' is already in use.", b.Name)
		}
	}
	if b.RpoInSeconds < 60 || b.RpoInSeconds > 43200 {
		return fmt.Sprintf("RPO alert of %d seconds is out of range: it must be between 60 and 43200 seconds.", b.RpoInSeconds)
	}
	if b.JournalHistoryInHours < 1 || b.JournalHistoryInHours > 720 {
		return fmt.Sprintf("Journal history of %d hours is out of range: it must be between 1 and 720 hours.", b.JournalHistoryInHours)
	}
	if _, ok := priorities[b.Priority]; !ok {
		return fmt.Sprintf("Priority '%s' is not valid: use Low, Medium or High.", b.Priority)
	}
	if b.ServiceProfileIdentifier != "" && !hasID(s.profiles, b.ServiceProfileIdentifier) {
		return fmt.Sprintf("Service profile '%s' was not found.", b.ServiceProfileIdentifier)
	}
	if b.ZorgIdentifier != "" && !hasID(s.zorgs, b.ZorgIdentifier) {
		return fmt.Sprintf("ZORG '%s' was not found.", b.ZorgIdentifier)
	}
	if b.RecoverySiteIdentifier == "" || b.RecoverySiteIdentifier == s.local.ID {
		return "A recovery site other than the protected site must be selected."
	}
	rs := s.siteByID(b.RecoverySiteIdentifier)
	if rs == nil {
		return fmt.Sprintf("Recovery site '%s' was not found or is not paired.", b.RecoverySiteIdentifier)
	}
	if (st.Protected == nil || st.Protected.VCD == nil ||
		(st.Protected.VCD.OrgVdcIdentifier == "" && st.Protected.VCD.VcdVappIdentifier == "")) && len(st.Vms) == 0 {
		return "The VPG must protect at least one vApp or VM."
	}
	if st.Protected != nil && st.Protected.VCD != nil && st.Protected.VCD.VcdVappIdentifier != "" &&
		!hasID(s.local.Vapps, st.Protected.VCD.VcdVappIdentifier) {
		return fmt.Sprintf("vApp '%s' was not found at the protected site.", st.Protected.VCD.VcdVappIdentifier)
	}
	if st.Recovery == nil || st.Recovery.VCD == nil || st.Recovery.VCD.OrgVdcIdentifier == "" {
		return "A recovery org vDC must be selected for a Cloud Director VPG."
	}
	vdc := rs.vdc(st.Recovery.VCD.OrgVdcIdentifier)
	if vdc == nil {
		return fmt.Sprintf("Recovery org vDC '%s' was not found at site '%s'.", st.Recovery.VCD.OrgVdcIdentifier, rs.Name)
	}
	if st.Networks != nil {
		for _, n := range []*Network{st.Networks.Failover, st.Networks.FailoverTest} {
			if n == nil || n.VCD == nil || n.VCD.DefaultRecoveryOrgVdcNetworkIdentifier == "" {
				continue
			}
			if !hasID(vdc.Networks, n.VCD.DefaultRecoveryOrgVdcNetworkIdentifier) {
				return fmt.Sprintf("Network '%s' does not belong to recovery org vDC '%s'.",
					n.VCD.DefaultRecoveryOrgVdcNetworkIdentifier, vdc.Name)
			}
		}
	}
	if vdc.StorageFull {
		return fmt.Sprintf("Insufficient storage in recovery org vDC '%s': no storage policy has room for the "+
			"recovery and journal volumes.", vdc.Name)
	}
	return ""
}

func (s *Server) commit(w http.ResponseWriter, r *http.Request) {
	o := s.settingsOr404(w, r)
	if o == nil {
		return
	}
	delete(s.settings, r.PathValue("id"))
	st := clone(o.s)
	if st.VpgIdentifier != "" {
		v := s.vpgs[st.VpgIdentifier]
		if v == nil {
			zertoError(w, http.StatusNotFound, "VPG with identifier '%s' was not found.", st.VpgIdentifier)
			return
		}
		reason := s.validate(st, v.id)
		t := s.newTask("UpdateProtectionGroup", v.id, reason, func(time.Time) {
			if cur := s.vpgs[v.id]; cur != nil && reason == "" {
				cur.s = st
			}
		})
		writeJSON(w, http.StatusOK, t.id)
		return
	}
	reason := s.validate(st, "")
	if reason != "" {
		t := s.newTask("CreateProtectionGroup", "", reason, nil)
		writeJSON(w, http.StatusOK, t.id)
		return
	}
	v := &vpg{id: newUUID(), s: st, created: time.Now()}
	v.s.VpgIdentifier = v.id
	v.s.VpgSettingsIdentifier = ""
	s.vpgs[v.id] = v
	sync := s.opts.InitialSync
	t := s.newTask("CreateProtectionGroup", v.id, "", func(done time.Time) {
		v.ready = true
		v.syncDur = sync
		v.syncUntil = done.Add(sync)
	})
	writeJSON(w, http.StatusOK, t.id)
}

// ---- tasks ----

func (s *Server) taskJSON(r *http.Request, t *task) map[string]any {
	progress := 100
	if !t.done {
		progress = int(100 * time.Since(t.started) / (t.duration + 1))
		if progress > 99 {
			progress = 99
		}
	}
	vpgs := []map[string]string{}
	if t.vpgID != "" {
		vpgs = append(vpgs, link(r, "VpgApi", "/v1/vpgs/"+t.vpgID, t.vpgID))
	}
	out := map[string]any{
		"TaskIdentifier": t.id, "Type": t.typ, "InitiatedBy": s.opts.ClientID,
		"Status":  map[string]int{"State": t.state, "Progress": progress},
		"Started": t.started.UTC().Format(time.RFC3339), "Completed": nil,
		"CompleteReason": nil, "IsCancellable": false,
		"RelatedEntities": map[string]any{"Vpgs": vpgs, "Sites": []any{link(r, "SiteApi", "/v1/localsite", s.local.ID)},
			"Hosts": []any{}, "FlrSessions": []any{}},
		"Link": link(r, "TaskApi", "/v1/tasks/"+t.id, t.id),
	}
	if t.done {
		out["Completed"] = t.completed.UTC().Format(time.RFC3339)
		if t.failWith != "" {
			out["CompleteReason"] = t.failWith
		} else {
			out["CompleteReason"] = ""
		}
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
		"VpgIdentifier": v.id, "VpgName": v.s.Basic.Name, "VpgType": v.s.Basic.VpgType,
		"Status": st, "StatusDescription": statusNames[st], "SubStatus": sub, "SubStatusDescription": subStatusNames[sub],
		"ActualRPO": actual, "ConfiguredRpoSeconds": v.s.Basic.RpoInSeconds, "Priority": priorities[v.s.Basic.Priority],
		"ProgressPercentage": progress, "VmsCount": 1, "ProtectedSiteName": s.local.Name,
		"ProtectedSite":    link(r, "LocalSiteApi", "/v1/localsite", s.local.ID),
		"RecoverySiteName": rs.Name, "RecoverySite": link(r, "PeerSiteApi", "/v1/peersites/"+rs.ID, rs.ID),
		"ServiceProfile": nil, "Zorg": nil, "BackupEnabled": false,
		"Link": link(r, "VpgApi", "/v1/vpgs/"+v.id, v.id),
	}
	if id := v.s.Basic.ServiceProfileIdentifier; id != "" {
		out["ServiceProfile"] = link(r, "ServiceProfileApi", "/v1/serviceprofiles/"+id, id)
		out["ServiceProfileName"] = nameOf(s.profiles, id)
	}
	if id := v.s.Basic.ZorgIdentifier; id != "" {
		out["Zorg"] = link(r, "ZorgApi", "/v1/zorgs/"+id, id)
		out["OrganizationName"] = nameOf(s.zorgs, id)
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

func (s *Server) vpgDelete(w http.ResponseWriter, r *http.Request) {
	v := s.vpgOr404(w, r)
	if v == nil {
		return
	}
	var in struct{ KeepRecoveryVolumes, Force bool }
	if err := readBody(r, &in); err != nil {
		zertoError(w, http.StatusBadRequest, "The request is invalid: %v", err)
		return
	}
	v.deleting = true
	t := s.newTask("RemoveProtectionGroup", v.id, "", func(time.Time) {
		if s.vpgs[v.id] == v {
			delete(s.vpgs, v.id)
		}
	})
	writeJSON(w, http.StatusOK, t.id)
}
