// Package zerto simulates a Zerto Virtual Manager (ZVM) appliance for tests
// and the trigger's dev mode: the endpoints tenantops uses, with Zerto's
// PascalCase JSON, asynchronous tasks, VPG status transitions and fault
// injection.
//
// Fidelity. Every /v1 endpoint follows Zerto's published API description
// for ZVM 10.0 U6 (reference/zerto-zvm-10.0u6-swagger.json, OpenAPI 3.0.1;
// operation ids below): request bodies are decoded against types that
// define exactly the description's properties, and a property it does not
// define is refused with 400 naming it; answers carry only described
// properties (an object's identifier is in its "Link", never a
// "VpgIdentifier"-style field the description lacks). internal/contract
// checks the traffic against the description.
//
//	POST   /auth/realms/zerto/protocol/openid-connect/token   getAuthToken (form; client_credentials or password grant; RFC 6749 answers: no-store, errors {error, error_description})
//	POST   /v1/session/add, DELETE /v1/session                 legacy Windows ZVM session login (not in the appliance description; Zerto's REST API guide "Using the vpgSettings API"): Basic auth, answer header x-zerto-session
//	GET    /v1/localsite                                       getLocalSiteAll
//	GET    /v1/peersites                                       getPeerAll
//	GET    /v1/virtualizationsites                             getVirtualizationSiteAll
//	GET    /v1/virtualizationsites/{site}/orgvdcs              getVirtualizationSiteOrgVdcAll
//	GET    …/orgvdcs/{id}/networks, …/orgvdcs/{id}/storagepolicies  getVirtualizationSiteOrgVdcNetworkAll, getVirtualizationSiteStoragePolicyAll
//	GET    /v1/virtualizationsites/{site}/vcdvapps             getVirtualizationSiteVmVcdVappAll ("the list of unprotected VCD vApps at the site")
//	GET    /v1/serviceprofiles, /v1/zorgs                      getServiceProfileAll, getZorgAll
//	GET    /v1/vpgSettings, POST /v1/vpgSettings               getVpgSettingAll, newVpgSetting (body {} or {"VpgIdentifier"} for an edit copy; answer: JSON string id)
//	GET/PUT/DELETE /v1/vpgSettings/{id}                        getVpgSetting, editVpgSetting, removeVpgSetting
//	GET/PUT /v1/vpgSettings/{id}/basic|journal|recovery|networks, GET/POST …/vms
//	POST   /v1/vpgSettings/{id}/commit                         startVpgSettingCommit (answer: task id "taskGuid.siteGuid"; the settings object is consumed)
//	GET    /v1/tasks, /v1/tasks/{id}                           getTaskAll, getTask (Status.State 1 InProgress, 4 Failed, 6 Completed; CompleteReason)
//	GET    /v1/vpgs?name=, /v1/vpgs/{id}                       getVpgAll, getVpg (Status 0 Initializing, 1 MeetingSLA, 7 Deleting; SubStatus 2 Creating, 1 InitialSync)
//	DELETE /v1/vpgs/{id}                                       startVpgDelete (body VpgDeleteDataApi {KeepRecoveryVolumes, Force}; answer: task id)
//
// The Cloud Director world. A VPG for Cloud Director protects vApps
// (VpgSettingsVcdProtectedApi.vcdVappIdentifier) and their VMs
// (VpgSettingsApi.vms, each with the recovery org VDC's storage policy)
// into a recovery org VDC. The ZVM reads the protected site's vApps from
// Cloud Director; here Options.VApps links the simulator to the Cloud
// Director simulator of the same process. As Zerto documents for vApps
// (ZVM Administration Guide, "Moving a Virtual Machine To or From a
// Protected vApp"), a VM placed in the protected vApp later joins the VPG
// with the vApp's defaults, a VM that leaves it is no longer protected, and
// a VPG left without any VM is removed.
//
// Where the description is silent the simulator chooses: /v1 errors are
// {"Message": "..."} with a 4xx/5xx status (the legacy REST API reference's
// shape; the appliance description documents no /v1 error); settings are
// validated at commit and an invalid one fails the commit task with
// CompleteReason (unknown site, org VDC, network, storage policy, vApp, VM,
// service profile or ZORG; a vApp or VM another VPG protects; no VM to
// protect; RPO outside 60–43200 s; journal history outside 1–720 h; a
// recovery org VDC without free storage). Tokens and sessions expire
// (TokenTTL) and are then answered with 401.
package zerto

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
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
	FullVdc         = "dr-vdc-full"
	FailoverNetwork = "dr-net"
	TestNetwork     = "dr-test-net"
	// StoragePolicy is the enabled storage policy of the recovery org VDCs;
	// DisabledStoragePolicy exists but may not be used.
	StoragePolicy         = "gold"
	DisabledStoragePolicy = "archive"
	// ProtectedVdc and ProtectedNetwork are a protected-site org VDC and
	// its network, usable in network mappings.
	ProtectedVdc       = "vdc-main"
	ProtectedNetwork   = "lan"
	ServiceProfileName = "Gold"
	ZorgName           = "tenantops-zorg"
	SiteType           = "VCD"
)

