package keycloak

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// MaxSAMLMetadataSize bounds the metadata document a customer can hand us.
const MaxSAMLMetadataSize = 1 << 20

const (
	samlMetadataNS  = "urn:oasis:names:tc:SAML:2.0:metadata"
	samlProtocolNS  = "urn:oasis:names:tc:SAML:2.0:protocol"
	bindingPOST     = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
	bindingRedirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
)

// SAMLMetadata is what tenantops takes from an identity provider's SAML 2.0
// metadata to broker it into a realm.
type SAMLMetadata struct {
	EntityID string
	// SSOURL and SLOURL prefer the HTTP-POST binding, then HTTP-Redirect.
	SSOURL, SLOURL string
	// SSOPostBinding is true when SSOURL is the HTTP-POST endpoint.
	SSOPostBinding bool
	// SigningCertificates are base64 DER certificates (no PEM armour), as
	// Keycloak's signingCertificate setting expects.
	SigningCertificates     []string
	NameIDFormats           []string
	WantAuthnRequestsSigned bool
}

type mdEntities struct {
	Entities []mdEntity `xml:"urn:oasis:names:tc:SAML:2.0:metadata EntityDescriptor"`
}

type mdEntity struct {
	EntityID string  `xml:"entityID,attr"`
	IDPs     []mdIDP `xml:"urn:oasis:names:tc:SAML:2.0:metadata IDPSSODescriptor"`
}

type mdIDP struct {
	Protocols               string       `xml:"protocolSupportEnumeration,attr"`
	WantAuthnRequestsSigned bool         `xml:"WantAuthnRequestsSigned,attr"`
	Keys                    []mdKey      `xml:"urn:oasis:names:tc:SAML:2.0:metadata KeyDescriptor"`
	SLO                     []mdEndpoint `xml:"urn:oasis:names:tc:SAML:2.0:metadata SingleLogoutService"`
	NameIDFormats           []string     `xml:"urn:oasis:names:tc:SAML:2.0:metadata NameIDFormat"`
	SSO                     []mdEndpoint `xml:"urn:oasis:names:tc:SAML:2.0:metadata SingleSignOnService"`
}

type mdKey struct {
	Use   string   `xml:"use,attr"`
	Certs []string `xml:"KeyInfo>X509Data>X509Certificate"`
}

type mdEndpoint struct {
	Binding  string `xml:"Binding,attr"`
	Location string `xml:"Location,attr"`
}

