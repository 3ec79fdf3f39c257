package keycloak

import (
	"net/http"
	"net/url"
)

var secretIdPKeys = []string{"clientSecret"}

func maskedIdP(i map[string]any) map[string]any {
	out := clone(i)
	if cfg, ok := out["config"].(map[string]any); ok {
		for _, k := range secretIdPKeys {
			if str(cfg[k]) != "" {
				cfg[k] = Mask
			}
		}
	}
	return out
}

func validateIdP(rep map[string]any) string {
	cfg, _ := rep["config"].(map[string]any)
	switch str(rep["providerId"]) {
	case "oidc", "keycloak-oidc":
		for _, k := range []string{"authorizationUrl", "tokenUrl", "userInfoUrl", "jwksUrl", "logoutUrl"} {
			v := str(cfg[k])
			if v == "" {
				continue
			}
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return "The url [" + k + "] is malformed"
			}
		}
		if str(cfg["pkceEnabled"]) == "true" {
			if m := str(cfg["pkceMethod"]); m != "plain" && m != "S256" {
				return "PKCE Method not supported: " + m
			}
		}
	case "saml":
		if str(cfg["singleSignOnServiceUrl"]) == "" {
			return "Single Sign-On Service URL is required"
		}
	case "":
		return "Identity Provider must have a providerId"
	default:
		return "Invalid identity provider id [" + str(rep["providerId"]) + "]"
	}
	return ""
}

func (s *Server) identityProviders(w http.ResponseWriter, req *http.Request, r *realm, rest []string) {
	if len(rest) == 0 {
		switch req.Method {
		case http.MethodGet:
			out := []map[string]any{}
			for _, i := range r.idps {
				out = append(out, maskedIdP(i))
			}
			writeJSON(w, http.StatusOK, out)
		case http.MethodPost:
			var rep map[string]any
			if !decode(w, req, &rep) {
				return
			}
			alias := str(rep["alias"])
			if alias == "" {
				errorMessage(w, http.StatusBadRequest, "Identity Provider alias cannot be empty")
				return
			}
			if i, _ := find(r.idps, "alias", alias); i != nil {
				errorMessage(w, http.StatusConflict, "Identity Provider "+alias+" already exists")
				return
			}
			if msg := validateIdP(rep); msg != "" {
				errorMessage(w, http.StatusBadRequest, msg)
				return
			}
			i := map[string]any{"alias": alias, "internalId": newID(), "enabled": true, "trustEmail": false,
				"storeToken": false, "linkOnly": false, "addReadTokenRoleOnCreate": false, "authenticateByDefault": false,
				"firstBrokerLoginFlowAlias": "first broker login", "displayName": "", "config": map[string]any{}}
			for k, v := range rep {
				if v != nil && k != "internalId" {
					i[k] = v
				}
			}
			r.idps = append(r.idps, i)
			created(w, req, alias)
		default:
			methodNotAllowed(w)
		}
		return
	}
	i, idx := find(r.idps, "alias", rest[0])
	if i == nil || len(rest) != 1 {
		// IdentityProviderResource throws a bare NotFoundException, whose
		// message is JAX-RS's default.
		notFound(w, "HTTP 404 Not Found")
		return
	}
	switch req.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, maskedIdP(i))
	case http.MethodPut:
		var rep map[string]any
		if !decode(w, req, &rep) {
			return
		}
		if rep["providerId"] == nil {
			rep["providerId"] = i["providerId"]
		}
		if msg := validateIdP(rep); msg != "" {
			errorMessage(w, http.StatusBadRequest, msg)
			return
		}
		oldCfg, _ := i["config"].(map[string]any)
		// The representation replaces the stored one; a masked secret
		// keeps the stored value.
		cfg, _ := rep["config"].(map[string]any)
		if cfg == nil {
			cfg = map[string]any{}
		}
		for _, k := range secretIdPKeys {
			if str(cfg[k]) == Mask {
				cfg[k] = oldCfg[k]
			}
		}
		for k, v := range rep {
			if k == "internalId" || k == "alias" || v == nil {
				continue
			}
			i[k] = v
		}
		i["config"] = cfg
		noContent(w)
	case http.MethodDelete:
		r.idps = append(r.idps[:idx], r.idps[idx+1:]...)
		noContent(w)
	default:
		methodNotAllowed(w)
	}
}
