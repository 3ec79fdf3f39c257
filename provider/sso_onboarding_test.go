package provider

import (
	"errors"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	simvcd "github.com/tenantops/tenantops/internal/sim/vcd"
)

// TestAccSSO_onboarding is examples/onboarding against both simulators: the
// organization and VDC in Cloud Director, the realm with mandatory OTP and
// the portal client in Keycloak, and the organization's OpenID Connect
// settings pointing at the realm's issuer with the client's secret.
func TestAccSSO_onboarding(t *testing.T) {
	t.Parallel()
	k := startKeycloakSim(t)
	v, err := simvcd.Start(simvcd.Options{User: "vcd-admin", Password: "vcd-password"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	config := fmt.Sprintf(`
provider "tenantops" {
  vcd {
    url      = %q
    user     = "vcd-admin"
    password = "vcd-password"
    ca_pem   = <<EOT
%sEOT
  }
  keycloak {
    url           = %q
    client_id     = %q
    client_secret = %q
    ca_pem        = <<EOT
%sEOT
  }
}
`, v.URL, v.CAPEM, k.URL, k.ClientID, k.ClientSecret, k.CAPEM) + `
resource "tenantops_tenant" "t" {
  name      = "acme"
  full_name = "Acme Corp"
}

data "tenantops_provider_vdc" "p" {
  name = "pvdc-1"
}

resource "tenantops_tenant_vdc" "main" {
  org              = tenantops_tenant.t.name
  name             = "acme-vdc"
  provider_vdc     = data.tenantops_provider_vdc.p.name
  allocation_model = "Flex"
  network_pool     = data.tenantops_provider_vdc.p.network_pools[0]
  storage_profiles = [{ name = data.tenantops_provider_vdc.p.storage_profiles[0], default = true }]
}

resource "tenantops_sso_realm" "tenant" {
  realm = tenantops_tenant.t.name
  mfa   = "otp"
}

resource "tenantops_sso_client" "portal" {
  realm         = tenantops_sso_realm.tenant.realm
  client_id     = "vcd-tenant-portal"
  redirect_uris = ["https://vcd.example.com/login/oauth?service=tenant:acme"]
}

resource "tenantops_tenant_sso" "oidc" {
  org                 = tenantops_tenant.t.name
  client_id           = tenantops_sso_client.portal.client_id
  client_secret       = tenantops_sso_client.portal.client_secret
  well_known_endpoint = "${tenantops_sso_realm.tenant.issuer}/.well-known/openid-configuration"
}
`
	issuer := k.URL + "/realms/acme"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy: resource.ComposeTestCheckFunc(kcNothingLeft(k), func(*terraform.State) error {
			if inv := v.Inventory(); len(inv) > 0 {
				return fmt.Errorf("Cloud Director holds %v after destroy", inv)
			}
			return nil
		}),
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("tenantops_tenant_sso.oidc", tfjsonpath.New("issuer"), knownvalue.StringExact(issuer)),
				statecheck.ExpectKnownValue("tenantops_tenant_sso.oidc", tfjsonpath.New("token_endpoint"),
					knownvalue.StringExact(issuer+"/protocol/openid-connect/token")),
			},
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			Check: kcCheck(func() error {
				c := k.Client("acme", "vcd-tenant-portal")
				if c == nil {
					return errors.New("portal client missing in Keycloak")
				}
				stored, _ := v.OIDCClientSecret("acme")
				return errors.Join(
					kcExpectEq("Cloud Director client secret", stored, c["secret"].(string)),
					kcExpectEq("OTP required", k.Requirement("acme", "Browser - Conditional OTP"), "REQUIRED"),
				)
			}),
		}},
	})
}
