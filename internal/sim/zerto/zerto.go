// Package zerto simulates a Zerto Virtual Manager (ZVM) for tests and the
// trigger's dev mode: the endpoints tenantops uses, with Zerto's PascalCase
// JSON, asynchronous tasks, VPG status transitions and fault injection.
//
// Fidelity. Every endpoint follows Zerto's published API description for
// ZVM 10.0 U6 ("ZVM REST API", OpenAPI file
// reference/zerto-zvm-10.0u6-swagger.json; operation ids below) and the
// "Zerto REST API Reference Guide" for ZVM 10.0:
//
//	POST   /auth/realms/zerto/protocol/openid-connect/token   getAuthToken (form; client_credentials or password grant; errors {error, error_description})
//	POST   /v1/session/add, DELETE /v1/session                 legacy Windows ZVM session login (Reference Guide "Sessions"; not in the appliance description): Basic auth, answer header x-zerto-session
//	GET    /v1/localsite                                       getLocalSiteAll
//	GET    /v1/peersites                                       getPeerAll
//	GET    /v1/virtualizationsites                             getVirtualizationSiteAll
//	GET    /v1/virtualizationsites/{site}/orgvdcs              getVirtualizationSiteOrgVdcAll
//	GET    /v1/virtualizationsites/{site}/orgvdcs/{id}/networks getVirtualizationSiteOrgVdcNetworkAll
//	GET    /v1/virtualizationsites/{site}/vcdvapps             getVirtualizationSiteVmVcdVappAll
//	GET    /v1/serviceprofiles                                 getServiceProfileAll
//	GET    /v1/zorgs                                           getZorgAll
//	GET    /v1/vpgSettings, POST /v1/vpgSettings               getVpgSettingAll, newVpgSetting (body {} or {"VpgIdentifier"} for an edit copy; answer: JSON string id)
//	GET/PUT/DELETE /v1/vpgSettings/{id}                        getVpgSetting, editVpgSetting, removeVpgSetting
//	GET/PUT /v1/vpgSettings/{id}/basic|journal|recovery|networks  getVpgSettingBasic/editVpgSettingBasic, …Journal, …Recovery, getVpgSettingLtrNetworkAll/editVpgSettingLtrNetwork
//	POST   /v1/vpgSettings/{id}/vms                            newVpgSettingVm (GET …/vms: getVpgSettingVmAll)
//	POST   /v1/vpgSettings/{id}/commit                         startVpgSettingCommit (answer: task id "taskGuid.siteGuid"; the settings object is consumed)
//	GET    /v1/tasks, /v1/tasks/{id}                           getTaskAll, getTask (Status.State 1 InProgress, 4 Failed, 6 Completed; CompleteReason)
//	GET    /v1/vpgs?name=, /v1/vpgs/{id}                       getVpgAll, getVpg (Status 0 Initializing, 1 MeetingSLA, 7 Deleting; SubStatus 2 Creating, 1 InitialSync)
//	DELETE /v1/vpgs/{id}                                       startVpgDelete (body VpgDeleteDataApi {KeepRecoveryVolumes, Force}; answer: task id)
//
// Where the description is silent the simulator chooses: /v1 errors are
// {"Message": "..."} with a 4xx/5xx status (the description specifies no
// /v1 error body); settings are validated at commit and an invalid one fails the
// commit task with CompleteReason (unknown site, org VDC, network, service
// profile or ZORG; RPO outside 60–43200 s; journal history outside 1–720 h;
// a recovery org VDC without free storage); the protected Cloud Director org
// VDC travels in Protected.VCD.OrgVdcIdentifier next to the documented
// VcdVappIdentifier. Tokens and sessions expire (TokenTTL) and are then
// answered with 401.
package zerto

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"time"

	"github.com/tenantops/tenantops/internal/sim/fault"
	"github.com/tenantops/tenantops/internal/sim/record"
)

// Seed names.
const (
	LocalSiteName    = "site-protected"
	RecoverySiteName = "site-recovery"
	RecoveryVdc      = "dr-vdc-1"
	// FullVdc is a recovery org VDC whose storage is exhausted: commits that
	// recover into it fail, as a real ZVM's do when volumes cannot be created.
	FullVdc            = "dr-vdc-full"
	FailoverNetwork    = "dr-net"
	TestNetwork        = "dr-test-net"
	ServiceProfileName = "Gold"
	ZorgName           = "tenantops-zorg"
	SiteType           = "VCD"
)

