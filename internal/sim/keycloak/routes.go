package keycloak

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

func (s *Server) route(w http.ResponseWriter, req *http.Request) {
	// URL.Path is already decoded: "Browser - Conditional OTP" arrives whole.
	seg := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	switch {
	case len(seg) == 5 && seg[0] == "realms" && seg[2] == "protocol" && seg[3] == "openid-connect" && seg[4] == "token":
		s.token(w, req, seg[1])
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
		errorMessage(w, http.StatusBadRequest, "Unable to parse request body: "+err.Error())
		return false
	}
	return true
}

// ---- token endpoint ----

func (s *Server) token(w http.ResponseWriter, req *http.Request, realmName string) {
	if req.Method != http.MethodPost {
		methodNotAllowed(w)
		return
	}
	if err := req.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.realms[realmName] == nil {
		notFound(w, "Realm does not exist")
		return
	}
	clientID, secret, basic := basicAuth(req)
	if !basic {
		clientID, secret = req.PostFormValue("client_id"), req.PostFormValue("client_secret")
	}
	ok := false
	switch req.PostFormValue("grant_type") {
	case "client_credentials":
		if clientID != s.opts.AdminClientID || secret != s.opts.AdminClientSecret || realmName != "master" {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized_client", "error_description": "Invalid client or Invalid client credentials"})
			return
		}
		ok = true
	case "password":
		if clientID != "admin-cli" && clientID != s.opts.AdminClientID {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "Invalid client or Invalid client credentials"})
			return
		}
		ok = req.PostFormValue("username") == s.opts.AdminUser && req.PostFormValue("password") == s.opts.AdminPassword && realmName == "master"
		if !ok {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_grant", "error_description": "Invalid user credentials"})
			return
		}
	case "refresh_token":
		exp, found := s.refresh[req.PostFormValue("refresh_token")]
		if !found || time.Now().After(exp) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "Token is not active"})
			return
		}
		delete(s.refresh, req.PostFormValue("refresh_token"))
		ok = true
	default:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type", "error_description": "Unsupported grant_type"})
		return
	}
	if !ok {
		return
	}
	access, refresh := randomSecret(), randomSecret()
	life := s.opts.TokenLifespan
	s.tokens[access] = time.Now().Add(life)
	s.refresh[refresh] = time.Now().Add(30 * time.Minute)
	s.grants[req.PostFormValue("grant_type")]++
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":       access,
		"expires_in":         int(life / time.Second),
		"refresh_expires_in": 1800,
		"refresh_token":      refresh,
		"token_type":         "Bearer",
		"not-before-policy":  0,
		"session_state":      newID(),
		"scope":              "profile email",
	})
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

