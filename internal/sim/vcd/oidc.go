package vcd

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/vmware/go-vcloud-director/v2/types/v56"
)

func (s *Server) testConnection(w http.ResponseWriter, r *http.Request, _ string) {
	var in types.TestConnection
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Host == "" {
		jsonError(w, http.StatusBadRequest, "BAD_REQUEST", "A host is required to test a connection.")
		return
	}
	secure := in.Secure != nil && *in.Secure
	res := types.TestConnectionResult{TargetProbe: &types.ProbeResult{
		Result: "SUCCESS", ResolvedIp: "127.0.0.1", CanConnect: true, SSLHandshake: secure, ConnectionResult: "SUCCESS",
	}}
	if secure {
		res.TargetProbe.SSLResult = "SUCCESS"
	}
	if strings.HasSuffix(in.Host, ".invalid") {
		res.TargetProbe = &types.ProbeResult{Result: "Cannot resolve host", CanConnect: false, ConnectionResult: "ERROR_CANNOT_RESOLVE_IP"}
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) oauthOrg(w http.ResponseWriter, r *http.Request, id string) *org {
	o := s.orgs[id]
	if o == nil {
		noSuchEntity(w, "org", id)
		return nil
	}
	if tc := r.Header.Get(types.HeaderTenantContext); tc != "" && !strings.EqualFold(uuidOf(tc), o.id) {
		xmlError(w, http.StatusForbidden, "ACCESS_TO_RESOURCE_IS_FORBIDDEN", "The tenant context %s does not match organization %s.", tc, o.name)
		return nil
	}
	return o
}

func (s *Server) renderOIDC(o *org) *types.OrgOAuthSettings {
	href := s.adminOrgHref(o) + "/settings/oauth"
	out := types.OrgOAuthSettings{}
	if o.oauth != nil {
		out = *o.oauth
		out.ClientSecret = "" // never returned
	}
	out.Xmlns, out.Href, out.Type = types.XMLNamespaceVCloud, href, types.MimeOAuthSettingsXml
	out.OrgRedirectUri = s.URL + "/login/oauth?service=tenant:" + o.name
	out.Link = &types.LinkList{{Rel: "edit", Type: types.MimeOAuthSettingsXml, HREF: href}, {Rel: "remove", HREF: href}}
	return &out
}

func (s *Server) getOIDC(w http.ResponseWriter, r *http.Request, id string) {
	o := s.oauthOrg(w, r, id)
	if o == nil {
		return
	}
	writeXML(w, http.StatusOK, types.MimeOAuthSettingsXml, "OrgOAuthSettings", "", s.renderOIDC(o))
}

func (s *Server) putOIDC(w http.ResponseWriter, r *http.Request, id string) {
	o := s.oauthOrg(w, r, id)
	if o == nil {
		return
	}
	var in types.OrgOAuthSettings
	if !decodeXML(w, r, types.MimeOAuthSettingsXml, &in) {
		return
	}
	var missing []string
	for name, v := range map[string]string{"ClientId": in.ClientId, "ClientSecret": in.ClientSecret,
		"UserAuthorizationEndpoint": in.UserAuthorizationEndpoint, "AccessTokenEndpoint": in.AccessTokenEndpoint,
		"UserInfoEndpoint": in.UserInfoEndpoint} {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, name)
		}
	}
	if in.OAuthKeyConfigurations == nil || len(in.OAuthKeyConfigurations.OAuthKeyConfiguration) == 0 {
		missing = append(missing, "OAuthKeyConfigurations")
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "Invalid OpenID Connect settings: missing %s.", strings.Join(missing, ", "))
		return
	}
	for _, ep := range []string{in.UserAuthorizationEndpoint, in.AccessTokenEndpoint, in.UserInfoEndpoint} {
		if !strings.HasPrefix(ep, "https://") && !strings.HasPrefix(ep, "http://") {
			xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "Invalid OpenID Connect endpoint %q: an absolute http(s) URL is required.", ep)
			return
		}
	}
	in.LastKeyRefreshAttempt, in.LastKeySuccessfulRefresh = rfc3339(time.Now()), rfc3339(time.Now())
	cp := in
	o.oauth = &cp
	writeXML(w, http.StatusOK, types.MimeOAuthSettingsXml, "OrgOAuthSettings", "", s.renderOIDC(o))
}

func (s *Server) deleteOIDC(w http.ResponseWriter, r *http.Request, id string) {
	o := s.oauthOrg(w, r, id)
	if o == nil {
		return
	}
	o.oauth = nil
	w.WriteHeader(http.StatusNoContent)
}

// oidcProviderConfig answers a well-known endpoint lookup. The simulator
// cannot reach identity providers, so it derives Keycloak-style endpoints
// from the issuer URL the well-known address names.
func (s *Server) oidcProviderConfig(w http.ResponseWriter, r *http.Request, id string) {
	o := s.oauthOrg(w, r, id)
	if o == nil {
		return
	}
	var in types.OpenIdProviderInfo
	if !decodeXML(w, r, "", &in) {
		return
	}
	const suffix = "/.well-known/openid-configuration"
	ep := in.OpenIdProviderConfigurationEndpoint
	if !strings.HasSuffix(ep, suffix) || !(strings.HasPrefix(ep, "https://") || strings.HasPrefix(ep, "http://")) {
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "Unable to retrieve the OpenID provider configuration from %q.", ep)
		return
	}
	if s.idp != nil { // serve holds s.mu
		s.fetchedProviderConfig(w, s.idp, ep)
		return
	}
	issuer := strings.TrimSuffix(ep, suffix)
	settings := types.OrgOAuthSettings{
		Xmlns: types.XMLNamespaceVCloud, IssuerId: issuer,
		UserAuthorizationEndpoint: issuer + "/protocol/openid-connect/auth",
		AccessTokenEndpoint:       issuer + "/protocol/openid-connect/token",
		UserInfoEndpoint:          issuer + "/protocol/openid-connect/userinfo",
		JwksUri:                   issuer + "/protocol/openid-connect/certs",
		Scope:                     []string{"openid", "profile", "email"},
		OIDCAttributeMapping: &types.OIDCAttributeMapping{Xmlns: types.XMLNamespaceVCloud,
			SubjectAttributeName: "sub", EmailAttributeName: "email", FullNameAttributeName: "name",
			FirstNameAttributeName: "given_name", LastNameAttributeName: "family_name",
			GroupsAttributeName: "groups", RolesAttributeName: "roles"},
		OAuthKeyConfigurations: &types.OAuthKeyConfigurationsList{Xmlns: types.XMLNamespaceVCloud,
			OAuthKeyConfiguration: []types.OAuthKeyConfiguration{{Xmlns: types.XMLNamespaceVCloud, KeyId: "sim-key-1", Algorithm: "EC", Key: s.oidcKeyPEM}}},
		WellKnownEndpoint: ep,
	}
	doc, _ := json.Marshal(map[string]string{"issuer": issuer, "authorization_endpoint": settings.UserAuthorizationEndpoint,
		"token_endpoint": settings.AccessTokenEndpoint, "userinfo_endpoint": settings.UserInfoEndpoint, "jwks_uri": settings.JwksUri})
	out := types.OpenIdProviderConfiguration{Xmlns: types.XMLNamespaceVCloud, OrgOAuthSettings: settings, ProviderConfigResponse: string(doc)}
	writeXML(w, http.StatusOK, mimeOIDCConfig, "OpenIdProviderConfiguration", "", out)
}
