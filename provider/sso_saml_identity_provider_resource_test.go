package provider

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	kcsim "github.com/tenantops/tenantops/internal/sim/keycloak"
)

func ssoTestCert(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "adfs signing"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

func ssoTestMetadata(host, cert string) string {
	return fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?>
<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="http://%[1]s/adfs/services/trust">
  <IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <KeyDescriptor use="signing">
      <KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>%[2]s</X509Certificate></X509Data></KeyInfo>
    </KeyDescriptor>
    <SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://%[1]s/adfs/ls/"/>
    <NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</NameIDFormat>
    <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://%[1]s/adfs/ls/redirect"/>
    <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://%[1]s/adfs/ls/"/>
  </IDPSSODescriptor>
</EntityDescriptor>
`, host, cert)
}

func testAccSSOSAMLConfig(s *kcsim.Server, metadata, extra string) string {
	return kcProvider(s) + testAccRealmHCL + fmt.Sprintf(`
resource "tenantops_sso_saml_identity_provider" "adfs" {
  realm        = tenantops_sso_realm.r.realm
  alias        = "acme-adfs"
  display_name = "Acme ADFS"
  metadata_xml = <<EOT
%sEOT
%s
}
`, metadata, extra)
}

func TestAccSSOSAMLIdentityProvider_lifecycle(t *testing.T) {
	t.Parallel()
	s := startKeycloakSim(t)
	const addr = "tenantops_sso_saml_identity_provider.adfs"
	cert1, cert2 := ssoTestCert(t), ssoTestCert(t)
	md1, md2 := ssoTestMetadata("adfs.acme.example", cert1), ssoTestMetadata("sts.acme.example", cert2)
	// An explicit attribute wins over the metadata.
	noLogout := testAccSSOSAMLConfig(s, md2, `want_assertions_signed = true
  single_logout_service_url = ""`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             nothingLeft("Keycloak", s.Inventory),
		Steps: []resource.TestStep{
			{
				Config: testAccSSOSAMLConfig(s, md1, ""),
				// Values derived from the metadata are known at plan time.
				ConfigPlanChecks: planIsThenEmpty(
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("single_sign_on_service_url"), knownvalue.StringExact("https://adfs.acme.example/adfs/ls/"))),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("idp_entity_id"), knownvalue.StringExact("http://adfs.acme.example/adfs/services/trust")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("single_logout_service_url"), knownvalue.StringExact("https://adfs.acme.example/adfs/ls/")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("signing_certificates"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(cert1)})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("validate_signature"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("post_binding_authn_request"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("sp_entity_id"), knownvalue.StringExact(s.URL+"/realms/acme")),
				},
				Check: simCheck(func() error {
					return errors.Join(
						kcExpectEq("providerId", s.IdentityProvider("acme", "acme-adfs")["providerId"], any("saml")),
						kcExpectEq("signingCertificate", idpConfigValue(s, "acme-adfs", "signingCertificate"), cert1),
						kcExpectEq("singleSignOnServiceUrl", idpConfigValue(s, "acme-adfs", "singleSignOnServiceUrl"), "https://adfs.acme.example/adfs/ls/"),
					)
				}),
			},
			{
				// The customer rotates its certificate and moves its endpoints.
				Config: testAccSSOSAMLConfig(s, md2, `want_assertions_signed = true`),
				ConfigPlanChecks: planIsThenEmpty(updates(addr),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("signing_certificates"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(cert2)}))),
				Check: simCheck(func() error {
					return errors.Join(
						kcExpectEq("signingCertificate", idpConfigValue(s, "acme-adfs", "signingCertificate"), cert2),
						kcExpectEq("idpEntityId", idpConfigValue(s, "acme-adfs", "idpEntityId"), "http://sts.acme.example/adfs/services/trust"),
						kcExpectEq("wantAssertionsSigned", idpConfigValue(s, "acme-adfs", "wantAssertionsSigned"), "true"),
					)
				}),
			},
			{
				Config:           noLogout,
				ConfigPlanChecks: emptyAfterApply(),
				Check: simCheck(func() error {
					return kcExpectEq("singleLogoutServiceUrl", idpConfigValue(s, "acme-adfs", "singleLogoutServiceUrl"), "")
				}),
			},
			importStep(addr, "acme/acme-adfs", "metadata_xml"),
			{
				PreConfig: outOfBand(t, "delete of the identity provider", func() bool {
					return s.DeleteIdentityProvider("acme", "acme-adfs")
				}),
				Config:           noLogout,
				ConfigPlanChecks: planIs(creates(addr)),
			},
		},
	})
}

func TestAccSSOSAMLIdentityProvider_badMetadataAndFault(t *testing.T) {
	t.Parallel()
	s := startKeycloakSim(t)
	hostile := `<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&x;"/>
`
	gateway := kcFault("POST", `/identity-provider/instances$`, 502, `<html>Bad Gateway</html>`)
	gateway.ContentType = "text/html"
	s.Faults.Add(gateway)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             nothingLeft("Keycloak", s.Inventory),
		Steps: []resource.TestStep{
			{
				Config:      testAccSSOSAMLConfig(s, hostile, ""),
				ExpectError: regexp.MustCompile(`Invalid SAML metadata(.|\n)*DOCTYPE`),
			},
			{
				Config:      testAccSSOSAMLConfig(s, ssoTestMetadata("adfs.acme.example", ssoTestCert(t)), ""),
				ExpectError: regexp.MustCompile(`Unable to create SAML identity provider "acme-adfs" in realm(.|\n)*"acme"(.|\n)*502`),
			},
		},
	})
}

func TestAccSSOSAMLIdentityProvider_explicit(t *testing.T) {
	t.Parallel()
	s := startKeycloakSim(t)
	const addr = "tenantops_sso_saml_identity_provider.okta"
	cert := ssoTestCert(t)
	cfg := func(body string) string {
		return kcProvider(s) + testAccRealmHCL + `
resource "tenantops_sso_saml_identity_provider" "okta" {
  realm = tenantops_sso_realm.r.realm
  alias = "acme-okta"
` + body + `
}
`
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             nothingLeft("Keycloak", s.Inventory),
		Steps: []resource.TestStep{
			{
				Config:      cfg(`single_sign_on_service_url = "https://acme.okta.example/sso/saml"`),
				ExpectError: regexp.MustCompile(`Missing idp_entity_id`),
			},
			{
				Config: cfg(`idp_entity_id = "http://www.okta.example/exk1"
  single_sign_on_service_url = "https://acme.okta.example/sso/saml"
  signing_certificates = ["` + cert + `"]`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("single_logout_service_url"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("validate_signature"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("want_authn_requests_signed"), knownvalue.Bool(false)),
				},
				ConfigPlanChecks: emptyAfterApply(),
				Check: simCheck(func() error {
					return errors.Join(
						kcExpectEq("idpEntityId", idpConfigValue(s, "acme-okta", "idpEntityId"), "http://www.okta.example/exk1"),
						kcExpectEq("signingCertificate", idpConfigValue(s, "acme-okta", "signingCertificate"), cert),
					)
				}),
			},
		},
	})
}
