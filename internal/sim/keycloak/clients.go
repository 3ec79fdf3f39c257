package keycloak

import (
	"net/http"
	"strings"
)

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
