// Package scim is tenantops' SCIM 2.0 service provider for tests and the dev
// sandbox: the protocol is served by github.com/elimity-com/scim, backed by an
// in-memory store with the enterprise user extension, ETags (meta.version and
// If-Match → 412), filtering, bearer-token auth and fault injection. It can
// run with PATCH switched off to exercise clients' PUT fallback.
package scim

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"time"

	elscim "github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"

	"github.com/tenantops/tenantops/internal/sim/fault"
	simrecord "github.com/tenantops/tenantops/internal/sim/record"
)

// Options configure the simulator.
type Options struct {
	// Token is the bearer token clients must present; default "scim-token".
	Token string
	// DisablePatch makes the provider advertise patch.supported=false and
	// answer PATCH with 501 and a SCIM error.
	DisablePatch bool
	// DisableETag makes the provider advertise etag.supported=false and
	// ignore If-Match.
	DisableETag bool
	// MaxResults caps a page of query results; default 100.
	MaxResults int
	// Record keeps every exchange the simulator serves in Server.Recorder
	// (it also records when record.Enable was called).
	Record bool
}

// Server is a running SCIM service provider on 127.0.0.1.
type Server struct {
	// URL is the SCIM base URL (https://127.0.0.1:port/scim/v2): what a
	// client's url setting takes.
	URL string
	// Root is the server origin (https://127.0.0.1:port).
	Root string
	// CAPEM is the PEM of the server certificate, for ca_pem.
	CAPEM string
	// Token is the accepted bearer token.
	Token string
	// Faults injects failures in front of the SCIM handler.
	Faults *fault.Injector
	// Recorder holds the served exchanges when recording is on (else nil).
	Recorder *simrecord.Recorder

	opts Options
	ts   *httptest.Server

	mu      sync.Mutex
	seq     int
	users   *store
	groups  *store
	calls   map[string]int
	collide map[string]bool
}

// record is one stored resource.
type record struct {
	id       string
	seq      int
	attrs    map[string]any // everything but id and meta
	version  int
	created  time.Time
	modified time.Time
}

type store struct {
	kind    string
	records map[string]*record
}

// Start serves a new, empty provider over HTTPS.
func Start(opts Options) (*Server, error) {
	if opts.Token == "" {
		opts.Token = "scim-token"
	}
	if opts.MaxResults <= 0 {
		opts.MaxResults = 100
	}
	s := &Server{
		Token:    opts.Token,
		Faults:   &fault.Injector{},
		Recorder: simrecord.For("scim", opts.Record),
		opts:     opts,
		users:    &store{kind: "User", records: map[string]*record{}},
		groups:   &store{kind: "Group", records: map[string]*record{}},
		calls:    map[string]int{},
		collide:  map[string]bool{},
	}
	userType := elscim.ResourceType{
		ID:          optional.NewString("User"),
		Name:        "User",
		Description: optional.NewString("User Account"),
		Endpoint:    "/Users",
		Schema:      schema.CoreUserSchema(),
		SchemaExtensions: []elscim.SchemaExtension{
			{Schema: schema.ExtensionEnterpriseUser()},
		},
		Handler: &handler{s: s, st: s.users, core: schema.CoreUserSchema(), exts: []schema.Schema{schema.ExtensionEnterpriseUser()}},
	}
	groupType := elscim.ResourceType{
		ID:          optional.NewString("Group"),
		Name:        "Group",
		Description: optional.NewString("Group"),
		Endpoint:    "/Groups",
		Schema:      schema.CoreGroupSchema(),
		Handler:     &handler{s: s, st: s.groups, core: schema.CoreGroupSchema()},
	}
	ts := httptest.NewUnstartedServer(nil)
	ts.StartTLS()
	s.ts = ts
	s.Root = ts.URL
	s.URL = ts.URL + "/scim/v2"
	s.CAPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}))

	srv, err := elscim.NewServer(&elscim.ServerArgs{
		ServiceProviderConfig: &elscim.ServiceProviderConfig{
			DocumentationURI: optional.NewString("https://tenantops.example/docs/scim"),
			AuthenticationSchemes: []elscim.AuthenticationScheme{{
				Type: elscim.AuthenticationTypeOauthBearerToken, Name: "OAuth Bearer Token",
				Description: "Authentication with a bearer token", Primary: true,
			}},
			MaxResults:       opts.MaxResults,
			SupportFiltering: true,
			SupportPatch:     !opts.DisablePatch,
		},
		ResourceTypes: []elscim.ResourceType{userType, groupType},
	}, elscim.WithBaseURL(s.URL))
	if err != nil {
		ts.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/", http.StripPrefix("/scim", s.spc(srv)))
	ts.Config.Handler = s.count(s.Faults.Wrap(s.Recorder.Wrap(s.auth(mux))))
	return s, nil
}

// Close stops the server.
func (s *Server) Close() { s.ts.Close() }

// Inventory lists every stored object: "user/<userName>", "group/<displayName>".
func (s *Server) Inventory() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.users.records {
		out = append(out, "user/"+str(r.attrs["userName"]))
	}
	for _, r := range s.groups.records {
		out = append(out, "group/"+str(r.attrs["displayName"]))
	}
	sort.Strings(out)
	return out
}

// Calls returns how many requests with method reached the endpoint
// ("Users" or "Groups", collection or single resource).
func (s *Server) Calls(method, endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method+" "+endpoint]
}

