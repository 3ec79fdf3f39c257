package zerto

import (
	"errors"
	"net/http"
	"strings"
	"time"
)

func (s *Server) defaults() Settings {
	return Settings{Basic: &Basic{VpgType: "Remote", RpoInSeconds: 300, TestIntervalInMinutes: 262080,
		JournalHistoryInHours: 24, Priority: "Medium", UseWanCompression: true,
		ProtectedSiteIdentifier: s.local.ID}}
}

// badRequest answers 400 for a body the ZVM cannot bind.
func badRequest(w http.ResponseWriter, err error) {
	if errors.Is(err, errBadRequest) {
		zertoError(w, http.StatusBadRequest, "The request is invalid: %s", strings.TrimPrefix(err.Error(), errBadRequest.Error()+": "))
		return
	}
	zertoError(w, http.StatusBadRequest, "The request is invalid: %v", err)
}

func (s *Server) settingsList(w http.ResponseWriter, _ *http.Request) {
	out := []Settings{}
	for _, o := range s.settings {
		out = append(out, o.s)
	}
	writeJSON(w, http.StatusOK, out)
}

// settingsNew opens a settings object: the defaults of a new VPG (with
// whatever the body sets), or, with a VpgIdentifier, an editable copy of
// that VPG's current settings, including VMs that joined its vApp since.
func (s *Server) settingsNew(w http.ResponseWriter, r *http.Request) {
	var in Settings
	if err := decodeStrict(r, &in); err != nil {
		badRequest(w, err)
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
		st = clone(s.effective(v.s, s.vapps()))
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
	if err := decodeStrict(r, &in); err != nil {
		badRequest(w, err)
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
	if !ok || r.PathValue("part") == "vms" {
		zertoError(w, http.StatusNotFound, "No HTTP resource was found that matches the request URI '%s'.", r.URL.Path)
		return
	}
	if err := decodeStrict(r, p); err != nil {
		badRequest(w, err)
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
	if err := decodeStrict(r, &vm); err != nil {
		badRequest(w, err)
		return
	}
	if vm.VMIdentifier == "" {
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
