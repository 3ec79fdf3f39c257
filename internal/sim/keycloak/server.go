// Package keycloak simulates the parts of the Keycloak admin REST API that
// tenantops uses (token endpoint, realms, authentication flows and required
// actions, clients, identity providers and components) closely enough that
// the unmodified gocloak client works against it, with Keycloak's status
// codes, error bodies and secret masking.
package keycloak

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tenantops/tenantops/internal/sim/fault"
	"github.com/tenantops/tenantops/internal/sim/record"
)

// Mask is what Keycloak answers in place of a stored secret.
const Mask = "**********"

// Options configure a simulator instance. Zero values get the defaults below.
type Options struct {
	// AdminClientID and AdminClientSecret are accepted by the
	// client-credentials grant on the master realm (default "tenantops"/"sim-secret").
	AdminClientID, AdminClientSecret string
	// AdminUser and AdminPassword are accepted by the password grant with
	// client_id=admin-cli (default "admin"/"admin").
	AdminUser, AdminPassword string
	// TokenLifespan is the access token lifetime (default 60 s).
	TokenLifespan time.Duration
	// Record keeps every exchange the simulator serves in Server.Recorder
	// (it also records when record.Enable was called).
	Record bool
}

// Server is a running simulator.
type Server struct {
	URL    string
	CAPEM  string
	Faults *fault.Injector
	// Recorder holds the served exchanges when recording is on (else nil).
	Recorder *record.Recorder
	// ClientID and ClientSecret are the admin client credentials the
	// token endpoint accepts (provider block client_id/client_secret).
	ClientID, ClientSecret string

	opts Options
	srv  *httptest.Server

	mu     sync.Mutex
	realms map[string]*realm // by name
	order  []string
	// active and activeRefresh hold the jti of every access and refresh
	// token issued and not revoked.
	active, activeRefresh map[string]bool
	grants                map[string]int
	// adminUserID and serviceAccountID are the subjects of the admin
	// user's and the admin client's service account's tokens.
	adminUserID, serviceAccountID string
	// mails are the execute-actions e-mails sent (users.go).
	mails []Mail
}

type realm struct {
	builtin    bool
	rep        map[string]any
	flows      []*flow
	actions    []map[string]any
	clients    []map[string]any
	users      []map[string]any
	idps       []map[string]any
	components []map[string]any
	keys       *realmKeys
}

type flow struct {
	ID, Alias, Description, ProviderID string
	TopLevel, BuiltIn                  bool
	Execs                              []*execution
}

type execution struct {
	ID            string
	Authenticator string // provider id, empty for a sub-flow
	DisplayName   string
	Requirement   string
	SubFlowID     string
	Priority      int
}

// Start serves a new simulator over HTTPS on a random loopback port.
func Start(opts Options) (*Server, error) {
	if opts.AdminClientID == "" {
		opts.AdminClientID = "tenantops"
	}
	if opts.AdminClientSecret == "" {
		opts.AdminClientSecret = "sim-secret"
	}
	if opts.AdminUser == "" {
		opts.AdminUser = "admin"
	}
	if opts.AdminPassword == "" {
		opts.AdminPassword = "admin"
	}
	if opts.TokenLifespan == 0 {
		opts.TokenLifespan = 60 * time.Second
	}
	s := &Server{
		Faults:           &fault.Injector{},
		Recorder:         record.For("keycloak", opts.Record),
		opts:             opts,
		realms:           map[string]*realm{},
		active:           map[string]bool{},
		activeRefresh:    map[string]bool{},
		grants:           map[string]int{},
		adminUserID:      newID(),
		serviceAccountID: newID(),
	}
	m := newRealm("master")
	m.builtin = true
	// The master realm's access token lifespan is the one the token
	// endpoint applies (Keycloak's default for master is 60 s).
	m.rep["accessTokenLifespan"] = int(math.Ceil(opts.TokenLifespan.Seconds()))
	s.realms["master"] = m
	s.order = append(s.order, "master")

	s.srv = httptest.NewUnstartedServer(s.Faults.Wrap(s.Recorder.Wrap(http.HandlerFunc(s.route))))
	s.srv.StartTLS()
	s.URL = s.srv.URL
	s.ClientID, s.ClientSecret = opts.AdminClientID, opts.AdminClientSecret
	s.CAPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw}))
	return s, nil
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Inventory lists every object the simulator holds outside the built-in
// master realm: "realm/<name>", "client/<realm>/<clientId>",
// "idp/<realm>/<alias>", "component/<realm>/<providerId>/<name>" and
// "flow/<realm>/<alias>" for flows that are not built in.
func (s *Server) Inventory() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, name := range s.order {
		r := s.realms[name]
		if r == nil || r.builtin {
			continue
		}
		out = append(out, "realm/"+name)
		for _, c := range r.clients {
			out = append(out, fmt.Sprintf("client/%s/%s", name, str(c["clientId"])))
		}
		for _, i := range r.idps {
			out = append(out, fmt.Sprintf("idp/%s/%s", name, str(i["alias"])))
		}
		for _, u := range r.users {
			out = append(out, fmt.Sprintf("user/%s/%s", name, str(u["username"])))
		}
		for _, c := range r.components {
			out = append(out, fmt.Sprintf("component/%s/%s/%s", name, str(c["providerId"]), str(c["name"])))
		}
		for _, f := range r.flows {
			if f.TopLevel && !f.BuiltIn {
				out = append(out, fmt.Sprintf("flow/%s/%s", name, f.Alias))
			}
		}
	}
	sort.Strings(out)
	return out
}

// find returns the first object whose key equals val, and its index (-1 if none).
func find(list []map[string]any, key, val string) (map[string]any, int) {
	for i, o := range list {
		if str(o[key]) == val {
			return o, i
		}
	}
	return nil, -1
}

func (s *Server) deleteRealm(name string) bool {
	if _, ok := s.realms[name]; !ok {
		return false
	}
	delete(s.realms, name)
	for i, n := range s.order {
		if n == name {
			s.order = append(s.order[:i], s.order[i+1:]...)
			break
		}
	}
	return true
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func randomSecret() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func clone(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// errorMessage answers like Keycloak's ErrorResponse (400/409).
func errorMessage(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"errorMessage": msg})
}

// notFound answers like a JAX-RS NotFoundException thrown in Keycloak:
// KeycloakErrorHandler writes the exception's message as "error" and adds
// no error_description to a client error ({"error":"Realm not found."},
// {"error":"Could not find client"}; keycloak/terraform-provider-keycloak#662).
func notFound(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusNotFound, map[string]string{"error": msg})
}

func created(w http.ResponseWriter, req *http.Request, id string) {
	loc := "https://" + req.Host + strings.TrimRight(req.URL.Path, "/") + "/" + id
	w.Header().Set("Location", loc)
	w.WriteHeader(http.StatusCreated)
}

func noContent(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }

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
