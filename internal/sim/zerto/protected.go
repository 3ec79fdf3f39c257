package zerto

import "sort"

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
