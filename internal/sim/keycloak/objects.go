package keycloak

import (
	"net/http"
	"net/url"
	"strings"
)

// ---- clients ----

func (s *Server) clients(w http.ResponseWriter, req *http.Request, r *realm, rest []string) {
	if len(rest) == 0 {
		switch req.Method {
		case http.MethodGet:
			q := req.URL.Query()
			want, search := q.Get("clientId"), q.Get("search") == "true"
			out := []map[string]any{}
			for _, c := range r.clients {
				id := str(c["clientId"])
				if want != "" && ((!search && id != want) || (search && !strings.Contains(id, want))) {
					continue
				}
				out = append(out, c)
			}
			writeJSON(w, http.StatusOK, out)
		case http.MethodPost:
			var rep map[string]any
			if !decode(w, req, &rep) {
				return
			}
			cid := str(rep["clientId"])
			if cid == "" {
				errorMessage(w, http.StatusBadRequest, "Client id cannot be empty")
				return
			}
			if c, _ := find(r.clients, "clientId", cid); c != nil {
				errorMessage(w, http.StatusConflict, "Client "+cid+" already exists")
				return
			}
			if msg := validateClient(rep); msg != "" {
				errorMessage(w, http.StatusBadRequest, msg)
				return
			}
			c := map[string]any{
				"id": newID(), "clientId": cid, "name": "", "description": "", "enabled": true, "protocol": "openid-connect",
				"publicClient": false, "bearerOnly": false, "standardFlowEnabled": true, "implicitFlowEnabled": false,
				"directAccessGrantsEnabled": false, "serviceAccountsEnabled": false, "consentRequired": false,
				"clientAuthenticatorType": "client-secret", "redirectUris": []any{}, "webOrigins": []any{},
				"frontchannelLogout": true, "fullScopeAllowed": true, "attributes": map[string]any{},
				"defaultClientScopes":  []any{"web-origins", "acr", "profile", "roles", "email"},
				"optionalClientScopes": []any{"address", "phone", "offline_access", "microprofile-jwt"},
			}
			for k, v := range rep {
				if v != nil && !(k == "id" && str(v) == "") {
					c[k] = v
				}
			}
			if pub, _ := c["publicClient"].(bool); !pub && str(c["secret"]) == "" {
				c["secret"] = randomSecret()
			}
			r.clients = append(r.clients, c)
			created(w, req, str(c["id"]))
		default:
			methodNotAllowed(w)
		}
		return
	}
	c, idx := find(r.clients, "id", rest[0])
	if c == nil {
		notFound(w, "Could not find client")
		return
	}
	if len(rest) == 2 && rest[1] == "client-secret" {
		switch req.Method {
		case http.MethodGet:
		case http.MethodPost:
			c["secret"] = randomSecret()
		default:
			methodNotAllowed(w)
			return
		}
		out := map[string]any{"type": "secret"}
		if v := str(c["secret"]); v != "" {
			out["value"] = v
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	if len(rest) != 1 {
		notFound(w, "HTTP 404 Not Found")
		return
	}
	switch req.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, c)
	case http.MethodPut:
		var rep map[string]any
		if !decode(w, req, &rep) {
			return
		}
		if n := str(rep["clientId"]); n != "" && n != str(c["clientId"]) {
			if x, _ := find(r.clients, "clientId", n); x != nil {
				errorMessage(w, http.StatusConflict, "Client "+n+" already exists")
				return
			}
		}
		if msg := validateClient(rep); msg != "" {
			errorMessage(w, http.StatusBadRequest, msg)
			return
		}
		for k, v := range rep {
			if v != nil && k != "id" {
				c[k] = v
			}
		}
		if pub, _ := c["publicClient"].(bool); !pub && str(c["secret"]) == "" {
			c["secret"] = randomSecret()
		}
		noContent(w)
	case http.MethodDelete:
		r.clients = append(r.clients[:idx], r.clients[idx+1:]...)
		noContent(w)
	default:
		methodNotAllowed(w)
	}
}

func validateClient(rep map[string]any) string {
	for _, key := range []string{"redirectUris", "webOrigins"} {
		l, _ := rep[key].([]any)
		for _, v := range l {
			u := str(v)
			if strings.HasPrefix(strings.ToLower(u), "javascript:") {
				return "Invalid " + map[string]string{"redirectUris": "redirect_uris", "webOrigins": "web_origins"}[key] + " url"
			}
		}
	}
	return ""
}

// ---- identity providers ----

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

// ---- components ----

var secretComponentKeys = []string{"bindCredential"}

func maskedComponent(c map[string]any) map[string]any {
	out := clone(c)
	if cfg, ok := out["config"].(map[string]any); ok {
		for _, k := range secretComponentKeys {
			if l, ok := cfg[k].([]any); ok && len(l) > 0 {
				cfg[k] = []any{Mask}
			}
		}
	}
	return out
}

func first(cfg map[string]any, k string) string {
	l, _ := cfg[k].([]any)
	if len(l) == 0 {
		return ""
	}
	return str(l[0])
}

