package keycloak

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

func (s *Server) route(w http.ResponseWriter, req *http.Request) {
	// URL.Path is already decoded: "Browser - Conditional OTP" arrives whole.
	seg := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	if s.staffRoute(w, req, seg) {
		return
	}
	switch {
	case len(seg) == 5 && seg[0] == "realms" && seg[2] == "protocol" && seg[3] == "openid-connect" && seg[4] == "token":
		s.token(w, req, seg[1])
		return
	case len(seg) == 5 && seg[0] == "realms" && seg[2] == "protocol" && seg[3] == "openid-connect" && seg[4] == "certs":
		if req.Method != http.MethodGet {
			methodNotAllowed(w)
			return
		}
		s.certs(w, req, seg[1])
		return
	case len(seg) == 4 && seg[0] == "realms" && seg[2] == ".well-known" && seg[3] == "openid-configuration":
		if req.Method != http.MethodGet {
			methodNotAllowed(w)
			return
		}
		s.discovery(w, req, seg[1])
		return
	case len(seg) >= 2 && seg[0] == "admin" && seg[1] == "realms":
	default:
		notFound(w, "HTTP 404 Not Found")
		return
	}
	if !s.authorized(req) {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "HTTP 401 Unauthorized"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rest := seg[2:]
	if len(rest) == 0 {
		switch req.Method {
		case http.MethodGet:
			var out []map[string]any
			for _, n := range s.order {
				out = append(out, s.realms[n].rep)
			}
			writeJSON(w, http.StatusOK, out)
		case http.MethodPost:
			s.createRealm(w, req)
		default:
			methodNotAllowed(w)
		}
		return
	}
	r := s.realms[rest[0]]
	if r == nil {
		notFound(w, "Realm not found.")
		return
	}
	switch {
	case len(rest) == 1:
		s.realmItem(w, req, r)
	case rest[1] == "authentication":
		s.authentication(w, req, r, rest[2:])
	case rest[1] == "clients":
		s.clients(w, req, r, rest[2:])
	case rest[1] == "users":
		s.users(w, req, r, rest[2:])
	case rest[1] == "identity-provider" && len(rest) >= 3 && rest[2] == "instances":
		s.identityProviders(w, req, r, rest[3:])
	case rest[1] == "components":
		s.components(w, req, r, rest[2:])
	default:
		notFound(w, "HTTP 404 Not Found")
	}
}

func methodNotAllowed(w http.ResponseWriter) {
	writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "HTTP 405 Method Not Allowed"})
}

func decode(w http.ResponseWriter, req *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, req.Body, 4<<20)).Decode(v); err != nil {
		// KeycloakErrorHandler's answer to a body Jackson cannot parse.
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "Cannot parse the JSON"})
		return false
	}
	return true
}

func basicAuth(req *http.Request) (string, string, bool) {
	h := req.Header.Get("Authorization")
	if !strings.HasPrefix(h, "Basic ") {
		return "", "", false
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(h, "Basic "))
	if err != nil {
		return "", "", false
	}
	id, secret, ok := strings.Cut(string(b), ":")
	if !ok {
		return "", "", false
	}
	id, _ = url.QueryUnescape(id)
	secret, _ = url.QueryUnescape(secret)
	return id, secret, true
}

// ---- realms ----

func (s *Server) createRealm(w http.ResponseWriter, req *http.Request) {
	var rep map[string]any
	if !decode(w, req, &rep) {
		return
	}
	name := str(rep["realm"])
	if name == "" {
		errorMessage(w, http.StatusBadRequest, "Realm name cannot be empty")
		return
	}
	if _, ok := s.realms[name]; ok {
		errorMessage(w, http.StatusConflict, "Conflict detected. See logs for details")
		return
	}
	r := newRealm(name)
	for k, v := range rep {
		if k == "id" && str(v) == "" {
			continue
		}
		r.rep[k] = v
	}
	s.realms[name] = r
	s.order = append(s.order, name)
	w.Header().Set("Location", "https://"+req.Host+"/admin/realms/"+url.PathEscape(name))
	w.WriteHeader(http.StatusCreated)
}

func (s *Server) realmItem(w http.ResponseWriter, req *http.Request, r *realm) {
	switch req.Method {
	case http.MethodGet:
		// ModelToRepresentation masks the SMTP password.
		out := r.rep
		if smtp, _ := r.rep["smtpServer"].(map[string]any); smtp["password"] != nil {
			out = clone(r.rep)
			out["smtpServer"].(map[string]any)["password"] = Mask
		}
		writeJSON(w, http.StatusOK, out)
	case http.MethodPut:
		var rep map[string]any
		if !decode(w, req, &rep) {
			return
		}
		// Keycloak applies only the fields present in the representation.
		old := str(r.rep["realm"])
		if n := str(rep["realm"]); n != "" && n != old {
			if _, ok := s.realms[n]; ok {
				errorMessage(w, http.StatusConflict, "Realm with same name exists")
				return
			}
		}
		// RealmManager keeps the stored SMTP password when it gets the mask.
		if smtp, _ := rep["smtpServer"].(map[string]any); str(smtp["password"]) == Mask {
			if had, _ := r.rep["smtpServer"].(map[string]any); had != nil {
				smtp["password"] = had["password"]
			}
		}
		for k, v := range rep {
			if v == nil || k == "id" {
				continue
			}
			r.rep[k] = v
		}
		if n := str(r.rep["realm"]); n != old {
			delete(s.realms, old)
			s.realms[n] = r
			for i, x := range s.order {
				if x == old {
					s.order[i] = n
				}
			}
		}
		noContent(w)
	case http.MethodDelete:
		if r.builtin {
			errorMessage(w, http.StatusBadRequest, "Can't delete master realm")
			return
		}
		s.deleteRealm(str(r.rep["realm"]))
		noContent(w)
	default:
		methodNotAllowed(w)
	}
}

// badRequest answers like a JAX-RS BadRequestException thrown in
// Keycloak: the message as "error", no error_description.
func badRequest(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": msg})
}
