package provider

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	scimsim "github.com/tenantops/tenantops/internal/sim/scim"
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
		got := validate(emailValidator{}, in)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
	if got := validate(emailValidator{}, "x"); !strings.HasPrefix(got, "Invalid e-mail address") {
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
		got := validate(redirectURIValidator{}, in)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// The validators are wired into the resources: each refuses its bad value
// at plan time, naming the attribute, before any backend is called.
func TestAccValidatorsRefuseAtPlan(t *testing.T) {
	t.Parallel()
	kc := startKeycloakSim(t)
	sc := startSCIMSim(t, scimsim.Options{})
	for name, c := range map[string]struct{ config, want string }{
		"scim user e-mail": {scimProvider(sc) + `
resource "tenantops_scim_user" "u" {
  user_name = "pat"
  emails    = [{ value = "not-an-email" }]
}
`, `Invalid e-mail address[\s\S]*emails\[0\]\.value[\s\S]*"not-an-email" is not an e-mail address`},
		"sso client redirect URI": {kcProvider(kc) + `
resource "tenantops_sso_client" "c" {
  realm         = "acme"
  client_id     = "portal"
  redirect_uris = ["https://portal.acme.example/cb", "not a uri"]
}
`, `Invalid redirect URI[\s\S]*redirect_uris[\s\S]*"not a uri" is not a URI`},
		"ldap federation bind DN": {kcProvider(kc) + `
resource "tenantops_sso_ldap_federation" "f" {
  realm           = "acme"
  name            = "ad"
  connection_url  = "ldaps://dc1.example.com:636"
  bind_dn         = "not a dn"
  bind_credential = "secret-123"
  users_dn        = "OU=Users,DC=example,DC=com"
}
`, `Invalid distinguished name[\s\S]*bind_dn[\s\S]*"not a dn" is not a valid DN`},
		"ldap federation users DN": {kcProvider(kc) + `
resource "tenantops_sso_ldap_federation" "f" {
  realm           = "acme"
  name            = "ad"
  connection_url  = "ldaps://dc1.example.com:636"
  bind_dn         = "CN=svc,DC=example,DC=com"
  bind_credential = "secret-123"
  users_dn        = "Users"
}
`, `Invalid distinguished name[\s\S]*users_dn`},
	} {
		t.Run(name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps:                    []resource.TestStep{{Config: c.config, PlanOnly: true, ExpectError: regexp.MustCompile(c.want)}},
			})
		})
	}
	if inv := kc.Inventory(); len(inv) != 0 {
		t.Fatalf("a refused configuration reached Keycloak: %v", inv)
	}
	if inv := sc.Inventory(); len(inv) != 0 {
		t.Fatalf("a refused configuration reached SCIM: %v", inv)
	}
}
