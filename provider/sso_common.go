package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var ssoRealmNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// smtpPortRE is a TCP port, or empty for the protocol's own.
var smtpPortRE = regexp.MustCompile(`^([1-9][0-9]{0,4})?$`)

// ssoSplitImportID splits "realm/rest" import ids.
func ssoSplitImportID(id, what string, resp *resource.ImportStateResponse) (string, string, bool) {
	realm, rest, ok := strings.Cut(id, "/")
	if !ok || realm == "" || rest == "" {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("Expected \"<realm>/<%s>\", got %q.", what, id))
		return "", "", false
	}
	return realm, rest, true
}

// ssoSetStrings returns a set's strings (none for a null or unknown set),
// adding to diags when the set does not hold strings.
func ssoSetStrings(ctx context.Context, s types.Set, diags *diag.Diagnostics) []string {
	out := []string{}
	if s.IsNull() || s.IsUnknown() {
		return out
	}
	diags.Append(s.ElementsAs(ctx, &out, false)...)
	return out
}

func ssoStringSet(ctx context.Context, l []string) (types.Set, diag.Diagnostics) {
	if l == nil {
		l = []string{}
	}
	return types.SetValueFrom(ctx, types.StringType, l)
}

var ssoHTTPURLRE = regexp.MustCompile(`^https?://[^\s/?#]+[^\s]*$`)
