package provider

import (
	"context"
	"slices"
	"sort"

	"github.com/tenantops/tenantops/internal/zerto"
)

// The mapping of a DR protection group's model to Zerto's VPG settings:
// names resolved to identifiers, written into a settings object.

// drTarget is the model resolved to Zerto identifiers.
type drTarget struct {
	name                 string
	rpo, journal         int64
	priority             string
	siteID, vdcID        string
	policyID             string
	failoverID, testID   string
	profileID, zorgID    string
	failoverMap, testMap []zerto.NetworkMapping
}

// resolve turns the model's names into Zerto identifiers.
func (m *drProtectionGroupModel) resolve(ctx context.Context, c *zerto.Client) (*drTarget, error) {
	site, err := c.SiteByName(ctx, m.RecoverySite.ValueString())
	if err != nil {
		return nil, err
	}
	vdc, err := c.OrgVdcByName(ctx, site.SiteIdentifier, m.RecoveryOrgVdc.ValueString())
	if err != nil {
		return nil, err
	}
	t := &drTarget{name: m.Name.ValueString(), rpo: m.RPOAlertSeconds.ValueInt64(), journal: m.JournalHistoryHours.ValueInt64(),
		priority: m.Priority.ValueString(), siteID: site.SiteIdentifier, vdcID: vdc.Identifier}
	policy, err := c.StoragePolicyByName(ctx, site.SiteIdentifier, vdc.Identifier, m.StoragePolicy.ValueString())
	if err != nil {
		return nil, err
	}
	t.policyID = policy.StoragePolicyIdentifier
	recoveryNet := func(name string) (string, error) {
		n, err := c.NetworkByName(ctx, site.SiteIdentifier, vdc.Identifier, name)
		if err != nil {
			return "", err
		}
		return n.NetworkIdentifier, nil
	}
	if t.failoverID, err = recoveryNet(m.FailoverNetwork.ValueString()); err != nil {
		return nil, err
	}
	if t.testID, err = recoveryNet(m.TestNetwork.ValueString()); err != nil {
		return nil, err
	}
	if len(m.NetworkMappings) > 0 {
		local, err := c.LocalSite(ctx)
		if err != nil {
			return nil, err
		}
		for _, nm := range m.NetworkMappings {
			p, err := c.SiteNetworkByName(ctx, local.ID(), nm.ProtectedNetwork.ValueString())
			if err != nil {
				return nil, err
			}
			rec, err := recoveryNet(nm.RecoveryNetwork.ValueString())
			if err != nil {
				return nil, err
			}
			test, err := recoveryNet(nm.TestNetwork.ValueString())
			if err != nil {
				return nil, err
			}
			t.failoverMap = append(t.failoverMap, zerto.NetworkMapping{ProtectedOrgVdcNetworkIdentifier: p.NetworkIdentifier, RecoveryOrgVdcNetworkIdentifier: rec})
			t.testMap = append(t.testMap, zerto.NetworkMapping{ProtectedOrgVdcNetworkIdentifier: p.NetworkIdentifier, RecoveryOrgVdcNetworkIdentifier: test})
		}
	}
	if !m.ServiceProfile.IsNull() {
		sp, err := c.ServiceProfileByName(ctx, m.ServiceProfile.ValueString())
		if err != nil {
			return nil, err
		}
		t.profileID = sp.ID()
	}
	if !m.Zorg.IsNull() {
		z, err := c.ZorgByName(ctx, m.Zorg.ValueString())
		if err != nil {
			return nil, err
		}
		t.zorgID = z.ID()
	}
	return t, nil
}

// basic sets the VPG-wide settings in b and returns it.
func (t *drTarget) basic(b *zerto.VpgSettingsBasic) *zerto.VpgSettingsBasic {
	b.Name, b.RecoverySiteIdentifier = t.name, t.siteID
	b.RpoInSeconds, b.JournalHistoryInHours, b.Priority = t.rpo, t.journal, t.priority
	b.ServiceProfileIdentifier, b.ZorgIdentifier = t.profileID, t.zorgID
	return b
}

// apply sets recovery, networks, the protected vApp and the VMs in s,
// keeping what tenantops does not manage (a VM's NICs, a network's NAT
// setting) as it was.
func (t *drTarget) apply(s *zerto.VpgSettings, anchor string, vms map[string][]string) {
	if s.Recovery == nil {
		s.Recovery = &zerto.VpgSettingsRecovery{}
	}
	s.Recovery.VCD = &zerto.VcdRecovery{OrgVdcIdentifier: t.vdcID}
	if s.Networks == nil {
		s.Networks = &zerto.VpgSettingsNetworks{}
	}
	setNet := func(n **zerto.VpgSettingsNetwork, def string, mapping []zerto.NetworkMapping) {
		if *n == nil {
			*n = &zerto.VpgSettingsNetwork{}
		}
		if (*n).VCD == nil {
			(*n).VCD = &zerto.VcdNetwork{}
		}
		(*n).VCD.DefaultRecoveryOrgVdcNetworkIdentifier, (*n).VCD.Mapping = def, mapping
	}
	setNet(&s.Networks.Failover, t.failoverID, t.failoverMap)
	setNet(&s.Networks.FailoverTest, t.testID, t.testMap)
	s.Protected = &zerto.VpgSettingsProtected{VCD: &zerto.VcdProtected{VcdVappIdentifier: anchor}}

	have := map[string]zerto.VpgSettingsVM{}
	for _, vm := range s.Vms {
		have[vm.VMIdentifier] = vm
	}
	apps := make([]string, 0, len(vms))
	for id := range vms {
		apps = append(apps, id)
	}
	sort.Strings(apps)
	s.Vms = nil
	for _, app := range apps {
		for _, id := range vms[app] {
			vm, ok := have[id]
			if !ok {
				vm = zerto.VpgSettingsVM{VMIdentifier: id}
			}
			if vm.Recovery == nil {
				vm.Recovery = &zerto.VMRecovery{}
			}
			vm.Recovery.VCD = &zerto.VMVcdRecovery{StoragePolicyIdentifier: t.policyID}
			s.Vms = append(s.Vms, vm)
		}
	}
}

// sameVpgSettings reports whether a and b ask Zerto for the same VPG.
func sameVpgSettings(a, b drProtectionGroupModel) bool {
	return a.Name.Equal(b.Name) && a.VAppIDs.Equal(b.VAppIDs) && a.RecoveryOrgVdc.Equal(b.RecoveryOrgVdc) &&
		a.StoragePolicy.Equal(b.StoragePolicy) && a.FailoverNetwork.Equal(b.FailoverNetwork) && a.TestNetwork.Equal(b.TestNetwork) &&
		slices.Equal(a.NetworkMappings, b.NetworkMappings) &&
		a.RPOAlertSeconds.Equal(b.RPOAlertSeconds) && a.JournalHistoryHours.Equal(b.JournalHistoryHours) &&
		a.Priority.Equal(b.Priority) && a.ServiceProfile.Equal(b.ServiceProfile) && a.Zorg.Equal(b.Zorg)
}
