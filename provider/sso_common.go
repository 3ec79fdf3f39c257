package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/keycloak"
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

// ssoImportByKey is the ImportState of a realm object imported as
// "<realm>/<key>" (key names the attribute, e.g. client_id): find looks the
// key up in the realm and returns the attributes to start the state with.
// what names the object in the failure ("Unable to import client ...").
func ssoImportByKey(ctx context.Context, b *resourceBase[*keycloak.Client], req resource.ImportStateRequest,
	resp *resource.ImportStateResponse, what, key string,
	find func(ctx context.Context, kc *keycloak.Client, realm, key string) (stateAttrs, error)) {
	realm, name, ok := ssoSplitImportID(req.ID, key, resp)
	if !ok {
		return
	}
	importResource(ctx, b, req, resp, fmt.Sprintf("Unable to import %s %q in realm %q", what, name, realm), "",
		func(ctx context.Context, kc *keycloak.Client, _ string) (stateAttrs, error) {
			return find(ctx, kc, realm, name)
		})
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