func (s *Server) authorized(req *http.Request) bool {
	h := req.Header.Get("Authorization")
	if !strings.HasPrefix(h, "Bearer ") {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.tokens[strings.TrimPrefix(h, "Bearer ")]
	return ok && time.Now().Before(exp)
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
		writeJSON(w, http.StatusOK, r.rep)
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

// ---- authentication ----

func (s *Server) authentication(w http.ResponseWriter, req *http.Request, r *realm, rest []string) {
	switch {
	case len(rest) >= 1 && rest[0] == "required-actions":
		s.requiredActions(w, req, r, rest[1:])
	case len(rest) == 1 && rest[0] == "register-required-action" && req.Method == http.MethodPost:
		var rep map[string]any
		if !decode(w, req, &rep) {
			return
		}
		id := str(rep["providerId"])
		if a, _ := find(r.actions, "providerId", id); a != nil {
			errorMessage(w, http.StatusConflict, "Required action provider "+id+" already registered")
			return
		}
		r.actions = append(r.actions, map[string]any{"alias": id, "name": str(rep["name"]), "providerId": id,
			"enabled": true, "defaultAction": false, "priority": 1000 + len(r.actions), "config": map[string]any{}})
		noContent(w)
	case len(rest) == 1 && rest[0] == "flows":
		switch req.Method {
		case http.MethodGet:
			var out []map[string]any
			for _, f := range r.flows {
				if f.TopLevel {
					out = append(out, flowRep(r, f))
				}
			}
			writeJSON(w, http.StatusOK, out)
		case http.MethodPost:
			var rep map[string]any
			if !decode(w, req, &rep) {
				return
			}
			alias := str(rep["alias"])
			if r.flowByAlias(alias) != nil {
				errorMessage(w, http.StatusConflict, "Flow "+alias+" already exists")
				return
			}
			f := &flow{ID: newID(), Alias: alias, Description: str(rep["description"]), ProviderID: "basic-flow", TopLevel: true}
			if p := str(rep["providerId"]); p != "" {
				f.ProviderID = p
			}
			r.flows = append(r.flows, f)
			created(w, req, f.ID)
		default:
			methodNotAllowed(w)
		}
	case len(rest) == 2 && rest[0] == "flows":
		var f *flow
		for _, x := range r.flows {
			if x.ID == rest[1] {
				f = x
			}
		}
		if f == nil {
			notFound(w, "Could not find flow with id")
			return
		}
		if req.Method != http.MethodGet {
			methodNotAllowed(w)
			return
		}
		writeJSON(w, http.StatusOK, flowRep(r, f))
	case len(rest) == 3 && rest[0] == "flows" && rest[2] == "copy" && req.Method == http.MethodPost:
		f := r.flowByAlias(rest[1])
		if f == nil {
			notFound(w, "Flow not found")
			return
		}
		var body map[string]any
		if !decode(w, req, &body) {
			return
		}
		name := str(body["newName"])
		if r.flowByAlias(name) != nil {
			errorMessage(w, http.StatusConflict, "New flow alias name already exists")
			return
		}
		cp := r.copyFlow(f, name)
		cp.TopLevel = true
		w.Header().Set("Location", "https://"+req.Host+"/admin/realms/"+url.PathEscape(str(r.rep["realm"]))+"/authentication/flows/"+cp.ID)
		w.WriteHeader(http.StatusCreated)
	case len(rest) >= 3 && rest[0] == "flows" && rest[2] == "executions":
		f := r.flowByAlias(rest[1])
		if f == nil {
			notFound(w, "Flow not found")
			return
		}
		s.executions(w, req, r, f, rest[3:])
	case len(rest) == 2 && rest[0] == "executions" && req.Method == http.MethodDelete:
		for _, f := range r.flows {
			for i, e := range f.Execs {
				if e.ID == rest[1] {
					if f.BuiltIn {
						errorMessage(w, http.StatusBadRequest, "It is illegal to remove execution from a built in flow")
						return
					}
					f.Execs = append(f.Execs[:i], f.Execs[i+1:]...)
					noContent(w)
					return
				}
			}
		}
		notFound(w, "Illegal execution")
	default:
		notFound(w, "HTTP 404 Not Found")
	}
}

func (r *realm) copyFlow(f *flow, alias string) *flow {
	cp := &flow{ID: newID(), Alias: alias, Description: f.Description, ProviderID: f.ProviderID}
	r.flows = append(r.flows, cp)
	for _, e := range f.Execs {
		ne := *e
		ne.ID = newID()
		if e.SubFlowID != "" {
			sub := r.copyFlow(r.flowByID(e.SubFlowID), alias+" "+r.flowByID(e.SubFlowID).Alias)
			ne.SubFlowID = sub.ID
			ne.DisplayName = sub.Alias
		}
		cp.Execs = append(cp.Execs, &ne)
	}
	return cp
}

func flowRep(r *realm, f *flow) map[string]any {
	execs := []map[string]any{}
	for _, e := range f.Execs {
		m := map[string]any{"requirement": e.Requirement, "priority": e.Priority, "authenticatorFlow": e.SubFlowID != "",
			"autheticatorFlow": e.SubFlowID != "", "userSetupAllowed": false}
		if e.SubFlowID != "" {
			m["flowAlias"] = r.flowByID(e.SubFlowID).Alias
		} else {
			m["authenticator"] = e.Authenticator
		}
		execs = append(execs, m)
	}
	return map[string]any{"id": f.ID, "alias": f.Alias, "description": f.Description, "providerId": f.ProviderID,
		"topLevel": f.TopLevel, "builtIn": f.BuiltIn, "authenticationExecutions": execs}
}

func (s *Server) executions(w http.ResponseWriter, req *http.Request, r *realm, f *flow, rest []string) {
	switch {
	case len(rest) == 0 && req.Method == http.MethodGet:
		out := []map[string]any{}
		var walk func(f *flow, level int)
		walk = func(f *flow, level int) {
			for i, e := range f.Execs {
				m := map[string]any{"id": e.ID, "requirement": e.Requirement, "displayName": e.DisplayName,
					"requirementChoices": choices(e), "configurable": false, "level": level, "index": i, "priority": e.Priority}
				if e.SubFlowID != "" {
					sf := r.flowByID(e.SubFlowID)
					m["authenticationFlow"] = true
					m["flowId"] = sf.ID
					m["description"] = sf.Description
					m["providerId"] = sf.ProviderID
					out = append(out, m)
					walk(sf, level+1)
					continue
				}
				m["providerId"] = e.Authenticator
				out = append(out, m)
			}
		}
		walk(f, 0)
		writeJSON(w, http.StatusOK, out)
	case len(rest) == 0 && req.Method == http.MethodPut:
		var rep map[string]any
		if !decode(w, req, &rep) {
			return
		}
		e, _ := r.execByID(str(rep["id"]))
		if e == nil {
			notFound(w, "Illegal execution")
			return
		}
		want := str(rep["requirement"])
		if want != "" {
			okReq := false
			for _, c := range choices(e) {
				okReq = okReq || c == want
			}
			if !okReq {
				errorMessage(w, http.StatusBadRequest, "Requirement "+want+" is not allowed for execution "+e.DisplayName)
				return
			}
			e.Requirement = want
		}
		if p, ok := rep["priority"].(float64); ok && p > 0 {
			e.Priority = int(p)
		}
		noContent(w)
	case len(rest) == 1 && rest[0] == "execution" && req.Method == http.MethodPost:
		var rep map[string]any
		if !decode(w, req, &rep) {
			return
		}
		provider := str(rep["provider"])
		name, ok := authenticatorNames[provider]
		if !ok {
			errorMessage(w, http.StatusBadRequest, "No authentication provider found for id: "+provider)
			return
		}
		prio := 10
		if n := len(f.Execs); n > 0 {
			prio = f.Execs[n-1].Priority + 10
		}
		e := &execution{ID: newID(), Authenticator: provider, DisplayName: name, Requirement: "DISABLED", Priority: prio}
		f.Execs = append(f.Execs, e)
		w.Header().Set("Location", "https://"+req.Host+"/admin/realms/"+url.PathEscape(str(r.rep["realm"]))+"/authentication/executions/"+e.ID)
		w.WriteHeader(http.StatusCreated)
	case len(rest) == 1 && rest[0] == "flow" && req.Method == http.MethodPost:
		var rep map[string]any
		if !decode(w, req, &rep) {
			return
		}
		alias := str(rep["alias"])
		if r.flowByAlias(alias) != nil {
			errorMessage(w, http.StatusConflict, "New flow alias name already exists")
			return
		}
		sf := &flow{ID: newID(), Alias: alias, Description: str(rep["description"]), ProviderID: "basic-flow"}
		r.flows = append(r.flows, sf)
		prio := 10
		if n := len(f.Execs); n > 0 {
			prio = f.Execs[n-1].Priority + 10
		}
		e := &execution{ID: newID(), SubFlowID: sf.ID, DisplayName: alias, Requirement: "DISABLED", Priority: prio}
		f.Execs = append(f.Execs, e)
		w.Header().Set("Location", "https://"+req.Host+"/admin/realms/"+url.PathEscape(str(r.rep["realm"]))+"/authentication/flows/"+sf.ID)
		w.WriteHeader(http.StatusCreated)
	default:
		methodNotAllowed(w)
	}
}

func (s *Server) requiredActions(w http.ResponseWriter, req *http.Request, r *realm, rest []string) {
	if len(rest) == 0 {
		if req.Method != http.MethodGet {
			methodNotAllowed(w)
			return
		}
		writeJSON(w, http.StatusOK, r.actions)
		return
	}
	a, idx := find(r.actions, "alias", rest[0])
	if a == nil {
		notFound(w, "Failed to find required action")
		return
	}
	switch req.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, a)
	case http.MethodPut:
		var rep map[string]any
		if !decode(w, req, &rep) {
			return
		}
		for _, k := range []string{"name", "enabled", "defaultAction", "priority", "config"} {
			if v, ok := rep[k]; ok && v != nil {
				a[k] = v
			}
		}
		// Keycloak refuses a default action that is disabled.
		if b, _ := a["enabled"].(bool); !b {
			a["defaultAction"] = false
		}
		noContent(w)
	case http.MethodDelete:
		r.actions = append(r.actions[:idx], r.actions[idx+1:]...)
		noContent(w)
	default:
		methodNotAllowed(w)
	}
}