func validateComponent(rep map[string]any) string {
	if str(rep["providerId"]) != "ldap" {
		return ""
	}
	cfg, _ := rep["config"].(map[string]any)
	if first(cfg, "connectionUrl") == "" {
		return "ldapErrorConnectionURLMandatory"
	}
	if first(cfg, "editMode") == "" {
		return "ldapErrorEditModeMandatory"
	}
	for _, k := range []string{"fullSyncPeriod", "changedSyncPeriod", "batchSizeForSync"} {
		v := first(cfg, k)
		for i, ch := range v {
			if !(ch >= '0' && ch <= '9') && !(i == 0 && ch == '-') {
				return "Invalid value for " + k
			}
		}
	}
	return ""
}

func (s *Server) components(w http.ResponseWriter, req *http.Request, r *realm, rest []string) {
	realmID := str(r.rep["id"])
	if len(rest) == 0 {
		switch req.Method {
		case http.MethodGet:
			q := req.URL.Query()
			out := []map[string]any{}
			for _, c := range r.components {
				if (q.Get("name") != "" && str(c["name"]) != q.Get("name")) ||
					(q.Get("parent") != "" && str(c["parentId"]) != q.Get("parent")) ||
					(q.Get("type") != "" && str(c["providerType"]) != q.Get("type")) {
					continue
				}
				out = append(out, maskedComponent(c))
			}
			writeJSON(w, http.StatusOK, out)
		case http.MethodPost:
			var rep map[string]any
			if !decode(w, req, &rep) {
				return
			}
			if str(rep["providerId"]) == "" || str(rep["providerType"]) == "" {
				errorMessage(w, http.StatusBadRequest, "Component providerId and providerType are required")
				return
			}
			if p := str(rep["parentId"]); p == "" || p == str(r.rep["realm"]) {
				rep["parentId"] = realmID
			}
			if msg := validateComponent(rep); msg != "" {
				errorMessage(w, http.StatusBadRequest, msg)
				return
			}
			if rep["config"] == nil {
				rep["config"] = map[string]any{}
			}
			if str(rep["id"]) == "" {
				rep["id"] = newID()
			}
			r.components = append(r.components, rep)
			if str(rep["providerId"]) == "ldap" {
				r.components = append(r.components, ldapDefaultMappers(rep)...)
			}
			created(w, req, str(rep["id"]))
		default:
			methodNotAllowed(w)
		}
		return
	}
	c, idx := find(r.components, "id", rest[0])
	if c == nil || len(rest) != 1 {
		notFound(w, "Could not find component")
		return
	}
	switch req.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, maskedComponent(c))
	case http.MethodPut:
		var rep map[string]any
		if !decode(w, req, &rep) {
			return
		}
		if rep["providerId"] == nil {
			rep["providerId"] = c["providerId"]
		}
		if msg := validateComponent(rep); msg != "" {
			errorMessage(w, http.StatusBadRequest, msg)
			return
		}
		oldCfg, _ := c["config"].(map[string]any)
		if cfg, ok := rep["config"].(map[string]any); ok {
			for _, k := range secretComponentKeys {
				if first(cfg, k) == Mask {
					cfg[k] = oldCfg[k]
				}
			}
			c["config"] = cfg
		}
		for _, k := range []string{"name", "subType"} {
			if v, ok := rep[k]; ok && v != nil {
				c[k] = v
			}
		}
		noContent(w)
	case http.MethodDelete:
		r.components = append(r.components[:idx], r.components[idx+1:]...)
		r.deleteChildren(str(c["id"]))
		noContent(w)
	default:
		methodNotAllowed(w)
	}
}

// ldapMapperType is the component type of LDAP attribute mappers.
const ldapMapperType = "org.keycloak.storage.ldap.mappers.LDAPStorageMapper"

// ldapDefaultMappers are the mappers Keycloak adds under a new LDAP provider.
func ldapDefaultMappers(ldap map[string]any) []map[string]any {
	cfg, _ := ldap["config"].(map[string]any)
	username := first(cfg, "usernameLDAPAttribute")
	if username == "" {
		username = "cn"
	}
	mapper := func(name, provider string, config map[string]any) map[string]any {
		return map[string]any{"id": newID(), "name": name, "providerId": provider, "providerType": ldapMapperType,
			"parentId": ldap["id"], "config": config}
	}
	attr := func(name, user, ldapAttr string) map[string]any {
		return mapper(name, "user-attribute-ldap-mapper", map[string]any{"user.model.attribute": []any{user},
			"ldap.attribute": []any{ldapAttr}, "read.only": []any{"true"}, "always.read.value.from.ldap": []any{"false"},
			"is.mandatory.in.ldap": []any{"false"}})
	}
	return []map[string]any{
		attr("username", "username", username),
		attr("email", "email", "mail"),
		attr("first name", "firstName", "givenName"),
		attr("last name", "lastName", "sn"),
		attr("creation date", "createTimestamp", "whenCreated"),
		attr("modify date", "modifyTimestamp", "whenChanged"),
	}
}

// deleteChildren removes the components under parent, recursively, as
// Keycloak does when a provider is deleted.
func (r *realm) deleteChildren(parent string) {
	kept := r.components[:0]
	var removed []string
	for _, c := range r.components {
		if str(c["parentId"]) == parent {
			removed = append(removed, str(c["id"]))
			continue
		}
		kept = append(kept, c)
	}
	r.components = kept
	for _, id := range removed {
		r.deleteChildren(id)
	}
}
