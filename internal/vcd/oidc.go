package vcd

import (
	"context"
	"fmt"

	"github.com/vmware/go-vcloud-director/v2/types/v56"
)

// OIDC is an organization's OpenID Connect settings: the tenant portal logs
// in through this identity provider.
type OIDC struct {
	Enabled      bool
	ClientID     string
	ClientSecret string // write only: Cloud Director never returns it
	// WellKnownEndpoint, when set, fills the endpoints, scopes, claims and
	// keys not given explicitly.
	WellKnownEndpoint     string
	IssuerID              string
	AuthorizationEndpoint string
	TokenEndpoint         string
	UserInfoEndpoint      string
	JWKSURI               string
	Scopes                []string
	Claims                OIDCClaims
	MaxClockSkewSeconds   int
	Keys                  []OIDCKey
}

// OIDCClaims maps user attributes to claim names.
type OIDCClaims struct {
	Subject, Email, FullName, FirstName, LastName, Groups, Roles string
}

// OIDCKey is a key Cloud Director validates tokens with.
type OIDCKey struct {
	ID, Algorithm, PEM string
}

// GetOIDC returns the organization's settings; ErrNotFound when none are
// configured.
func (c *Client) GetOIDC(ctx context.Context, orgID string) (*OIDC, error) {
	o, err := c.adminOrg(c.with(ctx), orgID)
	if err != nil {
		return nil, err
	}
	s, err := o.GetOpenIdConnectSettings()
	if err != nil {
		return nil, classify(err)
	}
	if s.ClientId == "" {
		return nil, fmt.Errorf("OpenID Connect settings of %q: %w", o.AdminOrg.Name, ErrNotFound)
	}
	return oidcFrom(s), nil
}

// SetOIDC configures the organization's OpenID Connect settings and returns
// what Cloud Director stored (without the secret).
func (c *Client) SetOIDC(ctx context.Context, orgID string, in OIDC) (*OIDC, error) {
	o, err := c.adminOrg(c.with(ctx), orgID)
	if err != nil {
		return nil, err
	}
	s := types.OrgOAuthSettings{
		Enabled: in.Enabled, ClientId: in.ClientID, ClientSecret: in.ClientSecret, WellKnownEndpoint: in.WellKnownEndpoint,
		IssuerId: in.IssuerID, UserAuthorizationEndpoint: in.AuthorizationEndpoint, AccessTokenEndpoint: in.TokenEndpoint,
		UserInfoEndpoint: in.UserInfoEndpoint, JwksUri: in.JWKSURI, Scope: in.Scopes, MaxClockSkew: in.MaxClockSkewSeconds,
	}
	cl := in.Claims
	if cl != (OIDCClaims{}) {
		s.OIDCAttributeMapping = &types.OIDCAttributeMapping{SubjectAttributeName: cl.Subject, EmailAttributeName: cl.Email,
			FullNameAttributeName: cl.FullName, FirstNameAttributeName: cl.FirstName, LastNameAttributeName: cl.LastName,
			GroupsAttributeName: cl.Groups, RolesAttributeName: cl.Roles}
	}
	if len(in.Keys) > 0 {
		s.OAuthKeyConfigurations = &types.OAuthKeyConfigurationsList{}
		for _, k := range in.Keys {
			s.OAuthKeyConfigurations.OAuthKeyConfiguration = append(s.OAuthKeyConfigurations.OAuthKeyConfiguration,
				types.OAuthKeyConfiguration{KeyId: k.ID, Algorithm: k.Algorithm, Key: k.PEM})
		}
	}
	out, err := o.SetOpenIdConnectSettings(s)
	if err != nil {
		return nil, classify(err)
	}
	return oidcFrom(out), nil
}

// DeleteOIDC removes the organization's OpenID Connect settings.
func (c *Client) DeleteOIDC(ctx context.Context, orgID string) error {
	o, err := c.adminOrg(c.with(ctx), orgID)
	if err != nil {
		return err
	}
	return classify(o.DeleteOpenIdConnectSettings())
}

func oidcFrom(s *types.OrgOAuthSettings) *OIDC {
	out := &OIDC{Enabled: s.Enabled, ClientID: s.ClientId, WellKnownEndpoint: s.WellKnownEndpoint, IssuerID: s.IssuerId,
		AuthorizationEndpoint: s.UserAuthorizationEndpoint, TokenEndpoint: s.AccessTokenEndpoint, UserInfoEndpoint: s.UserInfoEndpoint,
		JWKSURI: s.JwksUri, Scopes: s.Scope, MaxClockSkewSeconds: s.MaxClockSkew}
	if m := s.OIDCAttributeMapping; m != nil {
		out.Claims = OIDCClaims{Subject: m.SubjectAttributeName, Email: m.EmailAttributeName, FullName: m.FullNameAttributeName,
			FirstName: m.FirstNameAttributeName, LastName: m.LastNameAttributeName, Groups: m.GroupsAttributeName, Roles: m.RolesAttributeName}
	}
	if s.OAuthKeyConfigurations != nil {
		for _, k := range s.OAuthKeyConfigurations.OAuthKeyConfiguration {
			out.Keys = append(out.Keys, OIDCKey{ID: k.KeyId, Algorithm: k.Algorithm, PEM: k.Key})
		}
	}
	return out
}
