package keycloak

import "strings"

// Grants reports how many tokens the token endpoint has issued for a grant
// type ("client_credentials", "password", "refresh_token").
func (s *Server) Grants(grantType string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.grants[grantType]
}

// RevokeTokens invalidates every access and refresh token issued so far,
// as an administrator's "Revocation: set to now" on the realm, or a logout
// of every session, would.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active = map[string]bool{}
	s.activeRefresh = map[string]bool{}
}

// DeleteRealm removes a realm out of band.
func (s *Server) DeleteRealm(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deleteRealm(name)
}

// DeleteClient removes a client (by clientId) out of band.
func (s *Server) DeleteClient(realmName, clientID string) bool {
	return s.remove(realmName, func(r *realm) *[]map[string]any { return &r.clients }, "clientId", clientID)
}

// DeleteIdentityProvider removes an identity provider out of band.
func (s *Server) DeleteIdentityProvider(realmName, alias string) bool {
	return s.remove(realmName, func(r *realm) *[]map[string]any { return &r.idps }, "alias", alias)
}

// DeleteComponent removes a top-level component (by name, with its
// children) out of band.
func (s *Server) DeleteComponent(realmName, name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.realms[realmName]
	if r == nil {
		return false
	}
	for i, c := range r.components {
		if str(c["name"]) == name && str(c["parentId"]) == str(r.rep["id"]) {
			r.components = append(r.components[:i], r.components[i+1:]...)
			r.deleteChildren(str(c["id"]))
			return true
		}
	}
	return false
}

func (s *Server) remove(realmName string, list func(*realm) *[]map[string]any, key, val string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.realms[realmName]
	if r == nil {
		return false
	}
	l := list(r)
	if _, i := find(*l, key, val); i >= 0 {
		*l = append((*l)[:i], (*l)[i+1:]...)
		return true
	}
	return false
}

// object returns a copy of the object whose key equals val in a realm list.
func (s *Server) object(realmName string, list func(*realm) []map[string]any, key, val string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.realms[realmName]
	if r == nil {
		return nil
	}
	if o, _ := find(list(r), key, val); o != nil {
		return clone(o)
	}
	return nil
}

// Realm returns a copy of a realm's representation, or nil.
func (s *Server) Realm(name string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.realms[name]
	if r == nil {
		return nil
	}
	return clone(r.rep)
}

// Requirement returns the requirement of the execution (authenticator
// provider id, or sub-flow alias) in the realm's bound browser flow, or "".
// A sub-flow matches its alias also with the prefix Keycloak gives the
// sub-flows of a copied flow ("<copy> Browser - Conditional OTP").
func (s *Server) Requirement(realmName, providerOrAlias string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.realms[realmName]
	if r == nil {
		return ""
	}
	top := r.flowByAlias(str(r.rep["browserFlow"]))
	if top == nil {
		return ""
	}
	var find func(f *flow) string
	find = func(f *flow) string {
		for _, e := range f.Execs {
			if e.SubFlowID == "" {
				if e.Authenticator == providerOrAlias {
					return e.Requirement
				}
				continue
			}
			sub := r.flowByID(e.SubFlowID)
			if sub.Alias == providerOrAlias || strings.HasSuffix(sub.Alias, " "+providerOrAlias) {
				return e.Requirement
			}
			if req := find(sub); req != "" {
				return req
			}
		}
		return ""
	}
	return find(top)
}

// BrowserFlow returns the alias of the realm's bound browser flow and
// whether that flow is built in.
func (s *Server) BrowserFlow(realmName string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.realms[realmName]
	if r == nil {
		return "", false
	}
	alias := str(r.rep["browserFlow"])
	f := r.flowByAlias(alias)
	return alias, f != nil && f.BuiltIn
}

// DefaultAction reports whether a required action is a default action.
func (s *Server) DefaultAction(realmName, alias string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.realms[realmName]
	if r == nil {
		return false
	}
	a, _ := find(r.actions, "alias", alias)
	b, _ := a["defaultAction"].(bool)
	return b
}

// Component returns a copy of a component (unmasked) by name, or nil.
func (s *Server) Component(realmName, name string) map[string]any {
	return s.object(realmName, func(r *realm) []map[string]any { return topLevel(r) }, "name", name)
}

// topLevel lists the components whose parent is the realm itself.
func topLevel(r *realm) []map[string]any {
	var out []map[string]any
	for _, c := range r.components {
		if str(c["parentId"]) == str(r.rep["id"]) {
			out = append(out, c)
		}
	}
	return out
}

// IdentityProvider returns a copy of an identity provider (unmasked), or nil.
func (s *Server) IdentityProvider(realmName, alias string) map[string]any {
	return s.object(realmName, func(r *realm) []map[string]any { return r.idps }, "alias", alias)
}

// Client returns a copy of a client by clientId, or nil.
func (s *Server) Client(realmName, clientID string) map[string]any {
	return s.object(realmName, func(r *realm) []map[string]any { return r.clients }, "clientId", clientID)
}

// PatchClient sets fields on a client out of band, as an operator would in
// the console.
func (s *Server) PatchClient(realmName, clientID string, fields map[string]any) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.realms[realmName]
	if r == nil {
		return false
	}
	c, _ := find(r.clients, "clientId", clientID)
	if c == nil {
		return false
	}
	for k, v := range fields {
		c[k] = v
	}
	return true
}

// PatchComponentConfig sets one config key of a component out of band.
func (s *Server) PatchComponentConfig(realmName, name, key, value string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.realms[realmName]
	if r == nil {
		return false
	}
	c, _ := find(topLevel(r), "name", name)
	if c == nil {
		return false
	}
	configOf(c)[key] = []any{value}
	return true
}

// PatchIdentityProviderConfig sets one config key of an identity provider
// out of band.
func (s *Server) PatchIdentityProviderConfig(realmName, alias, key, value string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.realms[realmName]
	if r == nil {
		return false
	}
	i, _ := find(r.idps, "alias", alias)
	if i == nil {
		return false
	}
	configOf(i)[key] = value
	return true
}

// configOf returns an object's config map, creating it if absent.
func configOf(o map[string]any) map[string]any {
	cfg, _ := o["config"].(map[string]any)
	if cfg == nil {
		cfg = map[string]any{}
		o["config"] = cfg
	}
	return cfg
}
