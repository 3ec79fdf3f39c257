package vcd

// What an org VDC's VMs use, as Cloud Director reports it in the VDC's
// ComputeCapacity (Cpu/Memory Used: what powered-on VMs consume, vCPUs at
// the VDC's vCPU speed) and its storage profiles (StorageUsedMB: every VM's
// disks, which the simulator places on the VDC's default profile).

// defaultVCPUMHz is the vCPU speed of a VDC that names none.
const defaultVCPUMHz = 1000

// vdcUsage adds up the VMs of the VDC's vApps: powered-on CPU (MHz) and
// memory (MB), and every VM's disks (MB).
func (s *Server) vdcUsage(v *vdc) (cpuMHz, memMB, diskMB int64) {
	speed := int64(defaultVCPUMHz)
	if v.cfg.VCpuInMhz2 != nil && *v.cfg.VCpuInMhz2 > 0 {
		speed = *v.cfg.VCpuInMhz2
	}
	for _, a := range s.vapps {
		if a.vdcID != v.id {
			continue
		}
		for _, vm := range a.vms {
			diskMB += vm.diskMB
			if vm.status == statusPoweredOn {
				cpuMHz += int64(vm.cpus) * speed
				memMB += vm.memMB
			}
		}
	}
	return cpuMHz, memMB, diskMB
}

// profileUsedMB is the storage a VDC storage profile holds: the VDC's
// disks on its default profile, nothing on the others.
func (s *Server) profileUsedMB(sp *vdcProfile) int64 {
	v := s.vdcs[sp.vdcID]
	if v == nil || !sp.isDefault {
		return 0
	}
	_, _, disk := s.vdcUsage(v)
	return disk
}
