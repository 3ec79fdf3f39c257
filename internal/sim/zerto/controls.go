package zerto

import (
	"sort"
	"time"
)

// Inventory lists every VPG ("vpg/<name>"), the vApps it protects
// ("vpg/<name>/vapp/<vApp name>"), the recovery volumes at the recovery
// site ("volume/<recovery org VDC>/<VPG>/<VM>": a VPG's, or left behind by
// a delete that kept them) and every open settings object
// ("vpgSettings/<id>") the simulator holds, sorted.
func (s *Server) Inventory() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(time.Now())
	apps := s.vapps()
	out := append([]string(nil), s.keptVolumes...)
	for _, v := range s.vpgs {
		out = append(out, "vpg/"+v.s.Basic.Name)
		for _, a := range s.protectedVApps(v.s, apps) {
			out = append(out, "vpg/"+v.s.Basic.Name+"/vapp/"+a.Name)
		}
		out = append(out, s.volumes(v, apps)...)
	}
	for id := range s.settings {
		out = append(out, "vpgSettings/"+id)
	}
	sort.Strings(out)
	return out
}

// volumes names the recovery volumes of a VPG whose commit completed: one
// per protected VM, in the recovery org VDC. Callers hold s.mu.
func (s *Server) volumes(v *vpg, apps []VApp) []string {
	vdc := s.recoveryVdc(v.s)
	if !v.ready || vdc == nil {
		return nil
	}
	idx := vmIndex(apps)
	var out []string
	for _, vm := range s.effective(v.s, apps).Vms {
		if a := idx[vm.VMIdentifier]; a != nil {
			out = append(out, "volume/"+vdc.Name+"/"+v.s.Basic.Name+"/"+vmName(a, vm.VMIdentifier))
		}
	}
	return out
}

// VPGs describes every VPG, sorted by name.
func (s *Server) VPGs() []VpgInfo {
	s.mu.Lock()
	var names []string
	for _, v := range s.vpgs {
		names = append(names, v.s.Basic.Name)
	}
	s.mu.Unlock()
	sort.Strings(names)
	var out []VpgInfo
	for _, n := range names {
		if v, ok := s.Vpg(n); ok {
			out = append(out, v)
		}
	}
	return out
}

// SetStorageFull makes a recovery org VDC run out of storage (or have room
// again): commits recovering into it are then refused, as a ZVM refuses
// them when the recovery volumes cannot be created.
func (s *Server) SetStorageFull(vdcName string, full bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.peers[0].Vdcs {
		if v.Name == vdcName {
			v.StorageFull = full
			return true
		}
	}
	return false
}

// VpgInfo is what tests read about a VPG.
type VpgInfo struct {
	ID                    string
	Name                  string
	Status                string
	RpoInSeconds          int64
	JournalHistoryInHours int64
	Priority              string
	RecoveryOrgVdc        string // name
	// ProtectedVApp is the vApp of Protected.VCD; VApps every vApp with a
	// VM in the VPG, by name, sorted; VMs the protected VMs' identifiers.
	ProtectedVApp string
	VApps         []string
	VMs           []string
	// StoragePolicies are the storage policy names the VMs recover to.
	StoragePolicies []string
	NetworkMappings int
}

// Vpg returns the VPG called name.
func (s *Server) Vpg(name string) (VpgInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	s.advance(now)
	for _, v := range s.vpgs {
		if v.s.Basic.Name != name {
			continue
		}
		st, _ := v.status(now)
		apps := s.vapps()
		eff := s.effective(v.s, apps)
		info := VpgInfo{ID: v.id, Name: name, Status: statusNames[st], RpoInSeconds: v.s.Basic.RpoInSeconds,
			JournalHistoryInHours: v.s.Basic.JournalHistoryInHours, Priority: v.s.Basic.Priority}
		if eff.Protected != nil && eff.Protected.VCD != nil {
			info.ProtectedVApp = eff.Protected.VCD.VcdVappIdentifier
		}
		for _, a := range s.protectedVApps(v.s, apps) {
			info.VApps = append(info.VApps, a.Name)
		}
		vdc := s.recoveryVdc(eff)
		seen := map[string]bool{}
		for _, vm := range eff.Vms {
			info.VMs = append(info.VMs, vm.VMIdentifier)
			if vdc != nil && vm.Recovery != nil && vm.Recovery.VCD != nil {
				if p := vdc.policy(vm.Recovery.VCD.StoragePolicyIdentifier); p != nil && !seen[p.Name] {
					seen[p.Name] = true
					info.StoragePolicies = append(info.StoragePolicies, p.Name)
				}
			}
		}
		if vdc != nil {
			info.RecoveryOrgVdc = vdc.Name
		}
		if eff.Networks != nil && eff.Networks.Failover != nil && eff.Networks.Failover.VCD != nil {
			info.NetworkMappings = len(eff.Networks.Failover.VCD.Mapping)
		}
		return info, true
	}
	return VpgInfo{}, false
}

// DeleteVpg removes the VPG called name out of band (as an operator in the
// Zerto UI would) and reports whether it existed.
func (s *Server) DeleteVpg(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, v := range s.vpgs {
		if v.s.Basic.Name == name {
			delete(s.vpgs, id)
			return true
		}
	}
	return false
}

// SetTaskDuration changes how long tasks started from now on run.
func (s *Server) SetTaskDuration(d time.Duration) {
	s.mu.Lock()
	s.opts.TaskDuration = d
	s.mu.Unlock()
}

// SetInitialSync changes the initial-sync time of VPGs committed from now on.
func (s *Server) SetInitialSync(d time.Duration) {
	s.mu.Lock()
	s.opts.InitialSync = d
	s.mu.Unlock()
}

// ExpireLogins invalidates every token and session, as a ZVM restart would.
func (s *Server) ExpireLogins() {
	s.mu.Lock()
	s.tokens = map[string]time.Time{}
	s.sessions = map[string]time.Time{}
	s.mu.Unlock()
}

// Logins counts successful logins of both kinds.
func (s *Server) Logins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins
}

// SessionLogins counts successful legacy logins (POST /v1/session/add).
func (s *Server) SessionLogins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessLogin
}

// RecoveryVdcID returns the identifier of a seeded recovery org VDC.
func (s *Server) RecoveryVdcID(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.peers[0].Vdcs {
		if v.Name == name {
			return v.ID
		}
	}
	return ""
}

// RenameRecoveryVdc renames a recovery org VDC out of band, as a Cloud
// Director administrator at the recovery site would; Zerto then lists it
// under the new name only.
func (s *Server) RenameRecoveryVdc(from, to string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.peers[0].Vdcs {
		if v.Name == from {
			v.Name = to
			return true
		}
	}
	return false
}

// RemoveRecoveryVdc removes a recovery org VDC out of band, as deleting it
// at the recovery site would; Zerto no longer lists it.
func (s *Server) RemoveRecoveryVdc(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	vdcs := s.peers[0].Vdcs
	for i, v := range vdcs {
		if v.Name == name {
			s.peers[0].Vdcs = append(vdcs[:i:i], vdcs[i+1:]...)
			return true
		}
	}
	return false
}

// RemoveServiceProfile deletes a service profile out of band.
func (s *Server) RemoveServiceProfile(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, p := range s.profiles {
		if p.Name == name {
			s.profiles = append(s.profiles[:i], s.profiles[i+1:]...)
			return true
		}
	}
	return false
}

// SeededVApp returns the vApp the simulator holds when Options.VApps is nil.
func (s *Server) SeededVApp() VApp { return s.seededVApps[0] }
