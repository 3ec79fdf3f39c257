package validators

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// validate runs v on s and returns the error detail ("" when accepted).
func validate(v validator.String, s string) string {
	req := validator.StringRequest{Path: path.Root("x"), ConfigValue: types.StringValue(s)}
	var resp validator.StringResponse
	v.ValidateString(context.Background(), req, &resp)
	if !resp.Diagnostics.HasError() {
		return ""
	}
	return resp.Diagnostics.Errors()[0].Summary() + ": " + resp.Diagnostics.Errors()[0].Detail()
}

func TestEmailValidator(t *testing.T) {
	for in, want := range map[string]string{
		"alice@acme.example":                "",
		"o'brien+ops@sub.acme.example":      "",
		"not-an-email":                      "missing '@'",
		"alice@":                            "not an e-mail address",
		"@acme.example":                     "not an e-mail address",
		"Alice <alice@acme.example>":        `give only "alice@acme.example"`,
		" alice@acme.example":               "not a plain e-mail address",
		"alice@acme.example, bob@x.example": "not an e-mail address",
	} {
		got := validate(Email(), in)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
	if got := validate(Email(), "x"); !strings.HasPrefix(got, "Invalid e-mail address") {
		t.Errorf("summary: %q", got)
	}
}

func TestRedirectURIValidator(t *testing.T) {
	for in, want := range map[string]string{
		"https://portal.acme.example/callback":                    "",
		"https://portal.acme.example/tenant/acme/*":               "",
		"http://localhost:3000/*":                                 "",
		"https://vcd.example.com/login/oauth?service=tenant:acme": "",
		"*":                                   "",
		"/tenant/acme/*":                      "",
		"com.acme.app:/oauth2redirect":        "",
		"not a uri":                           "space",
		"portal.acme.example/callback":        "absolute URL",
		"https://portal.acme.example/cb#frag": "fragment",
		"https:///callback":                   "no host",
		"javascript:alert(1)":                 "javascript: scheme",
		"DATA:text/html;base64,PHNjcmlwdD4=":  "data: scheme",
		"https://portal.acme.example/\x00":    "control character",
		"https://portal.acme.example:port/cb": "not a URI",
		"":                                    "empty",
		"myapp:":                              "nothing after its scheme",
	} {
		got := validate(RedirectURI(), in)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func TestDNValidator(t *testing.T) {
	for in, want := range map[string]string{
		"CN=svc,OU=Service Accounts,DC=acme,DC=example": "",
		"ou=users, dc=acme, dc=example":                 "",
		"not a dn":                                      "is not a valid DN",
		"Users":                                         "is not a valid DN",
		"":                                              "empty DN",
	} {
		got := validate(DN(), in)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func TestSAMAccountName(t *testing.T) {
	for in, want := range map[string]bool{
		"alice":                 true,
		"svc-backup.01":         true,
		"alice@acme":            false,
		"a/b":                   false,
		"":                      false,
		"twenty-one-characters": false,
	} {
		ok := true
		for _, v := range SAMAccountName(20) {
			if validate(v, in) != "" {
				ok = false
			}
		}
		if ok != want {
			t.Errorf("%q: accepted %v, want %v", in, ok, want)
		}
	}
}
