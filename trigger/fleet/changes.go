package fleet

import (
	"regexp"
	"slices"
	"sort"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/tenantops/tenantops/trigger/runner"
)

// Change is one resource change of a tenant's plan, normalised so that the
// same change to two tenants compares equal: instance keys taken from the
// tenant's data (`admin["alice"]`) read `admin[*]`, and several instances
// with the same action count once, with the union of their attributes.
// It holds attribute names, never values.
type Change struct {
	Address string   `json:"address"`
	Action  string   `json:"action"` // delete, replace, update, create, move
	Changed []string `json:"changed,omitempty"`
	// From is, for a move, the address the object had in the state.
	From string `json:"from,omitempty"`
}

// instanceKey matches a string instance key: for_each keys come from the
// tenant's data (admins' user names), so they differ from one tenant to
// the next. Count indexes ([0]) are the template's and stay.
var instanceKey = regexp.MustCompile(`\["(?:[^"\\]|\\.)*"\]`)

// normaliseAddress replaces a resource address's string instance keys.
func normaliseAddress(addr string) string {
	return instanceKey.ReplaceAllString(addr, "[*]")
}

// Changes extracts a plan's normalised changes: the runner's summary (the
// same actions and attribute names a run shows) plus the objects that only
// move to a new address (a moved block), which a run applies without
// touching the backends. Destructive changes come first.
func Changes(p *tfjson.Plan) []Change {
	byKey := map[string]*Change{}
	add := func(c Change) {
		c.Address = normaliseAddress(c.Address)
		c.From = normaliseAddress(c.From)
		k := c.Action + "\x00" + c.Address + "\x00" + c.From
		if prev, ok := byKey[k]; ok {
			prev.Changed = union(prev.Changed, c.Changed)
			return
		}
		c.Changed = slices.Clone(c.Changed)
		byKey[k] = &c
	}
	byAddr := map[string]*tfjson.ResourceChange{}
	for _, rc := range p.ResourceChanges {
		byAddr[rc.Address] = rc
	}
	for _, c := range runner.Summarize(p).Changes {
		add(Change{Address: c.Address, Action: c.Action, Changed: knownChanges(c.Changed, byAddr[c.Address])})
	}
	for _, rc := range p.ResourceChanges {
		if rc.Change == nil || rc.Mode == tfjson.DataResourceMode || rc.PreviousAddress == "" || rc.PreviousAddress == rc.Address {
			continue
		}
		if rc.Change.Actions.NoOp() {
			add(Change{Address: rc.Address, Action: "move", From: rc.PreviousAddress})
		}
	}
	out := make([]Change, 0, len(byKey))
	for _, c := range byKey {
		out = append(out, *c)
	}
	sortChanges(out)
	return out
}

// knownChanges leaves out the attributes whose new value Terraform learns
// only when applying (an id, a status after a replace): they change because
// of the others, and naming them would hide the attribute that matters.
func knownChanges(changed []string, rc *tfjson.ResourceChange) []string {
	if rc == nil || rc.Change == nil {
		return changed
	}
	unknown, _ := rc.Change.AfterUnknown.(map[string]any)
	var out []string
	for _, k := range changed {
		if u, _ := unknown[k].(bool); !u {
			out = append(out, k)
		}
	}
	return out
}

// actionRank orders a change set for a reviewer: what destroys first.
var actionRank = map[string]int{"delete": 0, "replace": 1, "update": 2, "create": 3, "move": 4}

func sortChanges(cs []Change) {
	sort.Slice(cs, func(i, j int) bool {
		if actionRank[cs[i].Action] != actionRank[cs[j].Action] {
			return actionRank[cs[i].Action] < actionRank[cs[j].Action]
		}
		if cs[i].Address != cs[j].Address {
			return cs[i].Address < cs[j].Address
		}
		return cs[i].From < cs[j].From
	})
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}

// Destructive reports whether a change destroys an object in a backend.
func (c Change) Destructive() bool { return c.Action == "delete" || c.Action == "replace" }

// key identifies a change set: equal keys, identical changes.
func key(cs []Change) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString(c.Action + " " + c.Address + " " + c.From + " " + strings.Join(c.Changed, ",") + "\n")
	}
	return b.String()
}
