package zerto

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

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
