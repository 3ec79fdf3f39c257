package provider

import (
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	kcsim "github.com/tenantops/tenantops/internal/sim/keycloak"
	simvcd "github.com/tenantops/tenantops/internal/sim/vcd"
)

// TestAccSSO_onboarding is examples/onboarding against both simulators: the
// organization and VDC in Cloud Director, the realm with mandatory OTP and
// the portal client in Keycloak, and the organization's OpenID Connect
// settings pointing at the realm's issuer with the client's secret.
func TestAccSSO_onboarding(t *testing.T) {
	t.Parallel()
	k := startKeycloakSim(t)
	v := startSim(t, simvcd.Start, simvcd.Options{User: "vcd-admin", Password: "vcd-password"})
	// Cloud Director reads the realm's discovery document and keys itself,
	// trusting the identity provider's certificate.
	if err := v.TrustIdentityProvider(k.CAPEM); err != nil {
		t.Fatal(err)
	}
	config := providerHCL(backendHCL("vcd", v.CAPEM, "url", v.URL, "user", "vcd-admin", "password", "vcd-password"), kcBlock(k)) +
		testAccTenantHCL + placedVDCHCL("main", "acme-vdc", 0) + `

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
		CheckDestroy:             resource.ComposeTestCheckFunc(nothingLeft("Keycloak", k.Inventory), nothingLeft("Cloud Director", v.Inventory)),
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("tenantops_tenant_sso.oidc", tfjsonpath.New("issuer"), knownvalue.StringExact(issuer)),
				statecheck.ExpectKnownValue("tenantops_tenant_sso.oidc", tfjsonpath.New("token_endpoint"),
					knownvalue.StringExact(issuer+"/protocol/openid-connect/token")),
				// The key Cloud Director validates portal logins with is the
				// realm's own signing key, as its certs endpoint publishes it.
				statecheck.ExpectKnownValue("tenantops_tenant_sso.oidc", tfjsonpath.New("keys").AtSliceIndex(0).AtMapKey("key_id"),
					knownvalue.StringFunc(func(kid string) error { return realmKeyIs(k, "acme", kid, "") })),
				statecheck.ExpectKnownValue("tenantops_tenant_sso.oidc", tfjsonpath.New("keys").AtSliceIndex(0).AtMapKey("pem"),
					knownvalue.StringFunc(func(p string) error { return realmKeyIs(k, "acme", "", p) })),
				statecheck.ExpectKnownValue("tenantops_tenant_sso.oidc", tfjsonpath.New("keys").AtSliceIndex(0).AtMapKey("algorithm"),
					knownvalue.StringExact("RSA")),
			},
			ConfigPlanChecks: emptyAfterApply(),
			Check: simCheck(func() error {
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

// realmKeyIs checks a key id or a PEM public key against the realm's
// published signing key (its certs endpoint).
func realmKeyIs(k *kcsim.Server, realm, kid, pemKey string) error {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(k.CAPEM))
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := hc.Get(k.URL + "/realms/" + realm + "/protocol/openid-connect/certs")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct{ Kid, N, E string } `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil || len(set.Keys) != 1 {
		return fmt.Errorf("certs of %s: %v, %d keys", realm, err, len(set.Keys))
	}
	want := set.Keys[0]
	if kid != "" && kid != want.Kid {
		return fmt.Errorf("key id %q, the realm signs with %q", kid, want.Kid)
	}
	if pemKey == "" {
		return nil
	}
	block, _ := pem.Decode([]byte(pemKey))
	if block == nil {
		return fmt.Errorf("key is not PEM")
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return err
	}
	rsaPub, ok := pub.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("key is %T, the realm's is RSA", pub)
	}
	if got := base64.RawURLEncoding.EncodeToString(rsaPub.N.Bytes()); got != want.N {
		return fmt.Errorf("key modulus differs from the realm's")
	}
	return nil
}
