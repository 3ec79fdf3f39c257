package zerto

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
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

// ---- the protected Cloud Director world ----

// vmIndex maps every VM of the protected site to its vApp.
func vmIndex(apps []VApp) map[string]*VApp {
	out := map[string]*VApp{}
	for i := range apps {
		for _, vm := range apps[i].VMs {
			out[vm.ID] = &apps[i]
		}
	}
	return out
}

func vappByID(apps []VApp, id string) *VApp {
	for i := range apps {
		if apps[i].ID == id {
			return &apps[i]
		}
	}
	return nil
}

// effective is what Zerto protects for settings st today: the listed VMs
// that still exist in Cloud Director, plus every VM of the protected vApp
// not listed yet, which joins with the vApp's defaults (the first VM's
// recovery settings).
func (s *Server) effective(st Settings, apps []VApp) Settings {
	out := clone(st)
	idx := vmIndex(apps)
	out.Vms = nil
	listed := map[string]bool{}
	for _, vm := range st.Vms {
		if idx[vm.VMIdentifier] != nil && !listed[vm.VMIdentifier] {
			listed[vm.VMIdentifier] = true
			out.Vms = append(out.Vms, vm)
		}
	}
	if st.Protected == nil || st.Protected.VCD == nil {
		return out
	}
	app := vappByID(apps, st.Protected.VCD.VcdVappIdentifier)
	if app == nil {
		return out
	}
	var defaults *VMRecovery
	if len(out.Vms) > 0 && out.Vms[0].Recovery != nil {
		r := *out.Vms[0].Recovery
		defaults = &r
	}
	for _, vm := range app.VMs {
		if !listed[vm.ID] {
			out.Vms = append(out.Vms, VM{VMIdentifier: vm.ID, Recovery: defaults})
		}
	}
	return out
}

