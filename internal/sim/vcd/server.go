// Package vcd is an in-process VMware Cloud Director simulator. It speaks the
// XML and OpenAPI wire format of the real server closely enough that the
// unmodified go-vcloud-director client works against it: API version
// discovery, provider and API-token login, admin organizations, org VDCs with
// provider-VDC, storage-profile and network-pool lookups through the query
// service, asynchronous tasks (with configurable duration and injected
// failures), org OpenID Connect settings and real error bodies.
package vcd

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vmware/go-vcloud-director/v2/types/v56"

	"github.com/tenantops/tenantops/internal/sim/fault"
	"github.com/tenantops/tenantops/internal/sim/record"
)

// Task operation names accepted by SetTaskDuration and FailNextTask.
const (
	OpOrgCreate  = "org-create"
	OpOrgUpdate  = "org-update"
	OpOrgDelete  = "org-delete"
	OpVDCCreate  = "vdc-create"
	OpVDCUpdate  = "vdc-update"
	OpVDCDelete  = "vdc-delete"
	OpVDCStorage = "vdc-storage"
)

// Options seed the simulator. Zero values get sensible defaults.
type Options struct {
	// User and Password are the provider administrator's credentials
	// (login as User@System). Defaults: "admin" / "admin-password".
	User, Password string
	// APIToken is a refresh token accepted by /oauth/provider/token.
	// Empty disables API-token login.
	APIToken string
	// ProviderVDCs to seed; default one "pvdc-1" with profiles "gold" and
	// "silver" and network pool "np-1".
	ProviderVDCs []ProviderVDCSeed
	// TaskDuration is how long every task runs before it finishes
	// (default 0: a task completes on its first poll).
	TaskDuration time.Duration
	// QueryPageSize is the query service's default page size (default 25).
	QueryPageSize int
	// Record keeps every exchange the simulator serves in Server.Recorder
	// (it also records when record.Enable was called).
	Record bool
}

// ProviderVDCSeed describes one seeded provider VDC.
type ProviderVDCSeed struct {
	Name            string
	StorageProfiles []string
	NetworkPools    []string
}

// Server is a running simulator.
type Server struct {
	URL   string
	CAPEM string
	// Faults injects failures into any endpoint.
	Faults *fault.Injector
	// Recorder holds the served exchanges when recording is on (else nil).
	Recorder *record.Recorder

	ts   *httptest.Server
	opts Options

	mu         sync.Mutex
	tokens     map[string]bool
	orgs       map[string]*org // by uuid
	vdcs       map[string]*vdc // by uuid
	tasks      map[string]*task
	pvdcs      []*pvdc
	pvdcSPs    []*pvdcProfile
	pools      []*netPool
	vdcSPs     map[string]*vdcProfile // by uuid
	vapps      map[string]*vapp       // by uuid (vapp.go)
	durations  map[string]time.Duration
	failNext   map[string][]string
	oidcKeyPEM string
	idp        *http.Client // set by TrustIdentityProvider
}

type org struct {
	id       string
	name     string
	fullName string
	desc     string
	enabled  bool
	general  types.OrgGeneralSettings
	lease    types.VAppLeaseSettings
	tmpl     types.VAppTemplateLeaseSettings
	vdcs     []string
	oauth    *types.OrgOAuthSettings
	busy     *task
}

type vdc struct {
	id     string
	orgID  string
	status int // -1 creation failed, 0 not ready, 1 ready
	cfg    types.AdminVdc
	sps    []string // vdcProfile uuids
	busy   *task
	pvdcID string
	poolID string
}

type pvdc struct{ id, name string }

type pvdcProfile struct{ id, name, pvdcID string }

type netPool struct{ id, name, pvdcID string }

type vdcProfile struct {
	id, vdcID, pvdcSPID, name string
	limit                     int64
	isDefault, enabled        bool
}

// Start starts a simulator on a random loopback port with TLS.
func Start(opts Options) (*Server, error) {
	if opts.User == "" {
		opts.User = "admin"
	}
	if opts.Password == "" {
		opts.Password = "admin-password"
	}
	if opts.ProviderVDCs == nil {
		opts.ProviderVDCs = []ProviderVDCSeed{{Name: "pvdc-1", StorageProfiles: []string{"gold", "silver"}, NetworkPools: []string{"np-1"}}}
	}
	if opts.QueryPageSize <= 0 {
		opts.QueryPageSize = 25
	}
	s := &Server{
		Faults:    &fault.Injector{},
		Recorder:  record.For("vcd", opts.Record),
		opts:      opts,
		tokens:    map[string]bool{},
		orgs:      map[string]*org{},
		vdcs:      map[string]*vdc{},
		tasks:     map[string]*task{},
		vdcSPs:    map[string]*vdcProfile{},
		durations: map[string]time.Duration{"": opts.TaskDuration},
		failNext:  map[string][]string{},
	}
	for _, p := range opts.ProviderVDCs {
		pv := &pvdc{id: newUUID(), name: p.Name}
		s.pvdcs = append(s.pvdcs, pv)
		for _, sp := range p.StorageProfiles {
			s.pvdcSPs = append(s.pvdcSPs, &pvdcProfile{id: newUUID(), name: sp, pvdcID: pv.id})
		}
		for _, np := range p.NetworkPools {
			s.pools = append(s.pools, &netPool{id: newUUID(), name: np, pvdcID: pv.id})
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	s.oidcKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))

	s.ts = httptest.NewUnstartedServer(s.Faults.Wrap(s.Recorder.Wrap(http.HandlerFunc(s.serve))))
	s.ts.Config.ErrorLog = log.New(io.Discard, "", 0) // clients that distrust the certificate are expected in tests
	s.ts.StartTLS()
	s.URL = s.ts.URL
	s.CAPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.ts.Certificate().Raw}))
	return s, nil
}