// VApp is a Cloud Director vApp at the protected site, as the ZVM sees it.
type VApp struct {
	ID   string // URN, urn:vcloud:vapp:<uuid>
	Name string
	VMs  []VMRef
}

// VMRef is a VM of a vApp; ID is the identifier the ZVM knows it by (the
// Cloud Director URN, urn:vcloud:vm:<uuid>).
type VMRef struct{ ID, Name string }

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
	// VApps lists the vApps of the Cloud Director at the protected site,
	// with their VMs; it is called on every request that needs them (the
	// Cloud Director simulator's VApps, adapted). Nil: one seeded vApp
	// "app-1" with one VM, for tests of the ZVM alone.
	VApps func() []VApp
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

	mu          sync.Mutex
	local       site
	peers       []*site
	seededVApps []VApp
	keptVolumes []string // recovery volumes of VPGs deleted with KeepRecoveryVolumes
	profiles    []idName
	zorgs       []idName
	settings    map[string]*settingsObj
	vpgs        map[string]*vpg
	tasks       map[string]*task
	taskOrder   []string
	tokens      map[string]time.Time
	sessions    map[string]time.Time
	logins      int
	sessLogin   int
}

type idName struct{ ID, Name string }

type site struct {
	ID, Name string
	Vdcs     []*orgVdc
}

type orgVdc struct {
	ID, Name    string
	Networks    []idName
	Policies    []policy
	StorageFull bool
}

type policy struct {
	ID, Name string
	Enabled  bool
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
		Vdcs: []*orgVdc{{ID: "urn:vcloud:vdc:" + newUUID(), Name: ProtectedVdc, Networks: []idName{{newID(), ProtectedNetwork}}}}}
	s.seededVApps = []VApp{{ID: "urn:vcloud:vapp:" + newUUID(), Name: "app-1",
		VMs: []VMRef{{ID: "urn:vcloud:vm:" + newUUID(), Name: "app-1-vm1"}}}}
	recovery := func(name string, full bool) *orgVdc {
		return &orgVdc{ID: "urn:vcloud:vdc:" + newUUID(), Name: name, StorageFull: full,
			Networks: []idName{{newID(), FailoverNetwork}, {newID(), TestNetwork}},
			Policies: []policy{{newUUID(), StoragePolicy, true}, {newUUID(), DisabledStoragePolicy, false}}}
	}
	s.peers = []*site{{ID: newID(), Name: RecoverySiteName, Vdcs: []*orgVdc{recovery(RecoveryVdc, false), recovery(FullVdc, true)}}}
	s.profiles = []idName{{newID(), ServiceProfileName}}
	s.zorgs = []idName{{newID(), ZorgName}}
}

// vapps returns the protected site's vApps. Callers hold s.mu.
func (s *Server) vapps() []VApp {
	if s.opts.VApps != nil {
		return s.opts.VApps()
	}
	return s.seededVApps
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

func (v *orgVdc) policy(id string) *policy {
	for i := range v.Policies {
		if v.Policies[i].ID == id {
			return &v.Policies[i]
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
