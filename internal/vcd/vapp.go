package vcd

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/vmware/go-vcloud-director/v2/govcd"
	"github.com/vmware/go-vcloud-director/v2/types/v56"
)

// VApp is a vApp: the container a tenant's VMs live in, and what Zerto
// protects.
type VApp struct {
	ID          string // URN, urn:vcloud:vapp:<uuid>
	Name        string
	Description string
	VDCID       string // URN of the org VDC
	// Running is true while the vApp is deployed (some VM powered on).
	Running bool
	VMs     []VM
}

// VM is a VM of a vApp.
type VM struct {
	ID   string // URN, urn:vcloud:vm:<uuid>
	Name string
}

// NewVM is a VM created without a template (go-vcloud-director's
// AddEmptyVm): no guest OS yet, one disk.
type NewVM struct {
	Name     string
	CPUs     int
	MemoryMB int64
	DiskMB   int64
	OSType   string // vSphere guest OS identifier, e.g. otherLinux64Guest
	// HardwareVersion is the vSphere virtual hardware version, e.g. vmx-19.
	HardwareVersion string
	PowerOn         bool
}

// vdc returns the org VDC as go-vcloud-director's Vdc, freshly read.
func (c *Client) vdc(cli *govcd.VCDClient, vdcID string) (*govcd.Vdc, error) {
	v := govcd.NewVdc(&cli.Client)
	v.Vdc.HREF = c.href("/vdc/" + uuidOf(vdcID))
	if err := v.Refresh(); err != nil {
		return nil, entityGone("org VDC "+vdcID, err)
	}
	return v, nil
}

// CreateVApp creates an empty vApp in the org VDC vdcID and, when first is
// set, a first VM in it. The vApp's id is returned as soon as it exists,
// also together with an error when the VM could not be added, so the
// caller can record (and later remove) it.
func (c *Client) CreateVApp(ctx context.Context, vdcID, name, description string, first *NewVM) (string, error) {
	cli := c.with(ctx)
	v, err := c.vdc(cli, vdcID)
	if err != nil {
		return "", err
	}
	app, err := v.CreateRawVApp(name, description)
	if err != nil {
		return "", classify(err)
	}
	id := app.VApp.ID
	if first == nil {
		return id, nil
	}
	task, err := app.AddEmptyVmAsync(emptyVM(*first))
	if err != nil {
		return id, fmt.Errorf("adding VM %q: %w", first.Name, classify(err))
	}
	if err := c.wait(ctx, cli, task.Task); err != nil {
		return id, fmt.Errorf("adding VM %q: %w", first.Name, err)
	}
	return id, nil
}

func emptyVM(n NewVM) *types.RecomposeVAppParamsForEmptyVm {
	thin := true
	return &types.RecomposeVAppParamsForEmptyVm{
		PowerOn: n.PowerOn,
		CreateItem: &types.CreateItem{
			Name: n.Name,
			VmSpecSection: &types.VmSpecSection{
				Info:              "Virtual Machine specification",
				OsType:            n.OSType,
				NumCpus:           &n.CPUs,
				NumCoresPerSocket: intPtr(1),
				MemoryResourceMb:  &types.MemoryResourceMb{Configured: n.MemoryMB},
				DiskSection: &types.DiskSection{DiskSettings: []*types.DiskSettings{{
					SizeMb: n.DiskMB, UnitNumber: 0, BusNumber: 0, AdapterType: "5", ThinProvisioned: &thin,
				}}},
				HardwareVersion: &types.HardwareVersion{Value: n.HardwareVersion},
			},
		},
		AllEULAsAccepted: true,
	}
}

func intPtr(i int) *int { return &i }

// GetVApp reads the vApp vappID of the org VDC vdcID. A vApp (or VDC) that
// does not exist is ErrNotFound.
func (c *Client) GetVApp(ctx context.Context, vdcID, vappID string) (*VApp, error) {
	app, err := c.govcdVApp(c.with(ctx), vdcID, vappID)
	if err != nil {
		return nil, err
	}
	return vappFrom(app.VApp, vdcID), nil
}

