package validators

import (
	"fmt"
	"regexp"

	"github.com/go-ldap/ldap/v3"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// DN accepts an LDAP distinguished name (RFC 4514) with at least one RDN.
func DN() validator.String {
	return String("must be a distinguished name (RFC 4514)", func(_ path.Path, v string) (string, string) {
		dn, err := ldap.ParseDN(v)
		if err == nil && len(dn.RDNs) > 0 {
			return "", ""
		}
		msg := "empty DN"
		if err != nil {
			msg = err.Error()
		}
		return "Invalid distinguished name", fmt.Sprintf("%q is not a valid DN: %s", v, msg)
	})
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
