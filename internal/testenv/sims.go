package testenv

import (
	vcdsim "github.com/tenantops/tenantops/internal/sim/vcd"
	zertosim "github.com/tenantops/tenantops/internal/sim/zerto"
)

// ZertoVApps links a Zerto simulator to the Cloud Director simulator it
// protects (zertosim.Options.VApps): the ZVM then sees the vApps and VMs
// that exist in Cloud Director, as a real ZVM reads them from the Cloud
// Director it is paired with. Neither simulator imports the other.
func ZertoVApps(v *vcdsim.Server) func() []zertosim.VApp {
	return func() []zertosim.VApp {
		apps := v.VApps()
		out := make([]zertosim.VApp, 0, len(apps))
		for _, a := range apps {
			z := zertosim.VApp{ID: a.ID, Name: a.Name}
			for _, vm := range a.VMs {
				z.VMs = append(z.VMs, zertosim.VMRef{ID: vm.ID, Name: vm.Name})
			}
			out = append(out, z)
		}
		return out
	}
}