// Options configures a simulator; zero values get the defaults in brackets.
type Options struct {
	ClientID     string // ["tenantops"]
	ClientSecret string // ["zerto-secret"]
	Username     string // legacy session user ["admin"]
	Password     string // ["zerto-password"]
	// TokenTTL is the lifetime of tokens and sessions [5m].
	TokenTTL time.Duration
	// TaskDuration is how long commit and delete tasks run [200ms].
	TaskDuration time.Duration
	// InitialSync is how long a new VPG stays Initializing after its commit
	// task completed [500ms].
	InitialSync time.Duration
	// Record keeps every exchange the simulator serves in Server.Recorder
	// (it also records when record.Enable was called).
	Record bool
}

// Server is a running ZVM simulator.
type Server struct {
	URL    string
	CAPEM  string
	Faults *fault.Injector
	// Recorder holds the served exchanges when recording is on (else nil).
	Recorder *record.Recorder

	opts Options
	ts   *httptest.Server

	mu        sync.Mutex
	local     site
	peers     []*site
	profiles  []idName
	zorgs     []idName
	settings  map[string]*settingsObj
	vpgs      map[string]*vpg
	tasks     map[string]*task
	taskOrder []string
	tokens    map[string]time.Time
	sessions  map[string]time.Time
	logins    int
	sessLogin int
}

type idName struct{ ID, Name string }

type site struct {
	ID, Name string
	Vdcs     []*orgVdc
	Vapps    []idName
}

type orgVdc struct {
	ID, Name    string
	Networks    []idName
	StorageFull bool
}

type settingsObj struct {
	created time.Time
	s       Settings
}

type vpg struct {
	id        string
	s         Settings
	created   time.Time
	ready     bool      // commit task completed
	syncUntil time.Time // end of initial sync once ready
	syncDur   time.Duration
	deleting  bool
}

type task struct {
	id, typ   string
	started   time.Time
	duration  time.Duration
	failWith  string
	vpgID     string
	done      bool
	state     int
	completed time.Time
	onDone    func(now time.Time)
}

// Start launches a simulator on 127.0.0.1 with a fresh seed.
func Start(opts Options) (*Server, error) {
	if opts.ClientID == "" {
		opts.ClientID = "tenantops"
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = "zerto-secret"
	}
	if opts.Username == "" {
		opts.Username = "admin"
	}
	if opts.Password == "" {
		opts.Password = "zerto-password"
	}
	if opts.TokenTTL == 0 {
		opts.TokenTTL = 5 * time.Minute
	}
	if opts.TaskDuration == 0 {
		opts.TaskDuration = 200 * time.Millisecond
	}
	if opts.InitialSync == 0 {
		opts.InitialSync = 500 * time.Millisecond
	}
	s := &Server{
		Faults:   &fault.Injector{},
		Recorder: record.For("zerto", opts.Record),
		opts:     opts,
		settings: map[string]*settingsObj{},
		vpgs:     map[string]*vpg{},
		tasks:    map[string]*task{},
		tokens:   map[string]time.Time{},
		sessions: map[string]time.Time{},
	}
	s.seed()
	s.ts = httptest.NewUnstartedServer(s.Faults.Wrap(s.Recorder.Wrap(s.routes())))
	s.ts.StartTLS()
	s.URL = s.ts.URL
	s.CAPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.ts.Certificate().Raw}))
	return s, nil
}

// Close stops the server.
func (s *Server) Close() { s.ts.Close() }

// Options returns the effective options, credentials included.
func (s *Server) Options() Options { return s.opts }

func (s *Server) seed() {
	s.local = site{ID: newID(), Name: LocalSiteName,
		Vdcs:  []*orgVdc{{ID: "urn:vcloud:vdc:" + newUUID(), Name: "vdc-main", Networks: []idName{{newID(), "lan"}}}},
		Vapps: []idName{{"urn:vcloud:vapp:" + newUUID(), "app-1"}}}
	net := func() []idName { return []idName{{newID(), FailoverNetwork}, {newID(), TestNetwork}} }
	s.peers = []*site{{ID: newID(), Name: RecoverySiteName, Vdcs: []*orgVdc{
		{ID: "urn:vcloud:vdc:" + newUUID(), Name: RecoveryVdc, Networks: net()},
		{ID: "urn:vcloud:vdc:" + newUUID(), Name: FullVdc, Networks: net(), StorageFull: true},
	}}}
	s.profiles = []idName{{newID(), ServiceProfileName}}
	s.zorgs = []idName{{newID(), ZorgName}}
}

