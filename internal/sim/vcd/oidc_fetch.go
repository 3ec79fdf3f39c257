package vcd

import (
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"time"

	"github.com/vmware/go-vcloud-director/v2/types/v56"
)

// TrustIdentityProvider makes the simulator fetch OpenID provider
// configurations as Cloud Director does: it reads the discovery document at
// the well-known endpoint and the signing keys at its jwks_uri, trusting
// servers whose certificate chains to caPEM (Cloud Director's trusted
// certificates). Without it the simulator derives Keycloak-style endpoints
// from the issuer and cannot know the provider's keys.
func (s *Server) TrustIdentityProvider(caPEM string) error {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(caPEM)) {
		return fmt.Errorf("vcd sim: no certificate in the identity provider CA PEM")
	}
	s.mu.Lock()
	s.idp = &http.Client{Timeout: 10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	s.mu.Unlock()
	return nil
}

// discovery is the part of an OpenID Connect Discovery 1.0 document Cloud
// Director reads into OrgOAuthSettings.
type discovery struct {
	Issuer                string   `json:"issuer"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	TokenEndpoint         string   `json:"token_endpoint"`
	UserinfoEndpoint      string   `json:"userinfo_endpoint"`
	EndSessionEndpoint    string   `json:"end_session_endpoint"`
	JwksURI               string   `json:"jwks_uri"`
	ScopesSupported       []string `json:"scopes_supported"`
}

// fetchProvider reads the discovery document and the keys it names; the
// raw document is returned too (Cloud Director echoes it as
// ProviderConfigResponse).
func fetchProvider(c *http.Client, wellKnown string) (*discovery, []types.OAuthKeyConfiguration, []byte, error) {
	raw, err := fetchJSON(c, wellKnown)
	if err != nil {
		return nil, nil, nil, err
	}
	var d discovery
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, nil, nil, fmt.Errorf("discovery document: %w", err)
	}
	if d.Issuer == "" || d.AuthorizationEndpoint == "" || d.TokenEndpoint == "" || d.JwksURI == "" {
		return nil, nil, nil, fmt.Errorf("discovery document lacks issuer, authorization_endpoint, token_endpoint or jwks_uri")
	}
	jwks, err := fetchJSON(c, d.JwksURI)
	if err != nil {
		return nil, nil, nil, err
	}
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
			Kty string `json:"kty"`
			Use string `json:"use"`
			N   string `json:"n"`
			E   string `json:"e"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(jwks, &set); err != nil {
		return nil, nil, nil, fmt.Errorf("keys at %s: %w", d.JwksURI, err)
	}
	var keys []types.OAuthKeyConfiguration
	for _, k := range set.Keys {
		if k.Kty != "RSA" || k.Use == "enc" {
			continue // only signing keys validate tokens
		}
		pemKey, err := rsaPEM(k.N, k.E)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("key %q at %s: %w", k.Kid, d.JwksURI, err)
		}
		keys = append(keys, types.OAuthKeyConfiguration{Xmlns: types.XMLNamespaceVCloud, KeyId: k.Kid, Algorithm: "RSA", Key: pemKey})
	}
	if len(keys) == 0 {
		return nil, nil, nil, fmt.Errorf("no RSA signing key at %s", d.JwksURI)
	}
	return &d, keys, raw, nil
}

func fetchJSON(c *http.Client, url string) ([]byte, error) {
	resp, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %d", url, resp.StatusCode)
	}
	return b, nil
}

// rsaPEM turns a JWK's base64url modulus and exponent (RFC 7518 §6.3.1)
// into the PEM public key Cloud Director stores.
func rsaPEM(n64, e64 string) (string, error) {
	nb, err := base64.RawURLEncoding.DecodeString(n64)
	if err != nil {
		return "", fmt.Errorf("modulus: %w", err)
	}
	eb, err := base64.RawURLEncoding.DecodeString(e64)
	if err != nil {
		return "", fmt.Errorf("exponent: %w", err)
	}
	e := new(big.Int).SetBytes(eb)
	if !e.IsInt64() || e.Int64() < 3 {
		return "", fmt.Errorf("exponent out of range")
	}
	der, err := x509.MarshalPKIXPublicKey(&rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: int(e.Int64())})
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

// fetchedProviderConfig answers a well-known endpoint lookup from what the
// identity provider really publishes.
func (s *Server) fetchedProviderConfig(w http.ResponseWriter, c *http.Client, wellKnown string) {
	d, keys, raw, err := fetchProvider(c, wellKnown)
	if err != nil {
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "Unable to retrieve the OpenID provider configuration from %q: %v", wellKnown, err)
		return
	}
	scopes := d.ScopesSupported
	if len(scopes) == 0 {
		scopes = []string{"openid", "profile", "email"}
	}
	settings := types.OrgOAuthSettings{
		Xmlns: types.XMLNamespaceVCloud, IssuerId: d.Issuer,
		UserAuthorizationEndpoint: d.AuthorizationEndpoint, AccessTokenEndpoint: d.TokenEndpoint,
		UserInfoEndpoint: d.UserinfoEndpoint, JwksUri: d.JwksURI, Scope: scopes,
		OIDCAttributeMapping: &types.OIDCAttributeMapping{Xmlns: types.XMLNamespaceVCloud,
			SubjectAttributeName: "sub", EmailAttributeName: "email", FullNameAttributeName: "name",
			FirstNameAttributeName: "given_name", LastNameAttributeName: "family_name",
			GroupsAttributeName: "groups", RolesAttributeName: "roles"},
		OAuthKeyConfigurations: &types.OAuthKeyConfigurationsList{Xmlns: types.XMLNamespaceVCloud, OAuthKeyConfiguration: keys},
		WellKnownEndpoint:      wellKnown,
	}
	out := types.OpenIdProviderConfiguration{Xmlns: types.XMLNamespaceVCloud, OrgOAuthSettings: settings, ProviderConfigResponse: string(raw)}
	writeXML(w, http.StatusOK, mimeOIDCConfig, "OpenIdProviderConfiguration", "", out)
}
