package provider

import (
	"context"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/tenantops/tenantops/internal/keycloak"
	"github.com/tenantops/tenantops/internal/tlsutil"
)

// TestAccSSO_importedPlanIsEmpty adopts objects created outside Terraform
// and checks that the first plan after import proposes nothing.
func TestAccSSO_importedPlanIsEmpty(t *testing.T) {
	t.Parallel()
	s := startKeycloakSim(t)
	kc, err := keycloak.New(keycloak.Config{URL: s.URL, ClientID: "tenantops", ClientSecret: "sim-secret",
		TLS: tlsutil.Options{CAPEM: s.CAPEM}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := kc.CreateRealm(ctx, keycloak.Realm{Name: "legacy", DisplayName: "Legacy", Enabled: true, OTPType: "totp",
		OTPAlgorithm: "HmacSHA256", OTPDigits: 8, OTPPeriod: 30, WebAuthnRPName: "keycloak",
		WebAuthnAttestation: "not specified", WebAuthnUserVerification: "not specified",
		SSOSessionIdleTimeout: 1800, SSOSessionMaxLifespan: 36000}); err != nil {
		t.Fatal(err)
	}
	if err := kc.SetMFA(ctx, "legacy", keycloak.MFAOTP); err != nil {
		t.Fatal(err)
	}
	if _, err := kc.CreateClient(ctx, "legacy", keycloak.OIDCClient{ClientID: "portal", Enabled: true, StandardFlowEnabled: true,
		RedirectURIs: []string{"https://legacy.example/cb"}}); err != nil {
		t.Fatal(err)
	}
	config := kcProvider(s) + `
resource "tenantops_sso_realm" "r" {
  realm         = "legacy"
  display_name  = "Legacy"
  mfa           = "otp"
  otp_algorithm = "HmacSHA256"
  otp_digits    = 8
}

resource "tenantops_sso_client" "c" {
  realm         = tenantops_sso_realm.r.realm
  client_id     = "portal"
  redirect_uris = ["https://legacy.example/cb"]
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             nothingLeft("Keycloak", s.Inventory),
		Steps: []resource.TestStep{
			{Config: config, ResourceName: "tenantops_sso_realm.r", ImportState: true, ImportStateId: "legacy", ImportStatePersist: true},
			{Config: config, ResourceName: "tenantops_sso_client.c", ImportState: true, ImportStateId: "legacy/portal", ImportStatePersist: true},
			{Config: config, PlanOnly: true},
		},
	})
}

func TestAccSSO_missingKeycloakBlock(t *testing.T) {
	t.Parallel()
	testAccRefused(t, nil, providerHCL()+testAccRealmHCL, regexp.MustCompile(`no "keycloak" block(.|\n)*tenantops_sso_realm`))
}
