// Package validators holds the attribute validators of the tenantops
// provider: values the backends would refuse late or, worse, store, caught
// at plan time and naming the attribute.
package validators

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// String is a validator of known, non-null strings: check returns what is
// wrong with v as a diagnostic's summary and detail (p, the attribute's
// path, for a detail that must name an element of a nested list), or ""
// when nothing is. desc is what the validator asks of a value.
func String(desc string, check func(p path.Path, v string) (summary, detail string)) validator.String {
	return stringCheck{desc, check}
}

type stringCheck struct {
	desc  string
	check func(path.Path, string) (string, string)
}

func (s stringCheck) Description(context.Context) string         { return s.desc }
func (s stringCheck) MarkdownDescription(context.Context) string { return s.desc }

func (s stringCheck) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if summary, detail := s.check(req.Path, req.ConfigValue.ValueString()); summary != "" {
		resp.Diagnostics.AddAttributeError(req.Path, summary, detail)
	}
}

// Email accepts a plain e-mail address (alice@example.com) as net/mail
// parses it: no display name, no angle brackets, nothing around.
func Email() validator.String {
	return String("must be a plain e-mail address such as alice@example.com", func(p path.Path, v string) (string, string) {
		// Terraform shows no attribute for an element of a nested list: the
		// detail names it.
		addr, err := mail.ParseAddress(v)
		switch {
		case err != nil:
			return "Invalid e-mail address",
				fmt.Sprintf("%s: %q is not an e-mail address: %s.", p, v, strings.TrimPrefix(err.Error(), "mail: "))
		case addr.Name != "" || addr.Address != v:
			return "Invalid e-mail address", fmt.Sprintf("%s: %q is not a plain e-mail address: give only %q.", p, v, addr.Address)
		}
		return "", ""
	})
}

// RedirectURI accepts what Keycloak accepts as a client's valid redirect
// URI: "*", a path relative to the client's root URL ("/cb"), an http(s)
// URL with a host, or a custom scheme of a native app
// ("com.example.app:/cb"), each with Keycloak's "*" wildcard where it
// allows one. Keycloak refuses a URI fragment (KEYCLOAK-3421: "Redirect
// URIs must not contain an URI fragment"), a value that is not a URI and
// the javascript: and data: schemes ("A redirect URI uses an illegal
// scheme"); so does this validator, before the client is sent.
func RedirectURI() validator.String {
	return String("must be a redirect URI: an https (or http) URL, a path relative to the root URL, a native app's custom scheme, or *; no fragment",
		func(_ path.Path, v string) (string, string) {
			if problem := redirectURIProblem(v); problem != "" {
				return "Invalid redirect URI", fmt.Sprintf("%q %s.", v, problem)
			}
			return "", ""
		})
}

// redirectURIProblem says what is wrong with a redirect URI ("" if nothing).
func redirectURIProblem(v string) string {
	if v == "*" {
		return ""
	}
	if v == "" {
		return "is empty"
	}
	if i := strings.IndexFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }); i >= 0 {
		return "is not a URI: it contains a space or control character"
	}
	if strings.Contains(v, "#") {
		return "has a fragment (#...), which Keycloak refuses in redirect URIs"
	}
	u, err := url.Parse(v)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "is not a URI: " + err.Error()
	}
	switch scheme := strings.ToLower(u.Scheme); scheme {
	case "":
		if !strings.HasPrefix(v, "/") {
			return "is not a URI: give an absolute URL (https://host/path) or a path starting with / (relative to the client's root URL)"
		}
	case "javascript", "data", "vbscript":
		return "uses the " + scheme + ": scheme, which Keycloak refuses"
	case "http", "https":
		if u.Host == "" {
			return "has no host"
		}
	default:
		if u.Opaque == "" && u.Path == "" && u.Host == "" {
			return "has nothing after its scheme"
		}
	}
	return ""
}
