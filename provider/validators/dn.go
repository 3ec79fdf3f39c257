package validators

import (
	"context"
	"fmt"
	"regexp"

	"github.com/go-ldap/ldap/v3"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

var _ validator.String = dnValidator{}

// DN accepts an LDAP distinguished name (RFC 4514) with at least one RDN.
func DN() validator.String { return dnValidator{} }

type dnValidator struct{}

func (dnValidator) Description(context.Context) string {
	return "must be a distinguished name (RFC 4514)"
}

func (v dnValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (dnValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	dn, err := ldap.ParseDN(req.ConfigValue.ValueString())
	if err != nil || len(dn.RDNs) == 0 {
		msg := "empty DN"
		if err != nil {
			msg = err.Error()
		}
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid distinguished name",
			fmt.Sprintf("%q is not a valid DN: %s", req.ConfigValue.ValueString(), msg))
	}
}

// sAMAccountName may not hold these characters (MS-ADTS 3.1.1.5.2.2).
var samAccountNameRE = regexp.MustCompile(`^[^"/\\\[\]:;|=,+*?<>@]+$`)

// SAMAccountName accepts an Active Directory sAMAccountName of at most max
// characters (20 for users, 256 for groups).
func SAMAccountName(max int) []validator.String {
	return []validator.String{
		stringvalidator.LengthBetween(1, max),
		stringvalidator.RegexMatches(samAccountNameRE, `must not contain any of "/\[]:;|=,+*?<>@`),
	}
}
