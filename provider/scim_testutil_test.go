package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/tenantops/tenantops/internal/sim/fault"
	scimsim "github.com/tenantops/tenantops/internal/sim/scim"
)

// scimModes runs SCIM acceptance tests against a provider that offers PATCH
// and one that does not (updates must then use PUT).
var scimModes = []struct {
	name   string
	opts   scimsim.Options
	method string // the write method updates must use
	other  string // the method that must not be seen
}{
	{"patch", scimsim.Options{}, "PATCH", "PUT"},
	{"put", scimsim.Options{DisablePatch: true}, "PUT", "PATCH"},
}

// startSCIMSim starts a private SCIM service provider for one test.
func startSCIMSim(t *testing.T, opts scimsim.Options) *scimsim.Server {
	t.Helper()
	s, err := scimsim.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// scimProvider is the provider block pointing at the simulator, trusting
// its certificate through ca_pem.
func scimProvider(s *scimsim.Server) string {
	return fmt.Sprintf(`
provider "tenantops" {
  scim {
    url    = %q
    token  = %q
    ca_pem = <<EOT
%sEOT
  }
}
`, s.URL, s.Token, s.CAPEM)
}

// scimNothingLeft fails when the simulator still holds any object.
func scimNothingLeft(s *scimsim.Server) func(*terraform.State) error {
	return func(*terraform.State) error {
		if inv := s.Inventory(); len(inv) > 0 {
			return fmt.Errorf("objects left on the SCIM provider after destroy: %s", strings.Join(inv, ", "))
		}
		return nil
	}
}

// scimCheck wraps a simulator assertion as a check function.
func scimCheck(f func() error) func(*terraform.State) error {
	return func(*terraform.State) error { return f() }
}

// scimStateID returns the id attribute of a resource in state.
func scimStateID(st *terraform.State, addr string) (string, error) {
	rs, ok := st.RootModule().Resources[addr]
	if !ok {
		return "", fmt.Errorf("%s not in state", addr)
	}
	return rs.Primary.Attributes["id"], nil
}

// scimFault fails the call after the first `after` matching calls.
func scimFault(method, path string, after, status int, body string) fault.Rule {
	return fault.Rule{Method: method, Path: path, Kind: fault.Status, After: after, Times: 1,
		Status: status, Body: body, ContentType: "application/scim+json"}
}
