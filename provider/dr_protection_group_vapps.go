package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tenantops/tenantops/internal/vcd"
	"github.com/tenantops/tenantops/internal/zerto"
)

// The vApps of a DR protection group: Zerto protects vApps by their VMs,
// which Cloud Director lists.

// vappIDs returns the configured vApps, sorted.
func (m *drProtectionGroupModel) vappIDs(ctx context.Context) []string {
	var ids []string
	_ = m.VAppIDs.ElementsAs(ctx, &ids, false)
	sort.Strings(ids)
	return ids
}

// checkUnprotected fails unless Zerto lists every vApp in ids among the
// unprotected vApps of the protected site, naming the ones it does not.
func checkUnprotected(ctx context.Context, c *zerto.Client, siteID string, ids []string) error {
	free, err := c.VcdVapps(ctx, siteID)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, a := range free {
		known[a.VcdVappIdentifier] = true
	}
	var missing []string
	for _, id := range ids {
		if !known[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("vApp %s is not among the unprotected vApps Zerto lists at the protected site: another VPG "+
			"protects it, or Zerto does not know it (yet)", strings.Join(missing, ", "))
	}
	return nil
}

// vappVMs returns, per vApp, the ids of its VMs as Cloud Director lists them.
func vappVMs(ctx context.Context, vc *vcd.Client, ids []string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, id := range ids {
		app, err := vc.VAppVMs(ctx, id)
		if errors.Is(err, vcd.ErrNotFound) {
			return nil, fmt.Errorf("vApp %s does not exist in Cloud Director", id)
		}
		if err != nil {
			return nil, fmt.Errorf("reading Cloud Director: %w", err)
		}
		for _, vm := range app.VMs {
			out[id] = append(out[id], vm.ID)
		}
	}
	return out, nil
}

// protectedVApps returns the vApps the VPG protects: the vApp of
// Protected.VCD, whose VMs Zerto adds by itself, and every other vApp all
// of whose VMs are in the VPG (one with a VM missing is left out, so the
// next plan adds it). prior are the vApps the state held: an empty one
// counts as protected while it exists.
func protectedVApps(ctx context.Context, vc *vcd.Client, s *zerto.VpgSettings, prior []string) ([]string, error) {
	inVPG := map[string]bool{}
	for _, vm := range s.Vms {
		inVPG[vm.VMIdentifier] = true
	}
	candidates := map[string]bool{}
	anchor := ""
	if s.Protected != nil && s.Protected.VCD != nil {
		anchor = s.Protected.VCD.VcdVappIdentifier
		if anchor != "" {
			candidates[anchor] = true
		}
	}
	for _, id := range prior {
		candidates[id] = true
	}
	seenVM := map[string]bool{}
	check := func(id string) (bool, []string, error) {
		app, err := vc.VAppVMs(ctx, id)
		if errors.Is(err, vcd.ErrNotFound) {
			return false, nil, nil
		}
		if err != nil {
			return false, nil, fmt.Errorf("reading Cloud Director: %w", err)
		}
		var vms []string
		all := true
		for _, vm := range app.VMs {
			vms = append(vms, vm.ID)
			all = all && inVPG[vm.ID]
		}
		return id == anchor || all, vms, nil
	}
	var out []string
	visit := func(id string) error {
		ok, vms, err := check(id)
		if err != nil {
			return err
		}
		for _, vm := range vms {
			seenVM[vm] = true
		}
		if ok {
			out = append(out, id)
		}
		return nil
	}
	for id := range candidates {
		if err := visit(id); err != nil {
			return nil, err
		}
	}
	// VMs of vApps the state does not know yet (an import, or an operator's
	// edit in Zerto): find their vApps.
	for _, vm := range s.Vms {
		if seenVM[vm.VMIdentifier] {
			continue
		}
		parent, err := vc.VMVApp(ctx, vm.VMIdentifier)
		if errors.Is(err, vcd.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading Cloud Director: %w", err)
		}
		if candidates[parent] {
			continue
		}
		candidates[parent] = true
		if err := visit(parent); err != nil {
			return nil, err
		}
	}
	sort.Strings(out)
	return out, nil
}

// anchor is the vApp the VPG protects as such (Protected.VCD), whose VMs
// Zerto adds by itself: the one it has when the configuration still lists
// it, else the first configured.
func anchor(s *zerto.VpgSettings, apps []string) string {
	if s.Protected != nil && s.Protected.VCD != nil && slices.Contains(apps, s.Protected.VCD.VcdVappIdentifier) {
		return s.Protected.VCD.VcdVappIdentifier
	}
	return apps[0]
}