// ParseSAMLMetadata reads an identity provider's metadata: an
// EntityDescriptor, or an EntitiesDescriptor holding exactly one identity
// provider. Documents with a DOCTYPE (the vehicle of entity expansion
// attacks) or over MaxSAMLMetadataSize are refused.
func ParseSAMLMetadata(doc []byte) (*SAMLMetadata, error) {
	if len(doc) > MaxSAMLMetadataSize {
		return nil, fmt.Errorf("SAML metadata is %d bytes, more than the %d allowed", len(doc), MaxSAMLMetadataSize)
	}
	if len(bytes.TrimSpace(doc)) == 0 {
		return nil, errors.New("SAML metadata is empty")
	}
	root, err := checkXML(doc)
	if err != nil {
		return nil, err
	}
	var entities []mdEntity
	switch root {
	case xml.Name{Space: samlMetadataNS, Local: "EntityDescriptor"}:
		var e mdEntity
		if err := xml.Unmarshal(doc, &e); err != nil {
			return nil, fmt.Errorf("SAML metadata: %w", err)
		}
		entities = []mdEntity{e}
	case xml.Name{Space: samlMetadataNS, Local: "EntitiesDescriptor"}:
		var es mdEntities
		if err := xml.Unmarshal(doc, &es); err != nil {
			return nil, fmt.Errorf("SAML metadata: %w", err)
		}
		entities = es.Entities
	default:
		return nil, fmt.Errorf("SAML metadata: root element is {%s}%s, want an md:EntityDescriptor", root.Space, root.Local)
	}
	var found []mdEntity
	for _, e := range entities {
		for _, idp := range e.IDPs {
			if strings.Contains(idp.Protocols, samlProtocolNS) {
				found = append(found, mdEntity{EntityID: e.EntityID, IDPs: []mdIDP{idp}})
				break
			}
		}
	}
	switch {
	case len(found) == 0:
		return nil, errors.New("SAML metadata has no IDPSSODescriptor supporting SAML 2.0")
	case len(found) > 1:
		return nil, fmt.Errorf("SAML metadata describes %d identity providers; give the metadata of exactly one", len(found))
	}
	e, idp := found[0], found[0].IDPs[0]
	m := &SAMLMetadata{EntityID: strings.TrimSpace(e.EntityID), WantAuthnRequestsSigned: idp.WantAuthnRequestsSigned}
	if m.EntityID == "" {
		return nil, errors.New("SAML metadata: EntityDescriptor has no entityID")
	}
	var binding string
	m.SSOURL, binding = pickEndpoint(idp.SSO)
	if m.SSOURL == "" {
		return nil, errors.New("SAML metadata: no SingleSignOnService with the HTTP-POST or HTTP-Redirect binding")
	}
	m.SSOPostBinding = binding == bindingPOST
	m.SLOURL, _ = pickEndpoint(idp.SLO)
	for _, u := range []string{m.SSOURL, m.SLOURL} {
		if u == "" {
			continue
		}
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			return nil, fmt.Errorf("SAML metadata: endpoint %q is not an absolute http(s) URL", u)
		}
	}
	seen := map[string]bool{}
	for _, k := range idp.Keys {
		if k.Use != "" && k.Use != "signing" {
			continue
		}
		for _, c := range k.Certs {
			c = strings.Join(strings.Fields(c), "")
			der, err := base64.StdEncoding.DecodeString(c)
			if err != nil {
				return nil, fmt.Errorf("SAML metadata: signing certificate is not base64: %w", err)
			}
			if _, err := x509.ParseCertificate(der); err != nil {
				return nil, fmt.Errorf("SAML metadata: signing certificate: %w", err)
			}
			if !seen[c] {
				seen[c] = true
				m.SigningCertificates = append(m.SigningCertificates, c)
			}
		}
	}
	for _, f := range idp.NameIDFormats {
		if f = strings.TrimSpace(f); f != "" {
			m.NameIDFormats = append(m.NameIDFormats, f)
		}
	}
	return m, nil
}

// checkXML walks the whole document once, refusing DOCTYPE and other
// directives, and returns the root element's name.
func checkXML(doc []byte) (xml.Name, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	var root xml.Name
	depth := 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			if depth != 0 {
				return xml.Name{}, errors.New("SAML metadata is not well-formed XML: unexpected end of document")
			}
			break
		}
		if err != nil {
			return xml.Name{}, fmt.Errorf("SAML metadata is not well-formed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return xml.Name{}, errors.New("SAML metadata must not contain a DOCTYPE or other XML directives")
		case xml.StartElement:
			if depth == 0 {
				if root.Local != "" {
					return xml.Name{}, errors.New("SAML metadata has more than one root element")
				}
				root = t.Name
			}
			depth++
			if depth > 64 {
				return xml.Name{}, errors.New("SAML metadata is nested too deeply")
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return xml.Name{}, errors.New("SAML metadata has text outside the root element")
			}
		}
	}
	if root.Local == "" {
		return xml.Name{}, errors.New("SAML metadata has no root element")
	}
	// RawToken does not resolve prefixes: resolve the root's namespace with
	// a namespace-aware pass over its start tag.
	d = xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := d.Token()
		if err != nil {
			return xml.Name{}, fmt.Errorf("SAML metadata is not well-formed XML: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name, nil
		}
	}
}

func pickEndpoint(eps []mdEndpoint) (string, string) {
	for _, want := range []string{bindingPOST, bindingRedirect} {
		for _, e := range eps {
			if e.Binding == want && strings.TrimSpace(e.Location) != "" {
				return strings.TrimSpace(e.Location), want
			}
		}
	}
	return "", ""
}