// ---- accessors for tests ----

// Inventory lists every VPG ("vpg/<name>") and every open settings object
// ("vpgSettings/<id>") the simulator holds, sorted.
func (s *Server) Inventory() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(time.Now())
	var out []string
	for _, v := range s.vpgs {
		out = append(out, "vpg/"+v.s.Basic.Name)
	}
	for id := range s.settings {
		out = append(out, "vpgSettings/"+id)
	}
	sort.Strings(out)
	return out
}

// VpgInfo is what tests read about a VPG.
type VpgInfo struct {
	ID                    string
	Name                  string
	Status                string
	RpoInSeconds          int64
	JournalHistoryInHours int64
	Priority              string
	SourceVdc             string
	RecoveryOrgVdc        string // name
}

// Vpg returns the VPG called name.
func (s *Server) Vpg(name string) (VpgInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	s.advance(now)
	for _, v := range s.vpgs {
		if v.s.Basic.Name == name {
			st, _ := v.status(now)
			src := ""
			if v.s.Protected != nil && v.s.Protected.VCD != nil {
				src = v.s.Protected.VCD.OrgVdcIdentifier
			}
			info := VpgInfo{ID: v.id, Name: name, Status: statusNames[st], RpoInSeconds: v.s.Basic.RpoInSeconds,
				JournalHistoryInHours: v.s.Basic.JournalHistoryInHours, Priority: v.s.Basic.Priority, SourceVdc: src}
			if rs := s.siteByID(v.s.Basic.RecoverySiteIdentifier); rs != nil && v.s.Recovery != nil && v.s.Recovery.VCD != nil {
				if vdc := rs.vdc(v.s.Recovery.VCD.OrgVdcIdentifier); vdc != nil {
					info.RecoveryOrgVdc = vdc.Name
				}
			}
			return info, true
		}
	}
	return VpgInfo{}, false
}

// DeleteVpg removes the VPG called name out of band (as an operator in the
// Zerto UI would) and reports whether it existed.
func (s *Server) DeleteVpg(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, v := range s.vpgs {
		if v.s.Basic.Name == name {
			delete(s.vpgs, id)
			return true
		}
	}
	return false
}

// SetTaskDuration changes how long tasks started from now on run.
func (s *Server) SetTaskDuration(d time.Duration) {
	s.mu.Lock()
	s.opts.TaskDuration = d
	s.mu.Unlock()
}

// SetInitialSync changes the initial-sync time of VPGs committed from now on.
func (s *Server) SetInitialSync(d time.Duration) {
	s.mu.Lock()
	s.opts.InitialSync = d
	s.mu.Unlock()
}

// ExpireLogins invalidates every token and session, as a ZVM restart would.
func (s *Server) ExpireLogins() {
	s.mu.Lock()
	s.tokens = map[string]time.Time{}
	s.sessions = map[string]time.Time{}
	s.mu.Unlock()
}

// Logins counts successful logins of both kinds.
func (s *Server) Logins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins
}

// SessionLogins counts successful legacy logins (POST /v1/session/add).
func (s *Server) SessionLogins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessLogin
}

// RecoveryVdcID returns the identifier of a seeded recovery org VDC.
func (s *Server) RecoveryVdcID(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.peers[0].Vdcs {
		if v.Name == name {
			return v.ID
		}
	}
	return ""
}

// ---- helpers ----

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// zertoError answers with the {"Message": ...} body a ZVM sends.
func zertoError(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, map[string]string{"Message": fmt.Sprintf(format, args...)})
}

func (s *Server) siteByID(id string) *site {
	if s.local.ID == id {
		return &s.local
	}
	for _, p := range s.peers {
		if p.ID == id {
			return p
		}
	}
	return nil
}

func (st *site) vdc(id string) *orgVdc {
	for _, v := range st.Vdcs {
		if v.ID == id {
			return v
		}
	}
	return nil
}

func hasID(xs []idName, id string) bool {
	for _, x := range xs {
		if x.ID == id {
			return true
		}
	}
	return false
}

func nameOf(xs []idName, id string) string {
	for _, x := range xs {
		if x.ID == id {
			return x.Name
		}
	}
	return ""
}
