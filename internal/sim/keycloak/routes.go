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
		var body map[string]any
		if !decode(w, req, &body) {
			return
		}
		// Keycloak checks the new name before it looks the flow up.
		name := str(body["newName"])
		if r.flowByAlias(name) != nil {
			errorMessage(w, http.StatusConflict, "New flow alias name already exists")
			return
		}
		f := r.flowByAlias(rest[1])
		if f == nil {
			notFound(w, "Flow not found")
			return
		}
		cp := r.copyFlow(f, name, name)
		cp.TopLevel = true
		w.Header().Set("Location", "https://"+req.Host+"/admin/realms/"+url.PathEscape(str(r.rep["realm"]))+"/authentication/flows/"+cp.ID)
		w.WriteHeader(http.StatusCreated)
	case len(rest) >= 3 && rest[0] == "flows" && rest[2] == "executions":
		f := r.flowByAlias(rest[1])
		if f == nil {
			// AuthenticationManagementResource's own words per operation.
			switch {
			case len(rest) > 3:
				badRequest(w, "Parent flow doesn't exist")
			case req.Method == http.MethodPut:
				notFound(w, "flow not found")
			default:
				notFound(w, "Flow not found")
			}
			return
		}
		s.executions(w, req, r, f, rest[3:])
	case len(rest) == 2 && rest[0] == "executions" && req.Method == http.MethodDelete:
		for _, f := range r.flows {
			for i, e := range f.Execs {
				if e.ID == rest[1] {
					if f.BuiltIn {
						badRequest(w, "It is illegal to remove execution from a built in flow")
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

// copyFlow copies f and its sub-flows as Keycloak's copy does: the copy is
// named alias, every sub-flow at any depth is named newName + " " + its own
// alias, and nothing copied is built in.
func (r *realm) copyFlow(f *flow, alias, newName string) *flow {
	cp := &flow{ID: newID(), Alias: alias, Description: f.Description, ProviderID: f.ProviderID}
	r.flows = append(r.flows, cp)
	for _, e := range f.Execs {
		ne := *e
		ne.ID = newID()
		if e.SubFlowID != "" {
			src := r.flowByID(e.SubFlowID)
			sub := r.copyFlow(src, newName+" "+src.Alias, newName)
			ne.SubFlowID = sub.ID
			ne.DisplayName = sub.Alias
		}
		cp.Execs = append(cp.Execs, &ne)
	}
	return cp
}

// badRequest answers like a JAX-RS BadRequestException thrown in
// Keycloak: the message as "error", no error_description.
func badRequest(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": msg})
}

// requirements are AuthenticationExecutionModel.Requirement's values.
var requirements = []string{"REQUIRED", "CONDITIONAL", "ALTERNATIVE", "DISABLED"}

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

// executions serves .../flows/{flowAlias}/executions[/execution|/flow] as
// Keycloak 23 does: the list is AuthenticationExecutionInfoRepresentation
// (no priority: that field came with Keycloak 25), an update changes the
// requirement only, and nothing may be added to a built-in flow
// ("It is illegal to add execution to a built in flow": the default browser
// flow and its sub-flows are built in; copy the flow to change its shape).
func (s *Server) executions(w http.ResponseWriter, req *http.Request, r *realm, f *flow, rest []string) {
	switch {
	case len(rest) == 0 && req.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, executionInfos(r, f))
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
		if want != e.Requirement {
			// Requirement.valueOf: an unknown name is an uncaught
			// IllegalArgumentException, a server error. Keycloak 23 does
			// not hold the requirement to the execution's choices.
			okReq := false
			for _, c := range requirements {
				okReq = okReq || c == want
			}
			if !okReq {
				writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "unknown_error",
					"error_description": "For more on this error consult the server log."})
				return
			}
			e.Requirement = want
		}
		noContent(w)
	case len(rest) == 1 && rest[0] == "execution" && req.Method == http.MethodPost:
		var rep map[string]any
		if !decode(w, req, &rep) {
			return
		}
		if f.BuiltIn {
			badRequest(w, "It is illegal to add execution to a built in flow")
			return
		}
		provider := str(rep["provider"])
		name, ok := authenticatorNames[provider]
		if !ok {
			badRequest(w, "No authentication provider found for id: "+provider)
			return
		}
		e := &execution{ID: newID(), Authenticator: provider, DisplayName: name, Requirement: "DISABLED", Priority: nextPriority(f)}
		f.Execs = append(f.Execs, e)
		w.Header().Set("Location", "https://"+req.Host+"/admin/realms/"+url.PathEscape(str(r.rep["realm"]))+"/authentication/executions/"+e.ID)
		w.WriteHeader(http.StatusCreated)
	case len(rest) == 1 && rest[0] == "flow" && req.Method == http.MethodPost:
		var rep map[string]any
		if !decode(w, req, &rep) {
			return
		}
		if f.BuiltIn {
			badRequest(w, "It is illegal to add sub-flow to a built in flow")
			return
		}
		alias := str(rep["alias"])
		if r.flowByAlias(alias) != nil {
			errorMessage(w, http.StatusConflict, "New flow alias name already exists")
			return
		}
		sf := &flow{ID: newID(), Alias: alias, Description: str(rep["description"]), ProviderID: "basic-flow"}
		r.flows = append(r.flows, sf)
		e := &execution{ID: newID(), SubFlowID: sf.ID, DisplayName: alias, Requirement: "DISABLED", Priority: nextPriority(f)}
		f.Execs = append(f.Execs, e)
		w.Header().Set("Location", "https://"+req.Host+"/admin/realms/"+url.PathEscape(str(r.rep["realm"]))+"/authentication/flows/"+sf.ID)
		w.WriteHeader(http.StatusCreated)
	default:
		methodNotAllowed(w)
	}
}

func nextPriority(f *flow) int {
	if n := len(f.Execs); n > 0 {
		return f.Execs[n-1].Priority + 10
	}
	return 10
}

// executionInfos lists a flow's executions depth first, sub-flows followed
// by their own executions one level down.
func executionInfos(r *realm, f *flow) []map[string]any {
	out := []map[string]any{}
	var walk func(f *flow, level int)
	walk = func(f *flow, level int) {
		for i, e := range f.Execs {
			m := map[string]any{"id": e.ID, "requirement": e.Requirement, "displayName": e.DisplayName,
				"requirementChoices": choices(e), "configurable": false, "level": level, "index": i}
			if e.SubFlowID == "" {
				m["providerId"] = e.Authenticator
				out = append(out, m)
				continue
			}
			sf := r.flowByID(e.SubFlowID)
			m["displayName"] = sf.Alias
			m["authenticationFlow"] = true
			m["flowId"] = sf.ID
			m["description"] = sf.Description
			if sf.ProviderID == "form-flow" {
				m["providerId"] = e.Authenticator
			}
			out = append(out, m)
			walk(sf, level+1)
		}
	}
	walk(f, 0)
	return out
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
