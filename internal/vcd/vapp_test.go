package vcd_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tenantops/tenantops/internal/vcd"
)

var firstVM = &vcd.NewVM{Name: "mgmt", CPUs: 1, MemoryMB: 1024, DiskMB: 8192, OSType: "otherLinux64Guest",
	HardwareVersion: "vmx-19", PowerOn: true}

func TestVAppLifeCycle(t *testing.T) {
	t.Parallel()
	s, c := setup(t)
	ctx := context.Background()
	org, err := c.CreateOrg(ctx, vcd.Org{Name: "acme", FullName: "Acme", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	vdcID, err := c.CreateVDC(ctx, org, vdcSpec)
	if err != nil {
		t.Fatal(err)
	}

	id, err := c.CreateVApp(ctx, vdcID, "workloads", "tenant VMs", firstVM)
	if err != nil {
		t.Fatal(err)
	}
	app, err := c.GetVApp(ctx, vdcID, id)
	if err != nil || app.Name != "workloads" || app.Description != "tenant VMs" || !app.Running ||
		len(app.VMs) != 1 || app.VMs[0].Name != "mgmt" || app.VDCID != vdcID {
		t.Fatalf("GetVApp = %+v, %v", app, err)
	}
	if byName, err := c.GetVAppByName(ctx, vdcID, "workloads"); err != nil || byName.ID != id {
		t.Fatalf("GetVAppByName = %+v, %v", byName, err)
	}
	// A VM the tenant adds shows in the vApp, and knows its vApp.
	vm, ok := s.AddVM(id, "web-1")
	if !ok {
		t.Fatal("AddVM")
	}
	if app, err = c.VAppVMs(ctx, id); err != nil || len(app.VMs) != 2 {
		t.Fatalf("VAppVMs = %+v, %v", app, err)
	}
	if parent, err := c.VMVApp(ctx, vm); err != nil || parent != id {
		t.Fatalf("VMVApp = %q, %v; want %q", parent, err, id)
	}
	if err := c.UpdateVApp(ctx, vdcID, id, "apps", "renamed"); err != nil {
		t.Fatal(err)
	}
	if app, err = c.GetVApp(ctx, vdcID, id); err != nil || app.Name != "apps" || app.Description != "renamed" {
		t.Fatalf("after update: %+v, %v", app, err)
	}
	if _, err := c.CreateVApp(ctx, vdcID, "apps", "", nil); err == nil {
		t.Fatal("a second vApp of the same name was created")
	}

	// The vApp runs (its first VM was powered on): delete stops it first.
	if err := c.DeleteVApp(ctx, vdcID, id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetVApp(ctx, vdcID, id); !errors.Is(err, vcd.ErrNotFound) {
		t.Fatalf("deleted vApp: %v", err)
	}
	if _, err := c.VMVApp(ctx, vm); !errors.Is(err, vcd.ErrNotFound) {
		t.Fatalf("VM of a deleted vApp: %v", err)
	}
	if err := c.DeleteVApp(ctx, vdcID, id); err != nil {
		t.Fatalf("deleting a gone vApp: %v", err)
	}
	for _, o := range s.Inventory() {
		if o == "vapp/acme/vdc-main/apps" {
			t.Fatalf("vApp left in %v", s.Inventory())
		}
	}
}

// An empty vApp has no VMs; the VDC's recursive delete takes its vApps.
func TestEmptyVAppGoesWithItsVDC(t *testing.T) {
	t.Parallel()
	s, c := setup(t)
	ctx := context.Background()
	org, err := c.CreateOrg(ctx, vcd.Org{Name: "globex", FullName: "Globex", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	vdcID, err := c.CreateVDC(ctx, org, vdcSpec)
	if err != nil {
		t.Fatal(err)
	}
	id, err := c.CreateVApp(ctx, vdcID, "empty", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if app, err := c.GetVApp(ctx, vdcID, id); err != nil || len(app.VMs) != 0 || app.Running {
		t.Fatalf("empty vApp = %+v, %v", app, err)
	}
	if err := c.DeleteVDC(ctx, org, vdcID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetVApp(ctx, vdcID, id); !errors.Is(err, vcd.ErrNotFound) {
		t.Fatalf("vApp of a deleted VDC: %v", err)
	}
	if inv := s.Inventory(); len(inv) != 1 || inv[0] != "org/globex" {
		t.Fatalf("inventory = %v", inv)
	}
}
