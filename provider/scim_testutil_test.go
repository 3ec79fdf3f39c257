package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/tenantops/tenantops/internal/sim/fault"
	scimsim "github.com/tenantops/tenantops/internal/sim/scim"
)

// scimMode is one kind of SCIM service provider the resources must work
// with: one that offers PATCH and one that does not (updates must then
// use PUT).
type scimMode struct {
	name   string
	opts   scimsim.Options
	method string // the write method updates must use
	other  string // the method that must not be seen
}

var scimModes = []scimMode{
	{"patch", scimsim.Options{}, "PATCH", "PUT"},
	{"put", scimsim.Options{DisablePatch: true}, "PUT", "PATCH"},
}

// testAccEachSCIMMode runs the steps as a subtest per SCIM mode, each on a
// simulator of its own that destroy must leave empty.
func testAccEachSCIMMode(t *testing.T, steps func(t *testing.T, s *scimsim.Server, mode scimMode) []resource.TestStep) {
	for _, mode := range scimModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			s := startSCIMSim(t, mode.opts)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				CheckDestroy:             scimNothingLeft(s),
				Steps:                    steps(t, s, mode),
			})
		})
	}
}

// wroteOnce checks that the one update since the calls were reset wrote
// to endpoint ("Users", "Groups") with the mode's method, never the other.
func (m scimMode) wroteOnce(s *scimsim.Server, endpoint string) error {
	if n := s.Calls(m.method, endpoint); n != 1 {
		return fmt.Errorf("%s /%s calls = %d, want 1", m.method, endpoint, n)
	}
	if n := s.Calls(m.other, endpoint); n != 0 {
		return fmt.Errorf("%s /%s calls = %d, want 0", m.other, endpoint, n)
	}
	return nil
}

// startSCIMSim starts a private SCIM service provider for one test.
func startSCIMSim(t *testing.T, opts scimsim.Options) *scimsim.Server {
	t.Helper()
	return startSim(t, scimsim.Start, opts)
}

// scimBlock is the scim block pointing at the simulator, trusting its
// certificate through ca_pem.
func scimBlock(s *scimsim.Server) string {
	return backendHCL("scim", s.CAPEM, "url", s.URL, "token", s.Token)
}

// scimProvider is the provider block with only the scim block.
func scimProvider(s *scimsim.Server) string { return providerHCL(scimBlock(s)) }

// scimNothingLeft is a CheckDestroy: the simulator holds nothing.
func scimNothingLeft(s *scimsim.Server) resource.TestCheckFunc {
	return nothingLeft("the SCIM provider", s.Inventory)
}

// scimStateID returns the id attribute of a resource in state.
func scimStateID(st *terraform.State, addr string) (string, error) {
	rs, ok := st.RootModule().Resources[addr]
	if !ok {
		return "", fmt.Errorf("%s not in state", addr)
	}
	return rs.Primary.Attributes["id"], nil
}

// scimFault fails the call after the first `after` matching calls with
// status and a SCIM error carrying detail (RFC 7644 section 3.12).
func scimFault(method, path string, after, status int, detail string) fault.Rule {
	return fault.Rule{Method: method, Path: path, Kind: fault.Status, After: after, Times: 1, Status: status,
		Body:        fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"%d","detail":%q}`, status, detail),
		ContentType: "application/scim+json"}
}
