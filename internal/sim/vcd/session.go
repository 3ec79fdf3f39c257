package vcd

import (
	"net/http"
	"strings"

	"github.com/vmware/go-vcloud-director/v2/types/v56"
)

func (s *Server) versions(w http.ResponseWriter, _ *http.Request) {
	sv := versionsXML{Xmlns: nsVersions}
	for _, v := range supportedVersions {
		sv.VersionInfo = append(sv.VersionInfo, versionInfoXML{Version: v, LoginURL: s.URL + "/api/sessions"})
	}
	writeXML(w, http.StatusOK, mimeVersions, "SupportedVersions", "", sv)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	name, orgName, _ := strings.Cut(user, "@")
	if !ok || name != s.opts.User || !strings.EqualFold(orgName, "System") || pass != s.opts.Password {
		jsonError(w, http.StatusUnauthorized, "UNAUTHORIZED", "Invalid credentials for %q.", user)
		return
	}
	tok := newToken()
	s.mu.Lock()
	s.tokens[tok] = true
	s.mu.Unlock()
	w.Header().Set("X-VMWARE-VCLOUD-ACCESS-TOKEN", tok)
	w.Header().Set("X-VMWARE-VCLOUD-TOKEN-TYPE", "Bearer")
	writeJSON(w, http.StatusOK, map[string]any{
		"id":           urn("session", newUUID()),
		"user":         map[string]string{"name": name, "id": urn("user", newUUID())},
		"org":          map[string]string{"name": "System", "id": urn("org", "a93c9db9-7471-3192-8d09-a8f7eeda85f9")},
		"operatingOrg": map[string]string{"name": "System"},
		"roles":        []string{"System Administrator"},
	})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, _ string) {
	delete(s.tokens, r.Header.Get("X-Vmware-Vcloud-Access-Token"))
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) tokenGrant(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		jsonError(w, http.StatusBadRequest, "BAD_REQUEST", "Malformed token request.")
		return
	}
	if r.PostForm.Get("grant_type") != "refresh_token" {
		jsonError(w, http.StatusBadRequest, "BAD_REQUEST", "Unsupported grant_type %q.", r.PostForm.Get("grant_type"))
		return
	}
	if s.opts.APIToken == "" || r.PostForm.Get("refresh_token") != s.opts.APIToken {
		jsonError(w, http.StatusBadRequest, "BAD_REQUEST", "invalid_grant: the API token is invalid, expired or revoked.")
		return
	}
	tok := newToken()
	s.mu.Lock()
	s.tokens[tok] = true
	s.mu.Unlock()
	// RFC 6749 section 5.1: a response carrying tokens must not be cached.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, types.ApiTokenRefresh{AccessToken: tok, TokenType: "Bearer", ExpiresIn: 2592000, RefreshToken: s.opts.APIToken})
}
