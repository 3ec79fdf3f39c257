package bench

import (
	"time"

	"github.com/tenantops/tenantops/internal/sim/fault"
	"github.com/tenantops/tenantops/internal/sim/vcd"
	"github.com/tenantops/tenantops/sandbox"
)

// Profile is a latency profile of the simulated backends: a delay added to
// every API call of each system and the duration of the asynchronous work
// (Cloud Director tasks, Zerto tasks and initial sync).
type Profile struct {
	Name string
	// Per-call latency of each system's API.
	VCDCall, KeycloakCall, ZertoCall, SCIMCall, CRMCall time.Duration
	// Cloud Director task durations.
	OrgCreateTask, VDCCreateTask, OrgUpdateTask, VDCUpdateTask, OrgDeleteTask, VDCDeleteTask time.Duration
	// Zerto commit/delete task duration and a new VPG's initial sync.
	ZertoTask, ZertoInitialSync time.Duration
}

// ZeroProfile answers every call at once and completes every task on its
// first poll: what is left is the trigger's and Terraform's own cost.
func ZeroProfile() Profile { return Profile{Name: "zero"} }

// RealisticProfile models a production installation. The values are
// assumptions, chosen from what the systems' own documentation and client
// libraries say about them:
//   - Cloud Director: creating an organization and a VDC are asynchronous
//     tasks (the API returns a Task the client polls; go-vcloud-director
//     polls every 3 s). An org create takes seconds (3 s here); a VDC create,
//     which places storage profiles and a network pool on the provider VDC,
//     takes several seconds (8 s here). Plain REST calls on a provider
//     cell: ~40 ms.
//   - Keycloak admin REST API: ~50–150 ms per call on a production cluster
//     (realm creation rebuilds caches and is the slow end): 100 ms here.
//   - Zerto ZVM: a VPG commit returns a task that runs for seconds (4 s
//     here); the new VPG then stays "Initializing" during its initial sync,
//     seconds for a vApp holding one new VM (6 s here). REST calls ~80 ms.
//   - SCIM service provider and CRM callback endpoint: SaaS APIs over the
//     internet, ~60 ms per call.
func RealisticProfile() Profile {
	return Profile{
		Name:    "realistic",
		VCDCall: 40 * time.Millisecond, KeycloakCall: 100 * time.Millisecond, ZertoCall: 80 * time.Millisecond,
		SCIMCall: 60 * time.Millisecond, CRMCall: 60 * time.Millisecond,
		OrgCreateTask: 3 * time.Second, VDCCreateTask: 8 * time.Second,
		OrgUpdateTask: 2 * time.Second, VDCUpdateTask: 3 * time.Second,
		OrgDeleteTask: 3 * time.Second, VDCDeleteTask: 5 * time.Second,
		ZertoTask: 4 * time.Second, ZertoInitialSync: 6 * time.Second,
	}
}

// Apply installs the profile on the backends, replacing any earlier one.
func (p Profile) Apply(b *sandbox.Backends) {
	for _, f := range []struct {
		in *fault.Injector
		d  time.Duration
	}{{b.VCD.Faults, p.VCDCall}, {b.Keycloak.Faults, p.KeycloakCall}, {b.Zerto.Faults, p.ZertoCall},
		{b.SCIM.Faults, p.SCIMCall}, {b.CRM.Faults, p.CRMCall}} {
		f.in.Clear()
		if f.d > 0 {
			f.in.Add(fault.Rule{Path: ".", Kind: fault.Latency, Delay: f.d})
		}
	}
	b.VCD.SetTaskDuration("", 0)
	b.VCD.SetTaskDuration(vcd.OpOrgCreate, p.OrgCreateTask)
	b.VCD.SetTaskDuration(vcd.OpVDCCreate, p.VDCCreateTask)
	b.VCD.SetTaskDuration(vcd.OpOrgUpdate, p.OrgUpdateTask)
	b.VCD.SetTaskDuration(vcd.OpVDCUpdate, p.VDCUpdateTask)
	b.VCD.SetTaskDuration(vcd.OpOrgDelete, p.OrgDeleteTask)
	b.VCD.SetTaskDuration(vcd.OpVDCDelete, p.VDCDeleteTask)
	b.Zerto.SetTaskDuration(p.ZertoTask)
	b.Zerto.SetInitialSync(p.ZertoInitialSync)
}

// Step is one resource create on a dependency chain: the backend calls it
// cannot avoid and the asynchronous work it waits for.
type Step struct {
	Resource string
	Calls    map[string]int // system -> minimum number of API calls
	Wait     func(Profile) time.Duration
}

// Chain is the longest dependency chain of a tier's onboarding. The call
// counts are the minimum a client needs (SIMULATORS.md lists the orders
// the client libraries use): they make the chain's sum a lower bound, so
// the efficiency E2E ÷ chain is an upper bound of what the trigger adds.
func Chain(tier string) []Step {
	steps := []Step{
		// CreateOrg: POST /api/admin/orgs, first task poll, GET admin org.
		{Resource: "module.cloud.tenantops_tenant.this", Calls: map[string]int{"vcd": 3},
			Wait: func(p Profile) time.Duration { return p.OrgCreateTask }},
		// CreateOrgVdc: provider VDC, storage profile and network pool
		// queries, POST vdcsparams, first task poll, GET vdc, GET admin vdc.
		{Resource: "module.cloud.tenantops_tenant_vdc.main", Calls: map[string]int{"vcd": 7},
			Wait: func(p Profile) time.Duration { return p.VDCCreateTask }},
	}
	if tier == "premium-dr" {
		// Workloads vApp: POST composeVApp, first task poll, POST
		// recomposeVApp with the first VM, first task poll.
		// VPG: the vApp's VMs from Cloud Director; sites, recovery org VDC,
		// storage policy and unprotected vApp lookups, POST vpgSettings,
		// PUT settings, commit, first task poll, GET vpg (initial sync).
		steps = append(steps,
			Step{Resource: "module.dr.tenantops_vapp.workloads", Calls: map[string]int{"vcd": 4},
				Wait: func(Profile) time.Duration { return 0 }},
			Step{Resource: "module.dr.tenantops_dr_protection_group.this", Calls: map[string]int{"zerto": 9, "vcd": 1},
				Wait: func(p Profile) time.Duration { return p.ZertoTask + p.ZertoInitialSync }})
	}
	return steps
}

// ChainLatency sums the simulated latency along the tier's chain, plus the
// one callback call to the CRM at the end.
func ChainLatency(tier string, p Profile) time.Duration {
	per := map[string]time.Duration{"vcd": p.VCDCall, "keycloak": p.KeycloakCall, "zerto": p.ZertoCall, "scim": p.SCIMCall}
	total := p.CRMCall
	for _, s := range Chain(tier) {
		total += s.Wait(p)
		for sys, n := range s.Calls {
			total += time.Duration(n) * per[sys]
		}
	}
	return total
}
