package sandbox

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/tenantops/tenantops/internal/sim/zerto"
	"github.com/tenantops/tenantops/trigger/store"
)

// summary prints the outcome of every customer and checks the
// expectations; the returned error lists the ones that failed.
func (d *demo) summary(runs []*demoRun, redelivery error) error {
	var problems []string
	fail := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	if redelivery != nil {
		fail("%v", redelivery)
	}
	inv := d.e.Inventories()
	backends := slices.Sorted(maps.Keys(inv))
	p := func(format string, a ...any) { fmt.Fprintf(d.out, format+"\n", a...) }

	p("")
	p("Summary")
	p("")
	p("  %-*s  %-11s %-12s %-22s %s", d.width, "tenant", "expected", "final state", "webhook -> callback", "objects in the backends")
	for _, r := range runs {
		counts, total := d.objectsOf(inv, r.tenant)
		if d.e.Samba != nil {
			n, err := d.directoryObjects(r.tenant)
			if err != nil {
				fail("%s: cannot search the directory: %v", r.tenant, err)
			}
			counts = append(counts, fmt.Sprintf("directory %d", n))
			total += n
		}
		cb := "none"
		if r.callback != nil {
			cb = fmt.Sprintf("%.2fs (%s)", r.callback.ReceivedAt.Sub(r.sentAt).Seconds(), r.callback.State)
		}
		final := r.final.State
		if final == "" {
			final = "-"
		}
		p("  %-*s  %-11s %-12s %-22s %s", d.width, r.tenant, r.c.Want, final, cb, strings.Join(counts, ", "))

		switch {
		case r.err != nil:
			fail("%s: %v", r.tenant, r.err)
		case r.final.State != r.c.Want:
			fail("%s: run %d ended %s, expected %s (%s)", r.tenant, r.runID, r.final.State, r.c.Want, firstLine(r.final.Error, 200))
		}
		if r.callback == nil {
			fail("%s: the CRM got no callback for event %s", r.tenant, r.eventID)
		} else if r.callback.State != string(r.c.Want) {
			fail("%s: the CRM callback says %q, expected %q", r.tenant, r.callback.State, r.c.Want)
		}
		switch r.c.Want {
		case store.StateCompleted:
			if total == 0 {
				fail("%s: completed but no object of the tenant exists in any backend", r.tenant)
			}
		case store.StateRolledBack:
			if total != 0 {
				fail("%s: rolled back but %d object(s) were left behind: %s", r.tenant, total,
					strings.Join(d.leftovers(inv, r.tenant), ", "))
			}
			if !slices.Contains(r.states, store.StateCompensating) && !hasCompensated(r.final.Steps) {
				fail("%s: no compensation was observed", r.tenant)
			}
		}
	}
	// Settings objects are not tenant-named; any left over is an orphan.
	for _, o := range inv["zerto"] {
		if strings.HasPrefix(o, "vpgSettings/") {
			fail("zerto: settings object left behind: %s", o)
		}
	}
	if rej := d.e.CRM.Rejections(); len(rej) > 0 {
		fail("the CRM refused %d callback(s): %s", len(rej), rej[0].Reason)
	}
	p("")
	for _, b := range backends {
		p("  %-9s %d object(s): %s", b, len(inv[b]), abbreviate(inv[b], 12))
	}
	p("")
	for _, v := range d.e.Zerto.VPGs() {
		p("  disaster recovery: VPG %s protects vApp %s (%d VM(s)) into org VDC %s at %s: %s", v.Name,
			strings.Join(v.VApps, ", "), len(v.VMs), v.RecoveryOrgVdc, zerto.RecoverySiteName, v.Status)
	}
	p("")
	if len(problems) > 0 {
		p("DEMO FAILED (%d problem(s)) after %.1fs:", len(problems), time.Since(d.t0).Seconds())
		for _, pr := range problems {
			p("  - %s", pr)
		}
		return fmt.Errorf("demo failed: %s", strings.Join(problems, "; "))
	}
	p("DEMO OK after %.1fs: %d tenant(s) created, %d rolled back with nothing left behind, every callback verified.",
		time.Since(d.t0).Seconds(), countWant(runs, store.StateCompleted), countWant(runs, store.StateRolledBack))
	return nil
}

// objectsOf counts, per backend, the inventory entries naming tenant.
func (d *demo) objectsOf(inv map[string][]string, tenant string) ([]string, int) {
	names := slices.Sorted(maps.Keys(inv))
	var out []string
	total := 0
	for _, b := range names {
		n := 0
		for _, o := range inv[b] {
			if mentions(o, tenant) {
				n++
			}
		}
		total += n
		out = append(out, fmt.Sprintf("%s %d", b, n))
	}
	return out, total
}

func (d *demo) leftovers(inv map[string][]string, tenant string) []string {
	var out []string
	for b, list := range inv {
		for _, o := range list {
			if mentions(o, tenant) {
				out = append(out, b+":"+o)
			}
		}
	}
	sort.Strings(out)
	return out
}

// directoryObjects counts the directory entries whose name mentions tenant.
func (d *demo) directoryObjects(tenant string) (int, error) {
	s := d.e.Samba
	cfg, err := s.TLSConfig()
	if err != nil {
		return 0, err
	}
	c, err := ldap.DialURL(s.URL, ldap.DialWithTLSConfig(cfg))
	if err != nil {
		return 0, err
	}
	defer c.Close()
	if err := c.Bind(s.BindDN, s.BindPassword); err != nil {
		return 0, err
	}
	v := ldap.EscapeFilter(tenant)
	res, err := c.Search(ldap.NewSearchRequest(s.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		fmt.Sprintf("(|(ou=*%s*)(cn=*%s*)(sAMAccountName=*%s*))", v, v, v), []string{"dn"}, nil))
	if err != nil {
		return 0, err
	}
	return len(res.Entries), nil
}

// mentions reports whether an inventory entry names tenant: one of its
// path segments is the tenant id or starts with it followed by a separator.
func mentions(entry, tenant string) bool {
	for _, seg := range strings.Split(entry, "/") {
		if seg == tenant || strings.HasPrefix(seg, tenant+"-") || strings.HasPrefix(seg, tenant+".") ||
			strings.HasPrefix(seg, tenant+"_") || strings.HasSuffix(seg, "-"+tenant) {
			return true
		}
	}
	return false
}

func hasCompensated(steps []store.Step) bool {
	for _, s := range steps {
		if s.Phase == "compensate" || s.Status == "compensated" {
			return true
		}
	}
	return false
}

func countWant(runs []*demoRun, want store.RunState) int {
	n := 0
	for _, r := range runs {
		if r.c.Want == want && r.final.State == want {
			n++
		}
	}
	return n
}

func abbreviate(list []string, max int) string {
	if len(list) == 0 {
		return "-"
	}
	if len(list) <= max {
		return strings.Join(list, " ")
	}
	return strings.Join(list[:max], " ") + fmt.Sprintf(" ... (+%d)", len(list)-max)
}