// ResetCalls zeroes the request counters.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	s.calls = map[string]int{}
	s.mu.Unlock()
}

// UserID returns the id of the user with userName (case-insensitive).
func (s *Server) UserID(userName string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.users.records {
		if strings.EqualFold(str(r.attrs["userName"]), userName) {
			return r.id, true
		}
	}
	return "", false
}

// GroupID returns the id of the group with displayName.
func (s *Server) GroupID(displayName string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.groups.records {
		if str(r.attrs["displayName"]) == displayName {
			return r.id, true
		}
	}
	return "", false
}

// User returns a copy of a user's attributes (with "id"), or nil.
func (s *Server) User(id string) map[string]any {
	return s.snapshot(s.users, id)
}

// Group returns a copy of a group's attributes (with "id"), or nil.
func (s *Server) Group(id string) map[string]any {
	return s.snapshot(s.groups, id)
}

// GroupMembers returns the member ids of a group, sorted.
func (s *Server) GroupMembers(id string) []string {
	g := s.Group(id)
	if g == nil {
		return nil
	}
	var out []string
	ms, _ := g["members"].([]any)
	for _, m := range ms {
		if mm, ok := m.(map[string]any); ok {
			out = append(out, str(mm["value"]))
		}
	}
	sort.Strings(out)
	return out
}

// DeleteUser removes a user out of band (as another admin would).
func (s *Server) DeleteUser(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users.records[id]; !ok {
		return false
	}
	s.deleteLocked(s.users, id)
	return true
}

// DeleteGroup removes a group out of band.
func (s *Server) DeleteGroup(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.groups.records[id]; !ok {
		return false
	}
	s.deleteLocked(s.groups, id)
	return true
}

// ModifyUser changes a user out of band; the version moves on.
func (s *Server) ModifyUser(id string, change func(attrs map[string]any)) bool {
	return s.modify(s.users, id, change)
}

// ModifyGroup changes a group out of band; the version moves on.
func (s *Server) ModifyGroup(id string, change func(attrs map[string]any)) bool {
	return s.modify(s.groups, id, change)
}

// CollideNextWrite arms a one-shot race: the next PUT or PATCH of resource
// id finds it modified by another writer just before the request is
// evaluated, so a client's If-Match no longer matches.
func (s *Server) CollideNextWrite(id string) {
	s.mu.Lock()
	s.collide[id] = true
	s.mu.Unlock()
}

func (s *Server) modify(st *store, id string, change func(map[string]any)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := st.records[id]
	if !ok {
		return false
	}
	change(r.attrs)
	r.attrs = normalize(r.attrs)
	r.version++
	r.modified = time.Now().UTC()
	return true
}

func (s *Server) snapshot(st *store, id string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := st.records[id]
	if !ok {
		return nil
	}
	m := normalize(r.attrs)
	m["id"] = r.id
	return m
}

// deleteLocked drops a record and, for users, their group memberships, as
// service providers do.
func (s *Server) deleteLocked(st *store, id string) {
	delete(st.records, id)
	if st != s.users {
		return
	}
	for _, g := range s.groups.records {
		ms, _ := g.attrs["members"].([]any)
		var keep []any
		for _, m := range ms {
			if mm, ok := m.(map[string]any); ok && str(mm["value"]) == id {
				continue
			}
			keep = append(keep, m)
		}
		if len(keep) != len(ms) {
			if len(keep) == 0 {
				delete(g.attrs, "members")
			} else {
				g.attrs["members"] = keep
			}
			g.version++
		}
	}
}

// ---- middleware ----

func (s *Server) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.Token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="scim"`)
			writeError(w, scimerrors.ScimError{Status: http.StatusUnauthorized, Detail: "Missing or invalid bearer token."})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimPrefix(r.URL.Path, "/scim/v2/")
		ep, _, _ := strings.Cut(p, "/")
		s.mu.Lock()
		s.calls[r.Method+" "+ep]++
		s.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

// spc publishes the ETag support the library's static ServiceProviderConfig
// cannot express, and short-circuits PATCH when it is switched off.
func (s *Server) spc(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.opts.DisablePatch && r.Method == http.MethodPatch {
			w.Header().Set("Content-Type", "application/scim+json")
			writeError(w, scimerrors.ScimError{Status: http.StatusNotImplemented, Detail: "PATCH is not supported by this service provider; use PUT."})
			return
		}
		if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/ServiceProviderConfig") {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var cfg map[string]any
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &cfg) != nil {
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
			return
		}
		cfg["etag"] = map[string]bool{"supported": !s.opts.DisableETag}
		w.Header().Set("Content-Type", "application/scim+json")
		_ = json.NewEncoder(w).Encode(cfg)
	})
}

func writeError(w http.ResponseWriter, e scimerrors.ScimError) {
	b, _ := json.Marshal(e)
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(e.Status)
	_, _ = w.Write(b)
}

// ---- helpers ----

func str(v any) string {
	s, _ := v.(string)
	return s
}

// normalize deep-copies attributes through JSON so that stored values are
// only maps, slices, strings, bools and float64 (what the filter code walks).
func normalize(m map[string]any) map[string]any {
	b, err := json.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("scim sim: unmarshalable attributes: %v", err))
	}
	var out map[string]any
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(&out); err != nil || out == nil {
		out = map[string]any{}
	}
	return out
}
