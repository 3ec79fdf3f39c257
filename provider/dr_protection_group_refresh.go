package provider

import (
	"context"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/vcd"
	"github.com/tenantops/tenantops/internal/zerto"
)

// The mapping of Zerto's VPG and its settings back to a DR protection
// group's model: identifiers turned into the names the configuration uses.

// refresh brings m up to date from Zerto (and, for the vApps of the
// protected VMs, Cloud Director); found is false when the VPG is gone.
// Identifiers Zerto no longer lists under a name are kept as identifiers,
// so the plan shows the difference instead of silently keeping the old
// name.
func (m *drProtectionGroupModel) refresh(ctx context.Context, c *zerto.Client, vc *vcd.Client) (found bool, err error) {
	id := m.ID.ValueString()
	v, err := c.Vpg(ctx, id)
	if zerto.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	m.ID, m.VpgID = types.StringValue(v.ID()), types.StringValue(v.ID())
	m.Name = types.StringValue(v.VpgName)
	m.Status = types.StringValue(zerto.StatusName(v.Status))
	m.ActualRPO = types.Int64Value(v.ActualRPO)
	m.ProtectedVMCount = types.Int64Value(int64(v.VmsCount))
	if v.Status == zerto.VpgDeleting {
		return true, nil // a deleting VPG has no editable settings left
	}
	s, err := c.CurrentSettings(ctx, id)
	if zerto.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if b := s.Basic; b != nil {
		m.Name = types.StringValue(b.Name)
		m.RPOAlertSeconds = types.Int64Value(b.RpoInSeconds)
		m.JournalHistoryHours = types.Int64Value(b.JournalHistoryInHours)
		m.Priority = types.StringValue(b.Priority)
		if err := readNames(ctx, c, m, s); err != nil {
			return false, err
		}
	}
	ids, err := protectedVApps(ctx, vc, s, m.vappIDs(ctx))
	if err != nil {
		return false, err
	}
	set, d := types.SetValueFrom(ctx, types.StringType, ids)
	if d.HasError() {
		return false, errors.New("building vapp_ids")
	}
	m.VAppIDs = set
	return true, nil
}

// readNames maps the identifiers in s back to the names the model holds.
func readNames(ctx context.Context, c *zerto.Client, m *drProtectionGroupModel, s *zerto.VpgSettings) error {
	b := s.Basic
	site, err := c.SiteByID(ctx, b.RecoverySiteIdentifier)
	if err != nil {
		return err
	}
	m.RecoverySite = types.StringValue(site.VirtualizationSiteName)
	if m.ServiceProfile, err = lookupName(b.ServiceProfileIdentifier, func() (map[string]string, error) {
		sps, err := c.ServiceProfiles(ctx)
		return byID(sps, func(p zerto.ServiceProfile) (string, string) { return p.ID(), p.ServiceProfileName }), err
	}); err != nil {
		return err
	}
	if m.Zorg, err = lookupName(b.ZorgIdentifier, func() (map[string]string, error) {
		zs, err := c.Zorgs(ctx)
		return byID(zs, func(z zerto.Zorg) (string, string) { return z.ID(), z.ZorgName }), err
	}); err != nil {
		return err
	}
	if s.Recovery == nil || s.Recovery.VCD == nil {
		return nil
	}
	vdcID := s.Recovery.VCD.OrgVdcIdentifier
	vdcs, err := c.OrgVdcs(ctx, site.SiteIdentifier)
	if err != nil {
		return err
	}
	names := byID(vdcs, func(v zerto.OrgVdc) (string, string) { return v.Identifier, v.OrgVdcName })
	vdcName, listed := names[vdcID]
	if !listed {
		// Zerto no longer lists the recovery org VDC: nothing under it can
		// be named either.
		m.RecoveryOrgVdc = types.StringValue(vdcID)
		readUnnamed(m, s)
		return nil
	}
	m.RecoveryOrgVdc = types.StringValue(vdcName)
	nets, err := c.OrgVdcNetworks(ctx, site.SiteIdentifier, vdcID)
	if err != nil {
		return err
	}
	netNames := byID(nets, func(n zerto.Network) (string, string) { return n.NetworkIdentifier, n.VirtualizationNetworkName })
	policies, err := c.StoragePolicies(ctx, site.SiteIdentifier, vdcID)
	if err != nil {
		return err
	}
	policyNames := byID(policies, func(p zerto.StoragePolicy) (string, string) { return p.StoragePolicyIdentifier, p.StoragePolicyName })
	if len(s.Vms) > 0 {
		m.StoragePolicy = types.StringValue(nameOr(policyNames, s.Vms[0].StoragePolicyID()))
	}
	if s.Networks == nil {
		return nil
	}
	m.FailoverNetwork = types.StringValue(nameOr(netNames, defaultNetwork(s.Networks.Failover)))
	m.TestNetwork = types.StringValue(nameOr(netNames, defaultNetwork(s.Networks.FailoverTest)))
	return readMappings(ctx, c, m, s, netNames)
}

