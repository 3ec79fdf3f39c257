package vcd

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vmware/go-vcloud-director/v2/types/v56"
)

// composeVApp creates an empty vApp (ComposeVAppParams without items): 201
// with the new vApp, whose Tasks hold the compose task.
func (s *Server) composeVApp(w http.ResponseWriter, r *http.Request, vdcID string) {
	v := s.vdcs[vdcID]
	if v == nil {
		forbidden(w, "VDC", urn("vdc", vdcID))
		return
	}
	var in types.ComposeVAppParams
	if !decodeXML(w, r, types.MimeComposeVappParams, &in) {
		return
	}
	if strings.TrimSpace(in.Name) == "" {
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "The vApp name is required.")
		return
	}
	for _, a := range s.sortedVApps(vdcID) {
		if a.name == in.Name {
			xmlError(w, http.StatusBadRequest, "DUPLICATE_NAME", "The VMware Cloud Director entity %s already exists.", in.Name)
			return
		}
	}
	if s.vapps == nil {
		s.vapps = map[string]*vapp{}
	}
	a := &vapp{id: newUUID(), vdcID: vdcID, name: in.Name, desc: in.Description, created: time.Now(), status: statusUnresolved}
	s.vapps[a.id] = a
	a.composeTask = s.startTask(OpVAppCompose, "vdcComposeVapp", s.vappRef(a), v.orgID, func(ok bool) {
		if ok {
			a.status = statusResolved
		} else {
			delete(s.vapps, a.id)
		}
	})
	writeXML(w, http.StatusCreated, types.MimeVApp, "VApp", types.XMLNamespaceVCloud, s.renderVApp(a))
}

// recomposeParams is RecomposeVAppParams with what tenantops sends: a new
// name and description, and at most one VM to create without a template.
type recomposeParams struct {
	XMLName     xml.Name `xml:"RecomposeVAppParams"`
	Name        string   `xml:"name,attr"`
	PowerOn     bool     `xml:"powerOn,attr"`
	Description *string  `xml:"Description"`
	CreateItem  *struct {
		Name          string `xml:"name,attr"`
		Description   string `xml:"Description"`
		VmSpecSection *struct {
			OsType           string `xml:"OsType"`
			NumCpus          *int   `xml:"NumCpus"`
			MemoryResourceMb *struct {
				Configured int64 `xml:"Configured"`
			} `xml:"MemoryResourceMb"`
			DiskSection *struct {
				DiskSettings []struct {
					SizeMb int64 `xml:"SizeMb"`
				} `xml:"DiskSettings"`
			} `xml:"DiskSection"`
			HardwareVersion *struct {
				Value string `xml:",chardata"`
			} `xml:"HardwareVersion"`
		} `xml:"VmSpecSection"`
	} `xml:"CreateItem"`
}

func (s *Server) recomposeVApp(w http.ResponseWriter, r *http.Request, id string) {
	a := s.vapps[id]
	if a == nil {
		forbidden(w, "vApp", urn("vapp", id))
		return
	}
	var in recomposeParams
	if !decodeXML(w, r, types.MimeRecomposeVappParams, &in) {
		return
	}
	if t := a.runningTask(); t != nil {
		busy(w, "vApp", a.name, urn("vapp", a.id), t)
		return
	}
	vm, msg := newVAppVM(a, in)
	if msg != "" {
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "%s", msg)
		return
	}
	name, desc := in.Name, in.Description
	a.busy = s.startTask(OpVAppRecompose, "vdcRecomposeVapp", s.vappRef(a), s.vdcs[a.vdcID].orgID, func(ok bool) {
		if !ok {
			return
		}
		if name != "" {
			a.name = name
		}
		if desc != nil {
			a.desc = *desc
		}
		if vm != nil {
			a.vms = append(a.vms, vm)
			a.status = statusPoweredOff
			if vm.status == statusPoweredOn {
				a.status, a.deployed = statusPoweredOn, true
			}
		}
	})
	writeXML(w, http.StatusAccepted, types.MimeTask, "Task", types.XMLNamespaceVCloud, s.renderTask(a.busy))
}

