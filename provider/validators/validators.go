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

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

var (
	_ validator.String = emailValidator{}
	_ validator.String = redirectURIValidator{}
)

// Email accepts a plain e-mail address; see emailValidator.
func Email() validator.String { return emailValidator{} }

// RedirectURI accepts a Keycloak client redirect URI; see
// redirectURIValidator.
func RedirectURI() validator.String { return redirectURIValidator{} }

// emailValidator accepts a plain e-mail address (alice@example.com) as
// net/mail parses it: no display name, no angle brackets, nothing around.
type emailValidator struct{}

func (emailValidator) Description(context.Context) string {
	return "must be a plain e-mail address such as alice@example.com"
}

func (v emailValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (emailValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	// Terraform shows no attribute for an element of a nested list: the
	// detail names it.
	v := req.ConfigValue.ValueString()
	addr, err := mail.ParseAddress(v)
	switch {
	case err != nil:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid e-mail address",
			fmt.Sprintf("%s: %q is not an e-mail address: %s.", req.Path, v, strings.TrimPrefix(err.Error(), "mail: ")))
	case addr.Name != "" || addr.Address != v:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid e-mail address",
			fmt.Sprintf("%s: %q is not a plain e-mail address: give only %q.", req.Path, v, addr.Address))
	}
}

// redirectURIValidator accepts what Keycloak accepts as a client's valid
// redirect URI: "*", a path relative to the client's root URL ("/cb"), an
// http(s) URL with a host, or a custom scheme of a native app
// ("com.example.app:/cb"), each with Keycloak's "*" wildcard where it
// allows one. Keycloak refuses a URI fragment (KEYCLOAK-3421: "Redirect
// URIs must not contain an URI fragment"), a value that is not a URI and
// the javascript: and data: schemes ("A redirect URI uses an illegal
// scheme"); so does this validator, before the client is sent.
type redirectURIValidator struct{}

func (redirectURIValidator) Description(context.Context) string {
	return "must be a redirect URI: an https (or http) URL, a path relative to the root URL, a native app's custom scheme, or *; no fragment"
}

func (v redirectURIValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (redirectURIValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	v := req.ConfigValue.ValueString()
	if problem := redirectURIProblem(v); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid redirect URI", fmt.Sprintf("%q %s.", v, problem))
	}
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
