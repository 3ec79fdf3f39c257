package provider

import (
	"fmt"
	"os"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/tenantops/tenantops/internal/contract"
	kcsim "github.com/tenantops/tenantops/internal/sim/keycloak"
	"github.com/tenantops/tenantops/internal/sim/record"
	scimsim "github.com/tenantops/tenantops/internal/sim/scim"
	simvcd "github.com/tenantops/tenantops/internal/sim/vcd"
	zertosim "github.com/tenantops/tenantops/internal/sim/zerto"
	"github.com/tenantops/tenantops/internal/testenv"
)

// testAccProviders serves the provider in-process for acceptance tests.
var testAccProviders = map[string]func() (tfprotov6.ProviderServer, error){
	"tenantops": providerserver.NewProtocol6WithError(New("test")()),
}

func TestMain(m *testing.M) {
	cleanup, err := testenv.SetupTerraform()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := contract.Main(m, "provider")
	testenv.StopSamba()
	cleanup()
	os.Exit(code)
}

// TestAccProviderUserAgent: every HTTP backend sees the provider and its
// version in the User-Agent of every request, login included, as main.go
// passes the version the release build sets (LDAP has no such field).
func TestAccProviderUserAgent(t *testing.T) {
	t.Parallel()
	const version = "9.8.7-test"
	vcdSim := startSim(t, simvcd.Start, simvcd.Options{Record: true})
	kc := startSim(t, kcsim.Start, kcsim.Options{Record: true})
	sc := startSim(t, scimsim.Start, scimsim.Options{Record: true})
	zs := startSim(t, zertosim.Start, zertosim.Options{Record: true})
	want := UserAgent(version)
	if want != "terraform-provider-tenantops/"+version {
		t.Fatalf("UserAgent(%q) = %q", version, want)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: map[string]func() (tfprotov6.ProviderServer, error){
			"tenantops": providerserver.NewProtocol6WithError(New(version)()),
		},
		Steps: []resource.TestStep{{
			Config: providerHCL(vcdBlock(vcdSim), kcBlock(kc), scimBlock(sc), zertoBlock(zs, false)) + `
data "tenantops_provider_vdc" "p" {
  name = "pvdc-1"
}
resource "tenantops_sso_realm" "r" {
  realm = "agent"
}
resource "tenantops_scim_user" "u" {
  user_name = "agent@acme.example"
}
data "tenantops_dr_site" "dr" {
  name = "site-recovery"
}
`,
			Check: func(*terraform.State) error {
				for _, c := range []struct {
					system string
					rec    *record.Recorder
				}{{"Cloud Director", vcdSim.Recorder}, {"Keycloak", kc.Recorder}, {"SCIM", sc.Recorder}, {"Zerto", zs.Recorder}} {
					got := c.rec.UserAgents()
					if got[want] == 0 || len(got) != 1 {
						return fmt.Errorf("%s saw User-Agents %v, want only %q", c.system, got, want)
					}
				}
				return nil
			},
		}},
	})
}