// Close stops the server.
func (s *Server) Close() { s.ts.Close() }

// SetTaskDuration sets how long tasks of operation op (one of the Op
// constants; "" for the default of all operations) run before finishing.
// It applies to tasks started afterwards.
func (s *Server) SetTaskDuration(op string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.durations[op] = d
}

// FailNextTask makes the next task of operation op finish with status
// "error" and the given message.
func (s *Server) FailNextTask(op, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext[op] = append(s.failNext[op], message)
}

// Inventory lists every object the simulator holds: "org/<org>",
// "vdc/<org>/<vdc>", "vapp/<org>/<vdc>/<vapp>" and "oidc/<org>" (configured
// OpenID Connect settings).
func (s *Server) Inventory() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	var out []string
	for _, o := range s.orgs {
		out = append(out, "org/"+o.name)
		if o.oauth != nil {
			out = append(out, "oidc/"+o.name)
		}
		for _, id := range o.vdcs {
			out = append(out, "vdc/"+o.name+"/"+s.vdcs[id].cfg.Name)
		}
	}
	out = append(out, s.vappInventory()...)
	sort.Strings(out)
	return out
}

// DeleteOrg removes an organization and everything in it out of band.
func (s *Server) DeleteOrg(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orgByName(name)
	if o == nil {
		return false
	}
	s.removeOrg(o)
	return true
}

// DeleteVDC removes an org VDC out of band.
func (s *Server) DeleteVDC(orgName, vdcName string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orgByName(orgName)
	if o == nil {
		return false
	}
	for _, id := range o.vdcs {
		if s.vdcs[id].cfg.Name == vdcName {
			s.removeVDC(s.vdcs[id])
			return true
		}
	}
	return false
}

// DeleteOIDC clears an organization's OpenID Connect settings out of band.
func (s *Server) DeleteOIDC(orgName string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orgByName(orgName)
	if o == nil || o.oauth == nil {
		return false
	}
	o.oauth = nil
	return true
}

// SetOrgDescription changes an organization's description out of band
// (drift).
func (s *Server) SetOrgDescription(orgName, desc string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orgByName(orgName)
	if o == nil {
		return false
	}
	o.desc = desc
	return true
}

// OrgEnabled reports whether an organization is enabled, and whether it
// exists.
func (s *Server) OrgEnabled(orgName string) (enabled, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orgByName(orgName)
	if o == nil {
		return false, false
	}
	return o.enabled, true
}

// OIDCClientSecret returns the client secret stored for an organization
// (the API never returns it), so tests can check what was sent.
func (s *Server) OIDCClientSecret(orgName string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orgByName(orgName)
	if o == nil || o.oauth == nil {
		return "", false
	}
	return o.oauth.ClientSecret, true
}

func (s *Server) orgByName(name string) *org {
	for _, o := range s.orgs {
		if o.name == name {
			return o
		}
	}
	return nil
}

func (s *Server) removeOrg(o *org) {
	for _, id := range append([]string(nil), o.vdcs...) {
		s.removeVDC(s.vdcs[id])
	}
	delete(s.orgs, o.id)
}

func (s *Server) removeVDC(v *vdc) {
	s.removeVAppsOf(v.id)
	for _, sp := range v.sps {
		delete(s.vdcSPs, sp)
	}
	delete(s.vdcs, v.id)
	if o := s.orgs[v.orgID]; o != nil {
		for i, id := range o.vdcs {
			if id == v.id {
				o.vdcs = append(o.vdcs[:i], o.vdcs[i+1:]...)
				break
			}
		}
	}
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])
}

func newToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func urn(kind, id string) string { return "urn:vcloud:" + kind + ":" + id }

func uuidOf(s string) string {
	if i := strings.LastIndex(s, ":"); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.LastIndex(s, "/"); i >= 0 {
		s = s[i+1:]
	}
	return strings.ToLower(s)
}
