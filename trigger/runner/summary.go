package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-exec/tfexec"
	tfjson "github.com/hashicorp/terraform-json"
)

// Change is one resource change of a plan.
type Change struct {
	Address string   `json:"address"`
	Action  string   `json:"action"` // create, update, replace, delete
	Changed []string `json:"changed,omitempty"`
}

// Summary is a plan reduced to what a reviewer needs; it holds attribute
// names, never values.
type Summary struct {
	Create  int      `json:"create"`
	Update  int      `json:"update"`
	Replace int      `json:"replace"`
	Delete  int      `json:"delete"`
	Changes []Change `json:"changes"`
}

func (r *Runner) summary(ctx context.Context, tf *tfexec.Terraform, planFile string) (Summary, error) {
	p, err := tf.ShowPlanFile(ctx, planFile)
	if err != nil {
		return Summary{}, err
	}
	return Summarize(p), nil
}

var actionOrder = map[string]int{"delete": 0, "replace": 1, "update": 2, "create": 3}

// Summarize reduces a plan; deletions come first, then replacements,
// updates and creations, each sorted by address.
func Summarize(p *tfjson.Plan) Summary {
	var s Summary
	for _, rc := range p.ResourceChanges {
		if rc.Change == nil || rc.Mode == tfjson.DataResourceMode {
			continue
		}
		a := rc.Change.Actions
		var action string
		switch {
		case a.Replace():
			action = "replace"
			s.Replace++
		case a.Create():
			action = "create"
			s.Create++
		case a.Update():
			action = "update"
			s.Update++
		case a.Delete():
			action = "delete"
			s.Delete++
		default:
			continue
		}
		c := Change{Address: rc.Address, Action: action}
		if action == "update" || action == "replace" {
			c.Changed = changedKeys(rc.Change.Before, rc.Change.After)
		}
		s.Changes = append(s.Changes, c)
	}
	sortChanges(s.Changes)
	return s
}

// sortChanges orders deletions first, then replacements, updates and
// creations, each by address.
func sortChanges(cs []Change) {
	sort.SliceStable(cs, func(i, j int) bool {
		ci, cj := cs[i], cs[j]
		if actionOrder[ci.Action] != actionOrder[cj.Action] {
			return actionOrder[ci.Action] < actionOrder[cj.Action]
		}
		return ci.Address < cj.Address
	})
}

func changedKeys(before, after any) []string {
	b, _ := before.(map[string]any)
	a, _ := after.(map[string]any)
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	var out []string
	for k := range keys {
		if !reflect.DeepEqual(b[k], a[k]) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

var actionVerb = map[string]string{"delete": "destroy", "replace": "replace", "update": "update in place", "create": "create"}

// Markdown renders a PR-comment-ready summary; values (sensitive or not)
// are never shown, only the names of attributes that change.
func (s Summary) Markdown(title string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n\n", title)
	fmt.Fprintf(&b, "**%d to destroy, %d to replace, %d to update, %d to create**\n\n", s.Delete, s.Replace, s.Update, s.Create)
	if len(s.Changes) == 0 {
		b.WriteString("No changes. The tenant matches its specification.\n")
		return b.String()
	}
	b.WriteString("| action | resource | attributes changing |\n| --- | --- | --- |\n")
	for _, c := range s.Changes {
		attrs := ""
		if len(c.Changed) > 0 {
			attrs = "`" + strings.Join(c.Changed, "`, `") + "`"
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s |\n", actionVerb[c.Action], c.Address, attrs)
	}
	return b.String()
}

// JSON renders the summary as indented JSON.
func (s Summary) JSON() string {
	b, _ := json.MarshalIndent(s, "", "  ")
	return string(b) + "\n"
}
