// Package planmodifiers holds the attribute plan modifiers of the tenantops
// provider.
package planmodifiers

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"

	"github.com/tenantops/tenantops/internal/directory"
)

var _ planmodifier.Set = dnSetModifier{}

// DNSet keeps a set of distinguished names quiet: when the configuration
// names the same entries as the state, only spelt differently (case, spaces
// after commas), the plan keeps the state's value; when the configuration
// leaves the set out, the attribute is not managed and keeps its known value.
func DNSet() planmodifier.Set { return dnSetModifier{} }

type dnSetModifier struct{}

func (dnSetModifier) Description(context.Context) string {
	return "DNs that differ only in case or spacing are the same member."
}

func (m dnSetModifier) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (dnSetModifier) PlanModifySet(ctx context.Context, req planmodifier.SetRequest, resp *planmodifier.SetResponse) {
	if req.StateValue.IsNull() || req.StateValue.IsUnknown() {
		return
	}
	if req.ConfigValue.IsNull() {
		resp.PlanValue = req.StateValue
		return
	}
	if req.ConfigValue.IsUnknown() {
		return
	}
	for _, el := range req.ConfigValue.Elements() {
		if el.IsUnknown() {
			return // a member created in the same apply: a real change
		}
	}
	var cfg, st []string
	resp.Diagnostics.Append(req.ConfigValue.ElementsAs(ctx, &cfg, false)...)
	resp.Diagnostics.Append(req.StateValue.ElementsAs(ctx, &st, false)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if directory.SameDNSet(cfg, st) {
		resp.PlanValue = req.StateValue
	}
}
