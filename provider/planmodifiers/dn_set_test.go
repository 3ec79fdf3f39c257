package planmodifiers

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func set(dns ...string) types.Set {
	vals := make([]attr.Value, 0, len(dns))
	for _, d := range dns {
		vals = append(vals, types.StringValue(d))
	}
	return types.SetValueMust(types.StringType, vals)
}

func TestDNSet(t *testing.T) {
	state := set("CN=Alice,OU=Users,DC=acme,DC=example")
	unknownMember := types.SetValueMust(types.StringType, []attr.Value{types.StringUnknown()})
	for name, c := range map[string]struct {
		config, state, want types.Set
	}{
		"same entries spelt differently keep the state": {
			set("cn=alice, ou=users, dc=acme, dc=example"), state, state},
		"a different member is a change": {
			set("CN=Bob,OU=Users,DC=acme,DC=example"), state, set("CN=Bob,OU=Users,DC=acme,DC=example")},
		"left out of the configuration keeps the state": {
			types.SetNull(types.StringType), state, state},
		"a member created in the same apply is a change": {
			unknownMember, state, unknownMember},
		"no state yet plans the configuration": {
			set("CN=Alice,DC=acme"), types.SetNull(types.StringType), set("CN=Alice,DC=acme")},
	} {
		t.Run(name, func(t *testing.T) {
			req := planmodifier.SetRequest{ConfigValue: c.config, StateValue: c.state, PlanValue: c.config}
			resp := &planmodifier.SetResponse{PlanValue: req.PlanValue}
			DNSet().PlanModifySet(context.Background(), req, resp)
			if resp.Diagnostics.HasError() {
				t.Fatal(resp.Diagnostics)
			}
			if !resp.PlanValue.Equal(c.want) {
				t.Fatalf("plan %v, want %v", resp.PlanValue, c.want)
			}
		})
	}
}