// readUnnamed fills what hangs off an unlisted recovery org VDC with identifiers.
func readUnnamed(m *drProtectionGroupModel, s *zerto.VpgSettings) {
	if len(s.Vms) > 0 {
		m.StoragePolicy = types.StringValue(s.Vms[0].StoragePolicyID())
	}
	if s.Networks != nil {
		m.FailoverNetwork = types.StringValue(defaultNetwork(s.Networks.Failover))
		m.TestNetwork = types.StringValue(defaultNetwork(s.Networks.FailoverTest))
	}
}

// readMappings pairs the failover and test mappings of each protected
// network, in Zerto's order.
func readMappings(ctx context.Context, c *zerto.Client, m *drProtectionGroupModel, s *zerto.VpgSettings, netNames map[string]string) error {
	failover := mappings(s.Networks.Failover)
	if len(failover) == 0 {
		m.NetworkMappings = nil
		return nil
	}
	test := map[string]string{}
	for _, t := range mappings(s.Networks.FailoverTest) {
		test[t.ProtectedOrgVdcNetworkIdentifier] = t.RecoveryOrgVdcNetworkIdentifier
	}
	local, err := c.LocalSite(ctx)
	if err != nil {
		return err
	}
	var out []drNetworkModel
	for _, f := range failover {
		protected, err := c.SiteNetworkName(ctx, local.ID(), f.ProtectedOrgVdcNetworkIdentifier)
		if err != nil {
			return err
		}
		if protected == "" {
			protected = f.ProtectedOrgVdcNetworkIdentifier
		}
		out = append(out, drNetworkModel{ProtectedNetwork: types.StringValue(protected),
			RecoveryNetwork: types.StringValue(nameOr(netNames, f.RecoveryOrgVdcNetworkIdentifier)),
			TestNetwork:     types.StringValue(nameOr(netNames, test[f.ProtectedOrgVdcNetworkIdentifier]))})
	}
	m.NetworkMappings = out
	return nil
}
func defaultNetwork(n *zerto.VpgSettingsNetwork) string {
	if n == nil || n.VCD == nil {
		return ""
	}
	return n.VCD.DefaultRecoveryOrgVdcNetworkIdentifier
}
func mappings(n *zerto.VpgSettingsNetwork) []zerto.NetworkMapping {
	if n == nil || n.VCD == nil {
		return nil
	}
	return n.VCD.Mapping
}

// lookupName returns the name of id from list, the identifier itself when
// the list lacks it, or null when id is empty.
func lookupName(id string, list func() (map[string]string, error)) (types.String, error) {
	if id == "" {
		return types.StringNull(), nil
	}
	names, err := list()
	if err != nil {
		return types.StringNull(), err
	}
	return types.StringValue(nameOr(names, id)), nil
}
func nameOr(names map[string]string, id string) string {
	if n, ok := names[id]; ok {
		return n
	}
	return id
}
func byID[T any](xs []T, f func(T) (string, string)) map[string]string {
	out := make(map[string]string, len(xs))
	for _, x := range xs {
		id, name := f(x)
		out[id] = name
	}
	return out
}