func (c *Client) govcdVApp(cli *govcd.VCDClient, vdcID, vappID string) (*govcd.VApp, error) {
	v, err := c.vdc(cli, vdcID)
	if err != nil {
		return nil, err
	}
	app, err := v.GetVAppById(vappID, false)
	if err != nil {
		if govcd.ContainsNotFound(err) {
			return nil, fmt.Errorf("vApp %s: %w", vappID, ErrNotFound)
		}
		return nil, classify(err)
	}
	return app, nil
}

// GetVAppByName finds a vApp of the org VDC vdcID by name.
func (c *Client) GetVAppByName(ctx context.Context, vdcID, name string) (*VApp, error) {
	v, err := c.vdc(c.with(ctx), vdcID)
	if err != nil {
		return nil, err
	}
	app, err := v.GetVAppByName(name, false)
	if err != nil {
		if govcd.ContainsNotFound(err) {
			return nil, fmt.Errorf("vApp %q: %w", name, ErrNotFound)
		}
		return nil, classify(err)
	}
	return vappFrom(app.VApp, v.Vdc.ID), nil
}

// UpdateVApp renames the vApp and sets its description.
func (c *Client) UpdateVApp(ctx context.Context, vdcID, vappID, name, description string) error {
	cli := c.with(ctx)
	return c.retryBusy(ctx, func() error {
		app, err := c.govcdVApp(cli, vdcID, vappID)
		if err != nil {
			return err
		}
		return classify(app.UpdateNameDescription(name, description))
	})
}

// DeleteVApp deletes a vApp with its VMs. Cloud Director refuses to delete
// a running vApp ("Stop the vApp and try again", terraform-provider-vcd#706),
// so a deployed one is undeployed (its VMs powered off) first. A vApp that
// is gone already is not an error.
func (c *Client) DeleteVApp(ctx context.Context, vdcID, vappID string) error {
	cli := c.with(ctx)
	err := c.retryBusy(ctx, func() error {
		app, err := c.govcdVApp(cli, vdcID, vappID)
		if err != nil {
			return err
		}
		if app.VApp.Deployed {
			task, err := app.Undeploy()
			if err != nil {
				return classify(err)
			}
			if err := c.wait(ctx, cli, task.Task); err != nil {
				return err
			}
		}
		task, err := app.Delete()
		if err != nil {
			return classify(err)
		}
		return c.wait(ctx, cli, task.Task)
	})
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// VAppVMs returns the VMs of the vApp vappID, read by its href: callers
// that know a vApp only by id (the DR protection group) need no VDC.
func (c *Client) VAppVMs(ctx context.Context, vappID string) (*VApp, error) {
	var app types.VApp
	if err := get(c.with(ctx), c.href("/vApp/vapp-"+uuidOf(vappID)), &app); err != nil {
		return nil, entityGone("vApp "+vappID, err)
	}
	return vappFrom(&app, ""), nil
}

// VMVApp returns the id of the vApp VM vmID belongs to.
func (c *Client) VMVApp(ctx context.Context, vmID string) (string, error) {
	var vm types.Vm
	if err := get(c.with(ctx), c.href("/vApp/vm-"+uuidOf(vmID)), &vm); err != nil {
		return "", entityGone("VM "+vmID, err)
	}
	for _, l := range vm.Link {
		if l.Rel == "up" && l.Type == types.MimeVApp {
			return "urn:vcloud:vapp:" + strings.TrimPrefix(uuidOf(l.HREF), "vapp-"), nil
		}
	}
	return "", fmt.Errorf("VM %s names no parent vApp", vmID)
}

// entityGone maps Cloud Director's answer for an entity it does not know
// to ErrNotFound: 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN ("Either you need
// some or all of the following rights ... or the target entity is
// invalid"), or 404.
func entityGone(what string, err error) error {
	err = classify(err)
	var e *Error
	if errors.Is(err, ErrNotFound) || (errors.As(err, &e) && e.Status == 403) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return err
}

func vappFrom(a *types.VApp, vdcID string) *VApp {
	out := &VApp{ID: a.ID, Name: a.Name, Description: a.Description, VDCID: vdcID, Running: a.Deployed}
	for _, l := range a.Link {
		if l.Rel == "up" && l.Type == types.MimeVDC {
			out.VDCID = "urn:vcloud:vdc:" + uuidOf(l.HREF)
		}
	}
	if a.Children != nil {
		for _, vm := range a.Children.VM {
			out.VMs = append(out.VMs, VM{ID: vm.ID, Name: vm.Name})
		}
	}
	return out
}
