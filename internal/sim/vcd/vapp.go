package vcd

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/vmware/go-vcloud-director/v2/types/v56"
)

// vApps: the containers tenants place their VMs in, with the endpoints
// go-vcloud-director v2.26.1 calls for them:
//
//	POST   /api/vdc/{id}/action/composeVApp        Vdc.CreateRawVApp: 201 VApp carrying its Tasks (composeVAppParams)
//	GET    /api/vApp/vapp-{id}                     VApp.Refresh, Vdc.GetVAppByHref/GetVAppById (via the Vdc's ResourceEntities)
//	POST   /api/vApp/vapp-{id}/action/recomposeVApp VApp.AddEmptyVm (a CreateItem), VApp.UpdateNameDescription (name, Description): 202 Task
//	POST   /api/vApp/vapp-{id}/action/undeploy     VApp.Undeploy: 202 Task, the vApp's VMs power off
//	DELETE /api/vApp/vapp-{id}                     VApp.Delete: 202 Task; a running vApp is refused with
//	                                               "The requested operation could not be executed on vApp ... Stop the vApp
//	                                               and try again." (terraform-provider-vcd#706), so clients undeploy first
//	GET    /api/vApp/vm-{id}                       the VM a recompose created (getVMByHrefV10), or a VM's parent vApp
//
// XML is built from go-vcloud-director's types in the element order of
// VMware's XSD (vApp.xsd: Link first, then Description, Tasks, DateCreated,
// Children). A vApp or VM that does not exist is answered 403
// ACCESS_TO_RESOURCE_IS_FORBIDDEN, as Cloud Director answers for entities
// it does not know.

// Task operation names of the vApp endpoints (SetTaskDuration, FailNextTask).
const (
	OpVAppCompose   = "vapp-compose"
	OpVAppRecompose = "vapp-recompose"
	OpVAppUndeploy  = "vapp-undeploy"
	OpVAppDelete    = "vapp-delete"
)

// Cloud Director's status codes of vApps and VMs (ResourceEntityType status).
const (
	statusUnresolved = 0
	statusResolved   = 1
	statusPoweredOn  = 4
	statusPoweredOff = 8
)

type vapp struct {
	id, vdcID   string
	name, desc  string
	created     time.Time
	status      int
	deployed    bool
	vms         []*vappVM
	busy        *task
	composeTask *task
}

type vappVM struct {
	id, name, desc    string
	osType, hwVersion string
	cpus              int
	memMB, diskMB     int64
	status            int
	created           time.Time
}

// runningTask returns the vApp's task still running, or nil.
func (a *vapp) runningTask() *task {
	for _, t := range []*task{a.composeTask, a.busy} {
		if t.running() {
			return t
		}
	}
	return nil
}

// The vApp routes join the simulator's router table.
func init() {
	routes = append(routes,
		route{"POST", regexp.MustCompile(`^/api/vdc/` + uuidRe + `/action/composeVApp$`), (*Server).composeVApp},
		route{"GET", regexp.MustCompile(`^/api/vApp/vapp-` + uuidRe + `$`), (*Server).getVApp},
		route{"DELETE", regexp.MustCompile(`^/api/vApp/vapp-` + uuidRe + `$`), (*Server).deleteVApp},
		route{"POST", regexp.MustCompile(`^/api/vApp/vapp-` + uuidRe + `/action/recomposeVApp$`), (*Server).recomposeVApp},
		route{"POST", regexp.MustCompile(`^/api/vApp/vapp-` + uuidRe + `/action/undeploy$`), (*Server).undeployVApp},
		route{"GET", regexp.MustCompile(`^/api/vApp/vm-` + uuidRe + `$`), (*Server).getVM},
	)
}

// VAppInfo is a vApp as other simulators and tests see it.
type VAppInfo struct {
	ID      string // URN
	Name    string
	Org     string
	VDC     string // name
	VDCID   string // URN
	Running bool
	VMs     []VMInfo
}

// VMInfo is a VM of a vApp.
type VMInfo struct {
	ID   string // URN
	Name string
}

