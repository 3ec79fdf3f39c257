package fleet

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// TenantResult is one tenant's outcome of a fleet plan: its normalised
// changes (none: unchanged), or why it was not planned.
type TenantResult struct {
	Tenant  string   `json:"tenant"`
	Tier    string   `json:"tier"`
	Changes []Change `json:"changes,omitempty"`
	// Error is the redacted reason the plan failed.
	Error string `json:"error,omitempty"`
}

// Group is a set of tenants whose plans hold the same changes.
type Group struct {
	Tenants []string `json:"tenants"`
	Tiers   []string `json:"tiers"`
	Changes []Change `json:"changes"`
}

// Destructive reports whether the group's change set destroys or replaces
// an object.
func (g Group) Destructive() bool {
	for _, c := range g.Changes {
		if c.Destructive() {
			return true
		}
	}
	return false
}

// TierRevision names the template revision the fleet was planned with for
// a tier, and how many of its tenants were looked at.
type TierRevision struct {
	Tier     string `json:"tier"`
	Revision string `json:"revision"`
	Tenants  int    `json:"tenants"`
}

// Report is a fleet plan's outcome.
type Report struct {
	Templates string         `json:"templates"`
	Tiers     []TierRevision `json:"tiers"`
	Refresh   bool           `json:"refresh"`
	Groups    []Group        `json:"groups"`
	Unchanged []string       `json:"unchanged"`
	Errors    []TenantResult `json:"errors"`
	// Skipped are tenants of the tiers that have nothing applied to plan
	// against (no completed run yet, deleted), with the reason.
	Skipped  []TenantResult `json:"skipped,omitempty"`
	Duration time.Duration  `json:"duration_ns"`
}

// Build groups tenant results: tenants with identical change sets share a
// group; groups that destroy or replace come first, then the larger ones.
func Build(results []TenantResult) Report {
	var r Report
	groups := map[string]*Group{}
	for _, t := range results {
		switch {
		case t.Error != "":
			r.Errors = append(r.Errors, t)
		case len(t.Changes) == 0:
			r.Unchanged = append(r.Unchanged, t.Tenant)
		default:
			k := key(t.Changes)
			g, ok := groups[k]
			if !ok {
				g = &Group{Changes: t.Changes}
				groups[k] = g
			}
			g.Tenants = append(g.Tenants, t.Tenant)
			if !slices.Contains(g.Tiers, t.Tier) {
				g.Tiers = append(g.Tiers, t.Tier)
			}
		}
	}
	for _, g := range groups {
		sort.Strings(g.Tenants)
		sort.Strings(g.Tiers)
		r.Groups = append(r.Groups, *g)
	}
	sort.Slice(r.Groups, func(i, j int) bool {
		a, b := r.Groups[i], r.Groups[j]
		if a.Destructive() != b.Destructive() {
			return a.Destructive()
		}
		if len(a.Tenants) != len(b.Tenants) {
			return len(a.Tenants) > len(b.Tenants)
		}
		return a.Tenants[0] < b.Tenants[0]
	})
	sort.Strings(r.Unchanged)
	sort.Slice(r.Errors, func(i, j int) bool { return r.Errors[i].Tenant < r.Errors[j].Tenant })
	return r
}

// Planned is the number of tenants the plan covered (errors included).
func (r Report) Planned() int {
	n := len(r.Unchanged) + len(r.Errors)
	for _, g := range r.Groups {
		n += len(g.Tenants)
	}
	return n
}

// JSON renders the report as indented JSON.
func (r Report) JSON() string {
	b, _ := json.MarshalIndent(r, "", "  ")
	return string(b) + "\n"
}

var verbs = map[string]string{"delete": "destroy", "replace": "replace", "update": "update in place", "create": "create", "move": "move"}