// newVAppVM checks a recompose's CreateItem as Cloud Director does (the
// checks go-vcloud-director's validateEmptyVmParams mirrors) and builds
// the VM; nil when there is none.
func newVAppVM(a *vapp, in recomposeParams) (*vappVM, string) {
	ci := in.CreateItem
	if ci == nil {
		return nil, ""
	}
	switch {
	case strings.TrimSpace(ci.Name) == "":
		return nil, "The VM name is required."
	case ci.VmSpecSection == nil:
		return nil, "A VM created without a template needs a VmSpecSection."
	case ci.VmSpecSection.HardwareVersion == nil || ci.VmSpecSection.HardwareVersion.Value == "":
		return nil, "The VM's hardware version is required."
	case ci.VmSpecSection.MemoryResourceMb == nil || ci.VmSpecSection.MemoryResourceMb.Configured <= 0:
		return nil, "The VM's memory must be more than 0 MB."
	}
	for _, vm := range a.vms {
		if vm.name == ci.Name {
			return nil, "A VM named " + strconv.Quote(ci.Name) + " already exists in vApp " + strconv.Quote(a.name) + "."
		}
	}
	spec := ci.VmSpecSection
	vm := &vappVM{id: newUUID(), name: ci.Name, desc: ci.Description, osType: spec.OsType, hwVersion: spec.HardwareVersion.Value,
		cpus: 1, memMB: spec.MemoryResourceMb.Configured, status: statusPoweredOff, created: time.Now()}
	if spec.NumCpus != nil {
		vm.cpus = *spec.NumCpus
	}
	if spec.DiskSection != nil {
		for _, d := range spec.DiskSection.DiskSettings {
			vm.diskMB += d.SizeMb
		}
	}
	if in.PowerOn {
		vm.status = statusPoweredOn
	}
	return vm, ""
}

func (s *Server) undeployVApp(w http.ResponseWriter, r *http.Request, id string) {
	a := s.vapps[id]
	if a == nil {
		forbidden(w, "vApp", urn("vapp", id))
		return
	}
	var in types.UndeployVAppParams
	if !decodeXML(w, r, types.MimeUndeployVappParams, &in) {
		return
	}
	if t := a.runningTask(); t != nil {
		busy(w, "vApp", a.name, urn("vapp", a.id), t)
		return
	}
	if !a.deployed {
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST", "The requested operation could not be executed since vApp %q is not running.", a.name)
		return
	}
	a.busy = s.startTask(OpVAppUndeploy, "vappUndeployPowerOff", s.vappRef(a), s.vdcs[a.vdcID].orgID, func(ok bool) {
		if ok {
			a.deployed, a.status = false, statusPoweredOff
			for _, vm := range a.vms {
				vm.status = statusPoweredOff
			}
		}
	})
	writeXML(w, http.StatusAccepted, types.MimeTask, "Task", types.XMLNamespaceVCloud, s.renderTask(a.busy))
}

func (s *Server) deleteVApp(w http.ResponseWriter, _ *http.Request, id string) {
	a := s.vapps[id]
	if a == nil {
		forbidden(w, "vApp", urn("vapp", id))
		return
	}
	if t := a.runningTask(); t != nil {
		busy(w, "vApp", a.name, urn("vapp", a.id), t)
		return
	}
	if a.deployed {
		xmlError(w, http.StatusBadRequest, "BAD_REQUEST",
			"The requested operation could not be executed on vApp %q. Stop the vApp and try again.", a.name)
		return
	}
	a.busy = s.startTask(OpVAppDelete, "vdcDeleteVapp", s.vappRef(a), s.vdcs[a.vdcID].orgID, func(ok bool) {
		if ok {
			delete(s.vapps, a.id)
		}
	})
	writeXML(w, http.StatusAccepted, types.MimeTask, "Task", types.XMLNamespaceVCloud, s.renderTask(a.busy))
}
