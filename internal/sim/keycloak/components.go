package keycloak

import "net/http"

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