// Markdown renders the report for a pull-request comment: the headline,
// every destroy or replace first, one section per change set, the
// unchanged tenants and the errors. Values never appear, only resource
// addresses and the names of attributes that change.
func (r Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Fleet plan of `%s`\n\n", r.Templates)
	var tiers []string
	for _, t := range r.Tiers {
		tiers = append(tiers, fmt.Sprintf("`%s` (%d tenants, template revision `%.12s`)", t.Tier, t.Tenants, t.Revision))
	}
	refresh := "without refresh: each tenant's state as last applied is compared with the new templates"
	if r.Refresh {
		refresh = "with refresh: the backends were read first, so drift shows too"
	}
	fmt.Fprintf(&b, "Tiers: %s. Planned %s.\n\n", strings.Join(tiers, ", "), refresh)
	changed := r.Planned() - len(r.Unchanged) - len(r.Errors)
	fmt.Fprintf(&b, "**%d tenants planned: %d change (%d change sets), %d unchanged, %d errors.**\n\n",
		r.Planned(), changed, len(r.Groups), len(r.Unchanged), len(r.Errors))
	r.writeDestructive(&b)
	for i, g := range r.Groups {
		fmt.Fprintf(&b, "#### Change set %d: %s (%s)\n\n", i+1, plural(len(g.Tenants), "tenant"), strings.Join(g.Tiers, ", "))
		fmt.Fprintf(&b, "%s\n\n", codeList(g.Tenants))
		b.WriteString("| action | resource | attributes changing |\n| --- | --- | --- |\n")
		for _, c := range g.Changes {
			res := "`" + c.Address + "`"
			if c.From != "" {
				res = "`" + c.From + "` → `" + c.Address + "`"
			}
			fmt.Fprintf(&b, "| %s | %s | %s |\n", verbs[c.Action], res, codeJoin(c.Changed))
		}
		b.WriteString("\n")
	}
	if len(r.Unchanged) > 0 {
		fmt.Fprintf(&b, "#### Unchanged: %s\n\n%s\n\n", plural(len(r.Unchanged), "tenant"), codeList(r.Unchanged))
	}
	if len(r.Errors) > 0 {
		fmt.Fprintf(&b, "#### Errors: %s\n\n| tenant | tier | error |\n| --- | --- | --- |\n", plural(len(r.Errors), "tenant"))
		for _, e := range r.Errors {
			fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", e.Tenant, e.Tier, cell(e.Error))
		}
		b.WriteString("\n")
	}
	if len(r.Skipped) > 0 {
		fmt.Fprintf(&b, "#### Not planned: %s\n\n", plural(len(r.Skipped), "tenant"))
		for _, s := range r.Skipped {
			fmt.Fprintf(&b, "- `%s` (`%s`): %s\n", s.Tenant, s.Tier, s.Error)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "<sub>tenantops-trigger fleet plan, %.1f s</sub>\n", r.Duration.Seconds())
	return b.String()
}

// writeDestructive calls out, before anything else, every object the
// change would destroy or replace and in how many tenants.
func (r Report) writeDestructive(b *strings.Builder) {
	type row struct{ action, address string }
	count := map[row]int{}
	var rows []row
	for _, g := range r.Groups {
		for _, c := range g.Changes {
			if !c.Destructive() {
				continue
			}
			k := row{c.Action, c.Address}
			if count[k] == 0 {
				rows = append(rows, k)
			}
			count[k] += len(g.Tenants)
		}
	}
	if len(rows) == 0 {
		return
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].action != rows[j].action {
			return actionRank[rows[i].action] < actionRank[rows[j].action]
		}
		return rows[i].address < rows[j].address
	})
	b.WriteString("#### :warning: Destroy or replace\n\n| action | resource | tenants |\n| --- | --- | --- |\n")
	for _, k := range rows {
		fmt.Fprintf(b, "| **%s** | `%s` | %d |\n", verbs[k.action], k.address, count[k])
	}
	b.WriteString("\n")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func codeList(xs []string) string {
	return "`" + strings.Join(xs, "`, `") + "`"
}

func codeJoin(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return codeList(xs)
}

// cell keeps an error on one table row: no newlines, pipes escaped, at
// most 600 characters.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 600 {
		s = string(r[:600]) + "…"
	}
	return strings.ReplaceAll(s, "|", `\|`)
}