// VApps lists every vApp with its VMs, sorted by name. A Zerto simulator
// in the same process reads the protected site's vApps through it.
func (s *Server) VApps() []VAppInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	var out []VAppInfo
	for _, a := range s.vapps {
		if a.status == statusUnresolved {
			continue
		}
		v := s.vdcs[a.vdcID]
		info := VAppInfo{ID: urn("vapp", a.id), Name: a.name, VDCID: urn("vdc", a.vdcID), Running: a.deployed}
		if v != nil {
			info.VDC = v.cfg.Name
			if o := s.orgs[v.orgID]; o != nil {
				info.Org = o.name
			}
		}
		for _, vm := range a.vms {
			info.VMs = append(info.VMs, VMInfo{ID: urn("vm", vm.id), Name: vm.name})
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// AddVM places a powered-off VM in the vApp vappID out of band, as a
// tenant deploying a workload in the portal would, and returns its URN.
func (s *Server) AddVM(vappID, name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.vapps[uuidOf(vappID)]
	if a == nil {
		return "", false
	}
	vm := &vappVM{id: newUUID(), name: name, osType: "otherLinux64Guest", hwVersion: "vmx-19", cpus: 1, memMB: 1024,
		status: statusPoweredOff, created: time.Now()}
	a.vms = append(a.vms, vm)
	if a.status == statusResolved {
		a.status = statusPoweredOff
	}
	return urn("vm", vm.id), true
}

// DeleteVApp removes a vApp and its VMs out of band.
func (s *Server) DeleteVApp(vappID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.vapps[uuidOf(vappID)] == nil {
		return false
	}
	delete(s.vapps, uuidOf(vappID))
	return true
}

// vappInventory lists "vapp/<org>/<vdc>/<vapp>" for Inventory. Callers hold s.mu.
func (s *Server) vappInventory() []string {
	var out []string
	for _, a := range s.vapps {
		v := s.vdcs[a.vdcID]
		if v == nil {
			continue
		}
		org := ""
		if o := s.orgs[v.orgID]; o != nil {
			org = o.name
		}
		out = append(out, "vapp/"+org+"/"+v.cfg.Name+"/"+a.name)
	}
	return out
}

// vappEntities are the Vdc's ResourceEntities: its vApps. Callers hold s.mu.
func (s *Server) vappEntities(vdcID string) []*types.ResourceEntities {
	var refs []*types.ResourceReference
	for _, a := range s.sortedVApps(vdcID) {
		refs = append(refs, &types.ResourceReference{HREF: s.vappHref(a), ID: urn("vapp", a.id), Type: types.MimeVApp, Name: a.name})
	}
	if len(refs) == 0 {
		return nil
	}
	return []*types.ResourceEntities{{ResourceEntity: refs}}
}

// removeVAppsOf drops the vApps of a VDC that is removed (a recursive
// delete takes them with it). Callers hold s.mu.
func (s *Server) removeVAppsOf(vdcID string) {
	for id, a := range s.vapps {
		if a.vdcID == vdcID {
			delete(s.vapps, id)
		}
	}
}

func (s *Server) sortedVApps(vdcID string) []*vapp {
	var out []*vapp
	for _, a := range s.vapps {
		if a.vdcID == vdcID {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func (s *Server) vappHref(a *vapp) string  { return s.URL + "/api/vApp/vapp-" + a.id }
func (s *Server) vmHref(vm *vappVM) string { return s.URL + "/api/vApp/vm-" + vm.id }

func (s *Server) vappRef(a *vapp) types.Reference {
	return types.Reference{HREF: s.vappHref(a), ID: urn("vapp", a.id), Type: types.MimeVApp, Name: a.name}
}

// forbidden is Cloud Director's answer for an entity it does not know.
func forbidden(w http.ResponseWriter, kind, id string) {
	xmlError(w, http.StatusForbidden, "ACCESS_TO_RESOURCE_IS_FORBIDDEN",
		"Either you need some or all of the following rights [%s_VIEW] to perform operations on %s or the target entity is invalid.",
		strings.ToUpper(kind), id)
}

func (s *Server) renderVApp(a *vapp) *types.VApp {
	href := s.vappHref(a)
	out := &types.VApp{HREF: href, Type: types.MimeVApp, ID: urn("vapp", a.id), Name: a.name, Status: a.status,
		Deployed: a.deployed, Description: a.desc, DateCreated: rfc3339(a.created)}
	out.Link = types.LinkList{
		{Rel: "up", Type: types.MimeVDC, HREF: s.URL + "/api/vdc/" + a.vdcID},
		{Rel: "recompose", Type: types.MimeRecomposeVappParams, HREF: href + "/action/recomposeVApp"},
	}
	if a.deployed {
		out.Link = append(out.Link, &types.Link{Rel: "undeploy", Type: types.MimeUndeployVappParams, HREF: href + "/action/undeploy"})
	} else {
		out.Link = append(out.Link, &types.Link{Rel: "remove", HREF: href})
	}
	var tasks []*types.Task
	for _, t := range []*task{a.composeTask, a.busy} {
		if t.running() {
			tasks = append(tasks, s.renderTask(t))
		}
	}
	if len(tasks) > 0 {
		out.Tasks = &types.TasksInProgress{Task: tasks}
	}
	if len(a.vms) > 0 {
		out.Children = &types.VAppChildren{}
		for _, vm := range a.vms {
			out.Children.VM = append(out.Children.VM, s.renderVM(a, vm))
		}
	}
	return out
}

func (s *Server) renderVM(a *vapp, vm *vappVM) *types.Vm {
	return &types.Vm{HREF: s.vmHref(vm), Type: types.MimeVM, ID: urn("vm", vm.id), Name: vm.name, Status: vm.status,
		Deployed: vm.status == statusPoweredOn, Description: vm.desc, DateCreated: rfc3339(vm.created),
		Link:              types.LinkList{{Rel: "up", Type: types.MimeVApp, HREF: s.vappHref(a)}},
		VAppScopedLocalID: vm.name}
}

func (s *Server) getVApp(w http.ResponseWriter, _ *http.Request, id string) {
	a := s.vapps[id]
	if a == nil {
		forbidden(w, "vApp", urn("vapp", id))
		return
	}
	writeXML(w, http.StatusOK, types.MimeVApp, "VApp", types.XMLNamespaceVCloud, s.renderVApp(a))
}

func (s *Server) getVM(w http.ResponseWriter, _ *http.Request, id string) {
	for _, a := range s.vapps {
		for _, vm := range a.vms {
			if vm.id == id {
				v := s.renderVM(a, vm)
				v.Xmlns = types.XMLNamespaceVCloud
				writeXML(w, http.StatusOK, types.MimeVM, "Vm", "", v)
				return
			}
		}
	}
	forbidden(w, "VM", urn("vm", id))
}
