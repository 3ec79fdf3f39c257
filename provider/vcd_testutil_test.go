package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/tenantops/tenantops/internal/sim/fault"
	simvcd "github.com/tenantops/tenantops/internal/sim/vcd"
)

// startVCDSim starts a Cloud Director simulator for one test.
func startVCDSim(t *testing.T) *simvcd.Server {
	t.Helper()
	return startSim(t, simvcd.Start, simvcd.Options{})
}

// vcdBlock is the vcd block pointing at the simulator, trusting its
// certificate through ca_pem.
func vcdBlock(s *simvcd.Server) string {
	return backendHCL("vcd", s.CAPEM, "url", s.URL, "user", "admin", "password", "admin-password")
}

// vcdProvider is the provider block with only the vcd block.
func vcdProvider(s *simvcd.Server) string { return providerHCL(vcdBlock(s)) }

// vcdInventoryIs checks the simulator holds exactly want (e.g. nothing after
// destroy: no orphans).
func vcdInventoryIs(s *simvcd.Server, want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got := s.Inventory()
		if strings.Join(got, ",") != strings.Join(want, ",") {
			return fmt.Errorf("Cloud Director holds %v, want %v", got, want)
		}
		return nil
	}
}

// vcdHolds is for a step's PreConfig: it fails the test unless the
// simulator holds exactly want (what the previous, failed step left).
func vcdHolds(t *testing.T, s *simvcd.Server, want ...string) func() {
	return func() {
		t.Helper()
		if err := vcdInventoryIs(s, want...)(nil); err != nil {
			t.Error(err)
		}
	}
}

// vcdFault answers requests matching method and path with Cloud
// Director's error document: status, its minor error code and message.
func vcdFault(method, path string, status int, minor, message string) fault.Rule {
	return fault.Rule{Method: method, Path: path, Kind: fault.Status, Status: status,
		ContentType: "application/vnd.vmware.vcloud.error+xml",
		Body: fmt.Sprintf(`<Error xmlns="http://www.vmware.com/vcloud/v1.5" majorErrorCode="%d" minorErrorCode="%s" message="%s"/>`,
			status, minor, message)}
}

// diagRE matches a diagnostic containing parts in order, whatever way
// Terraform wraps the lines.
func diagRE(parts ...string) *regexp.Regexp {
	for i, p := range parts {
		parts[i] = strings.Join(strings.Fields(regexp.QuoteMeta(p)), `\s+`)
	}
	return regexp.MustCompile(strings.Join(parts, `[\s\S]*`))
}