// protectedVApps lists, by name, the vApps st protects: the one named in
// Protected.VCD and every vApp one of whose VMs it protects.
func (s *Server) protectedVApps(st Settings, apps []VApp) []VApp {
	eff := s.effective(st, apps)
	idx := vmIndex(apps)
	seen := map[string]bool{}
	var out []VApp
	add := func(a *VApp) {
		if a != nil && !seen[a.ID] {
			seen[a.ID] = true
			out = append(out, *a)
		}
	}
	if eff.Protected != nil && eff.Protected.VCD != nil {
		add(vappByID(apps, eff.Protected.VCD.VcdVappIdentifier))
	}
	for _, vm := range eff.Vms {
		add(idx[vm.VMIdentifier])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// protector returns the VPG other than self that protects vApp a.
func (s *Server) protector(a VApp, apps []VApp, self string) *vpg {
	for _, v := range s.vpgs {
		if v.id == self || v.deleting {
			continue
		}
		for _, p := range s.protectedVApps(v.s, apps) {
			if p.ID == a.ID {
				return v
			}
		}
	}
	return nil
}

// vmProtector returns the VPG other than self whose VMs include id.
func (s *Server) vmProtector(id string, apps []VApp, self string) *vpg {
	for _, v := range s.vpgs {
		if v.id == self || v.deleting {
			continue
		}
		for _, vm := range s.effective(v.s, apps).Vms {
			if vm.VMIdentifier == id {
				return v
			}
		}
	}
	return nil
}

func (s *Server) recoveryVdc(st Settings) *orgVdc {
	if st.Basic == nil || st.Recovery == nil || st.Recovery.VCD == nil {
		return nil
	}
	rs := s.siteByID(st.Basic.RecoverySiteIdentifier)
	if rs == nil {
		return nil
	}
	return rs.vdc(st.Recovery.VCD.OrgVdcIdentifier)
}

// ---- validation and commit ----

// validate returns Zerto's reason for refusing st, or "".
func (s *Server) validate(st Settings, self string) string {
	if reason := s.validateBasic(st.Basic, self); reason != "" {
		return reason
	}
	rs := s.siteByID(st.Basic.RecoverySiteIdentifier)
	if st.Recovery == nil || st.Recovery.VCD == nil || st.Recovery.VCD.OrgVdcIdentifier == "" {
		return "A recovery org vDC must be selected for a Cloud Director VPG."
	}
	vdc := rs.vdc(st.Recovery.VCD.OrgVdcIdentifier)
	if vdc == nil {
		return fmt.Sprintf("Recovery org vDC '%s' was not found at site '%s'.", st.Recovery.VCD.OrgVdcIdentifier, rs.Name)
	}
	if reason := s.validateNetworks(st.Networks, vdc); reason != "" {
		return reason
	}
	apps := s.vapps()
	if reason := s.validateProtected(st, apps, self); reason != "" {
		return reason
	}
	if reason := s.validateVMs(st, apps, vdc, self); reason != "" {
		return reason
	}
	if vdc.StorageFull {
		return fmt.Sprintf("Insufficient storage in recovery org vDC '%s': no storage policy has room for the "+
			"recovery and journal volumes.", vdc.Name)
	}
	return ""
}

func (s *Server) validateBasic(b *Basic, self string) string {
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
	if s.siteByID(b.RecoverySiteIdentifier) == nil {
		return fmt.Sprintf("Recovery site '%s' was not found or is not paired.", b.RecoverySiteIdentifier)
	}
	return ""
}

// validateNetworks checks the failover and test networks: the default
// networks and the mappings' recovery networks belong to the recovery org
// VDC, the mapped networks to an org VDC of the protected site.
func (s *Server) validateNetworks(n *Networks, vdc *orgVdc) string {
	if n == nil {
		return ""
	}
	for _, side := range []*Network{n.Failover, n.FailoverTest} {
		if side == nil || side.VCD == nil {
			continue
		}
		if id := side.VCD.DefaultRecoveryOrgVdcNetworkIdentifier; id != "" && !hasID(vdc.Networks, id) {
			return fmt.Sprintf("Network '%s' does not belong to recovery org vDC '%s'.", id, vdc.Name)
		}
		for _, m := range side.VCD.Mapping {
			if !s.protectedNetwork(m.ProtectedOrgVdcNetworkIdentifier) {
				return fmt.Sprintf("Protected org vDC network '%s' was not found at site '%s'.", m.ProtectedOrgVdcNetworkIdentifier, s.local.Name)
			}
			if !hasID(vdc.Networks, m.RecoveryOrgVdcNetworkIdentifier) {
				return fmt.Sprintf("Network '%s' mapped from '%s' does not belong to recovery org vDC '%s'.",
					m.RecoveryOrgVdcNetworkIdentifier, m.ProtectedOrgVdcNetworkIdentifier, vdc.Name)
			}
		}
	}
	return ""
}

func (s *Server) protectedNetwork(id string) bool {
	for _, v := range s.local.Vdcs {
		if hasID(v.Networks, id) {
			return true
		}
	}
	return false
}

// validateProtected checks the vApp of Protected.VCD.
func (s *Server) validateProtected(st Settings, apps []VApp, self string) string {
	if st.Protected == nil || st.Protected.VCD == nil || st.Protected.VCD.VcdVappIdentifier == "" {
		return ""
	}
	id := st.Protected.VCD.VcdVappIdentifier
	app := vappByID(apps, id)
	if app == nil {
		return fmt.Sprintf("vApp '%s' was not found at site '%s'.", id, s.local.Name)
	}
	if v := s.protector(*app, apps, self); v != nil {
		return fmt.Sprintf("vApp '%s' is already protected by VPG '%s'.", app.Name, v.s.Basic.Name)
	}
	return ""
}

// validateVMs checks the VMs: each exists at the protected site, no other
// VPG protects it, it recovers to an enabled storage policy of the recovery
// org VDC; and there is at least one, since a VPG protects VMs and an
// empty vApp gives it none.
func (s *Server) validateVMs(st Settings, apps []VApp, vdc *orgVdc, self string) string {
	idx := vmIndex(apps)
	for _, vm := range st.Vms {
		if idx[vm.VMIdentifier] == nil {
			return fmt.Sprintf("VM '%s' was not found at site '%s'.", vm.VMIdentifier, s.local.Name)
		}
	}
	eff := s.effective(st, apps)
	if len(eff.Vms) == 0 {
		if st.Protected != nil && st.Protected.VCD != nil && st.Protected.VCD.VcdVappIdentifier != "" {
			return fmt.Sprintf("vApp '%s' has no virtual machines: a VPG protects VMs, and there are none to protect.",
				vappByID(apps, st.Protected.VCD.VcdVappIdentifier).Name)
		}
		return "The VPG must protect at least one VM: select a vApp with virtual machines."
	}
	for _, vm := range eff.Vms {
		name := vm.VMIdentifier
		if a := idx[vm.VMIdentifier]; a != nil {
			name = a.Name + "/" + vmName(a, vm.VMIdentifier)
		}
		if v := s.vmProtector(vm.VMIdentifier, apps, self); v != nil {
			return fmt.Sprintf("VM '%s' is already protected by VPG '%s'.", name, v.s.Basic.Name)
		}
		if vm.Recovery == nil || vm.Recovery.VCD == nil || vm.Recovery.VCD.StoragePolicyIdentifier == "" {
			return fmt.Sprintf("VM '%s' has no recovery storage policy: a VM recovering to Cloud Director needs one of "+
				"recovery org vDC '%s''s storage policies.", name, vdc.Name)
		}
		p := vdc.policy(vm.Recovery.VCD.StoragePolicyIdentifier)
		if p == nil {
			return fmt.Sprintf("Storage policy '%s' of VM '%s' was not found in recovery org vDC '%s'.",
				vm.Recovery.VCD.StoragePolicyIdentifier, name, vdc.Name)
		}
		if !p.Enabled {
			return fmt.Sprintf("Storage policy '%s' of recovery org vDC '%s' is disabled.", p.Name, vdc.Name)
		}
	}
	return ""
}

func vmName(a *VApp, id string) string {
	for _, vm := range a.VMs {
		if vm.ID == id {
			return vm.Name
		}
	}
	return id
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
