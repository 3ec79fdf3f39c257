package keycloak

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"
)

// testCert returns a fresh self-signed certificate as base64 DER.
func testCert(t testing.TB, cn string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// idpMetadata renders a typical IdP metadata document (ADFS / Entra ID shape).
func idpMetadata(entityID, signCert, encCert string) string {
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID=%q>
  <md:IDPSSODescriptor WantAuthnRequestsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>
      %s
    </ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>%s</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/saml/slo"/>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/saml/redirect"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.com/saml/post"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`, entityID, signCert, encCert)
}

func TestParseSAMLMetadata(t *testing.T) {
	sign, enc := testCert(t, "signing"), testCert(t, "encryption")
	valid := idpMetadata("https://idp.example.com/metadata", sign, enc)
	wrapped := func(body string) string {
		return `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="urn:corp:idp">` +
			`<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` + body +
			`</IDPSSODescriptor></EntityDescriptor>`
	}
	redirectOnly := wrapped(`<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://corp.example/sso"/>`)
	entities := `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">
  <md:EntityDescriptor entityID="https://sp.example.com"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>
  ` + strings.TrimPrefix(idpMetadata("https://idp2.example.com", sign, enc), `<?xml version="1.0" encoding="UTF-8"?>`+"\n") + `
</md:EntitiesDescriptor>`

	tests := []struct {
		name    string
		doc     string
		want    *SAMLMetadata
		wantErr string
	}{
		{name: "entity descriptor", doc: valid, want: &SAMLMetadata{
			EntityID: "https://idp.example.com/metadata", SSOURL: "https://idp.example.com/saml/post", SSOPostBinding: true,
			SLOURL: "https://idp.example.com/saml/slo", SigningCertificates: []string{sign},
			NameIDFormats:           []string{"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"},
			WantAuthnRequestsSigned: true}},
		{name: "entities descriptor with one idp", doc: entities, want: &SAMLMetadata{
			EntityID: "https://idp2.example.com", SSOURL: "https://idp.example.com/saml/post", SSOPostBinding: true,
			SLOURL: "https://idp.example.com/saml/slo", SigningCertificates: []string{sign},
			NameIDFormats:           []string{"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"},
			WantAuthnRequestsSigned: true}},
		{name: "default namespace, redirect only, no certificate", doc: redirectOnly, want: &SAMLMetadata{
			EntityID: "urn:corp:idp", SSOURL: "https://corp.example/sso"}},
		{name: "key without use is a signing key", doc: wrapped(`<KeyDescriptor><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>` + sign +
			`</X509Certificate></X509Data></KeyInfo></KeyDescriptor><SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://corp.example/sso"/>`),
			want: &SAMLMetadata{EntityID: "urn:corp:idp", SSOURL: "https://corp.example/sso", SSOPostBinding: true, SigningCertificates: []string{sign}}},
		{name: "empty", doc: "  \n", wantErr: "empty"},
		{name: "not xml", doc: "this is not metadata", wantErr: "root element"},
		{name: "truncated", doc: valid[:len(valid)/2], wantErr: "not well-formed"},
		{name: "external entity", doc: `<?xml version="1.0"?><!DOCTYPE md [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` +
			`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&xxe;"/>`, wantErr: "DOCTYPE"},
		{name: "billion laughs", doc: `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>`, wantErr: "DOCTYPE"},
		{name: "too large", doc: valid + "<!--" + strings.Repeat("x", MaxSAMLMetadataSize) + "-->", wantErr: "more than"},
		{name: "wrong root", doc: `<html><body>login</body></html>`, wantErr: "root element is"},
		{name: "two roots", doc: redirectOnly + redirectOnly, wantErr: "more than one root"},
		{name: "sp metadata only", doc: `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></EntityDescriptor>`, wantErr: "no IDPSSODescriptor"},
		{name: "saml 1.1 only", doc: strings.Replace(redirectOnly, "urn:oasis:names:tc:SAML:2.0:protocol", "urn:oasis:names:tc:SAML:1.1:protocol", 1), wantErr: "no IDPSSODescriptor"},
		{name: "no entity id", doc: strings.Replace(redirectOnly, ` entityID="urn:corp:idp"`, "", 1), wantErr: "no entityID"},
		{name: "no sso endpoint", doc: wrapped(``), wantErr: "no SingleSignOnService"},
		{name: "artifact binding only", doc: wrapped(`<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact" Location="https://corp.example/sso"/>`), wantErr: "no SingleSignOnService"},
		{name: "javascript url", doc: wrapped(`<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="javascript:alert(1)"/>`), wantErr: "not an absolute http(s) URL"},
		{name: "certificate not base64", doc: idpMetadata("x", "not*base64", enc), wantErr: "not base64"},
		{name: "certificate not x509", doc: idpMetadata("x", base64.StdEncoding.EncodeToString([]byte("hello")), enc), wantErr: "signing certificate"},
		{name: "two identity providers", doc: `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">` +
			strings.TrimPrefix(idpMetadata("a", sign, enc), `<?xml version="1.0" encoding="UTF-8"?>`) +
			strings.TrimPrefix(idpMetadata("b", sign, enc), `<?xml version="1.0" encoding="UTF-8"?>`) + `</md:EntitiesDescriptor>`, wantErr: "2 identity providers"},
		{name: "deep nesting", doc: strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100), wantErr: "nested too deeply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSAMLMetadata([]byte(tt.doc))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func FuzzParseSAMLMetadata(f *testing.F) {
	sign := testCert(f, "fuzz")
	f.Add([]byte(idpMetadata("https://idp.example.com", sign, sign)))
	f.Add([]byte(`<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="e"><IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://x/"/></IDPSSODescriptor></EntityDescriptor>`))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/passwd">]><x>&a;</x>`))
	f.Add([]byte(`<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"></md:EntitiesDescriptor>`))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, doc []byte) {
		m, err := ParseSAMLMetadata(doc)
		if err != nil {
			return
		}
		if m.EntityID == "" || m.SSOURL == "" {
			t.Fatalf("accepted metadata without entity id or SSO URL: %+v", m)
		}
		for _, c := range m.SigningCertificates {
			if strings.ContainsAny(c, " \n\t") {
				t.Fatalf("certificate keeps whitespace: %q", c)
			}
		}
	})
}
