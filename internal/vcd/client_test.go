package vcd_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/sim/fault"
	simvcd "github.com/tenantops/tenantops/internal/sim/vcd"
	"github.com/tenantops/tenantops/internal/tlsutil"
	"github.com/tenantops/tenantops/internal/vcd"
)

func setup(t *testing.T) (*simvcd.Server, *vcd.Client) {
	t.Helper()
	s, err := simvcd.Start(simvcd.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	c, err := vcd.New(context.Background(), vcd.Config{URL: s.URL, User: "admin", Password: "admin-password",
		TLS: tlsutil.Options{CAPEM: s.CAPEM}, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

var vdcSpec = vcd.VDC{Name: "vdc-main", ProviderVDC: "pvdc-1", NetworkPool: "np-1", AllocationModel: "AllocationVApp",
	CPULimitMHz: 4000, MemLimitMB: 4096, Enabled: true, ThinProvision: true,
	StorageProfiles: []vcd.StorageProfile{{Name: "gold", LimitMB: 1024, Default: true, Enabled: true}}}

func TestClientLifeCycle(t *testing.T) {
	t.Parallel()
	s, c := setup(t)
	ctx := context.Background()
	id, err := c.CreateOrg(ctx, vcd.Org{Name: "acme", FullName: "Acme", Enabled: true, DeployedVMQuota: 5, VAppStorageLeaseSeconds: 3600})
	if err != nil {
		t.Fatal(err)
	}
	o, err := c.GetOrgByName(ctx, "acme")
	if err != nil || o.ID != id || o.DeployedVMQuota != 5 || o.VAppStorageLeaseSeconds != 3600 {
		t.Fatalf("GetOrgByName: %v %+v", err, o)
	}
	o.Description = "changed"
	if err := c.UpdateOrg(ctx, id, *o); err != nil {
		t.Fatal(err)
	}
	vid, err := c.CreateVDC(ctx, id, vdcSpec)
	if err != nil {
		t.Fatal(err)
	}
	spec := vdcSpec
	spec.CPULimitMHz = 8000
	spec.StorageProfiles = []vcd.StorageProfile{{Name: "silver", LimitMB: 2048, Default: true, Enabled: true}}
	if err := c.UpdateVDC(ctx, vid, spec); err != nil {
		t.Fatal(err)
	}
	v, err := c.GetVDC(ctx, id, vid)
	if err != nil {
		t.Fatal(err)
	}
	if v.CPULimitMHz != 8000 || !reflect.DeepEqual(v.StorageProfiles, spec.StorageProfiles) || v.OrgID != id || v.NetworkPool != "np-1" {
		t.Fatalf("VDC after update: %+v", v)
	}
	if err := c.DeleteOrg(ctx, id, false, false); !errors.Is(err, vcd.ErrOrgNotEmpty) {
		t.Fatalf("DeleteOrg with VDC: %v", err)
	}
	if err := c.DeleteOrg(ctx, id, true, false); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetOrg(ctx, id); !errors.Is(err, vcd.ErrNotFound) {
		t.Fatalf("GetOrg after delete: %v", err)
	}
	if inv := s.Inventory(); len(inv) != 0 {
		t.Fatalf("inventory %v", inv)
	}
}

func TestClientTaskTimeoutAndFailure(t *testing.T) {
	t.Parallel()
	s, c := setup(t)
	ctx := context.Background()
	id, err := c.CreateOrg(ctx, vcd.Org{Name: "slow", FullName: "Slow", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	s.SetTaskDuration(simvcd.OpVDCCreate, 2*time.Second)
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	vid, err := c.CreateVDC(short, id, vdcSpec)
	if vid == "" || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want ID and deadline error, got %q %v", vid, err)
	}
	// Deleting the busy VDC waits for its task instead of failing.
	if err := c.DeleteVDC(ctx, id, vid); err != nil {
		t.Fatalf("DeleteVDC busy: %v", err)
	}
	s.FailNextTask(simvcd.OpOrgUpdate, "quota service unavailable")
	err = c.UpdateOrg(ctx, id, vcd.Org{Name: "slow", FullName: "Slow 2"})
	var te *vcd.TaskError
	if !errors.As(err, &te) || te.Message != "quota service unavailable" {
		t.Fatalf("failed task: %v", err)
	}
	if _, err := c.CreateOrg(ctx, vcd.Org{Name: "slow", FullName: "dup"}); err == nil || !strings.Contains(err.Error(), "already exists") ||
		strings.Contains(err.Error(), "API Error") {
		t.Fatalf("duplicate: %v", err)
	}
}

func TestClientRidesOutTransientPollFailures(t *testing.T) {
	t.Parallel()
	s, c := setup(t)
	ctx := context.Background()
	s.SetTaskDuration(simvcd.OpOrgCreate, 200*time.Millisecond)
	s.Faults.Add(fault.Rule{Method: "GET", Path: `^/api/task/`, Kind: fault.Reset, Times: 2})
	s.Faults.Add(fault.Rule{Method: "GET", Path: `^/api/task/`, Kind: fault.Status, Status: 503, After: 2, Times: 1,
		ContentType: "application/vnd.vmware.vcloud.error+xml",
		Body:        `<Error xmlns="http://www.vmware.com/vcloud/v1.5" majorErrorCode="503" minorErrorCode="SERVICE_UNAVAILABLE" message="cell restarting"/>`})
	if _, err := c.CreateOrg(ctx, vcd.Org{Name: "bumpy", FullName: "Bumpy"}); err != nil {
		t.Fatalf("CreateOrg across transient poll failures: %v", err)
	}
	// A 4xx on a poll is not retried.
	s.SetTaskDuration(simvcd.OpOrgUpdate, time.Second)
	s.Faults.Add(fault.Rule{Method: "GET", Path: `^/api/task/`, Kind: fault.Status, Status: 403, Times: 1,
		ContentType: "application/vnd.vmware.vcloud.error+xml",
		Body:        `<Error xmlns="http://www.vmware.com/vcloud/v1.5" majorErrorCode="403" minorErrorCode="ACCESS_TO_RESOURCE_IS_FORBIDDEN" message="no rights"/>`})
	o, err := c.GetOrgByName(ctx, "bumpy")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.UpdateOrg(ctx, o.ID, vcd.Org{Name: "bumpy", FullName: "Bumpy 2"}); err == nil || !strings.Contains(err.Error(), "no rights") {
		t.Fatalf("403 on poll: %v", err)
	}
}

// forbidden403 is Cloud Director's answer to a caller without the rights
// to an entity that exists.
const forbidden403 = `<Error xmlns="http://www.vmware.com/vcloud/v1.5" majorErrorCode="403" minorErrorCode="ACCESS_TO_RESOURCE_IS_FORBIDDEN" ` +
	`message="[ 7c1e ] Either you need some or all of the following rights [ORG_VIEW] to perform operations [ORG_VIEW] for $OP_ID or the target entity is invalid."/>`

// Cloud Director answers 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN for an org or
// VDC that no longer exists. The client reports it gone only when the
// parent's listing agrees, so a real permission problem stays an error.
func TestClientGoneVersusForbidden(t *testing.T) {
	t.Parallel()
	s, c := setup(t)
	ctx := context.Background()
	orgID, err := c.CreateOrg(ctx, vcd.Org{Name: "gone", FullName: "Gone", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	vdcID, err := c.CreateVDC(ctx, orgID, vdcSpec)
	if err != nil {
		t.Fatal(err)
	}

	// A permission problem on entities that exist is not "gone".
	removeOrg := s.Faults.Add(fault.Rule{Method: "GET", Path: `^/api/admin/org/[0-9a-f-]+$`, Kind: fault.Status, Status: 403,
		ContentType: "application/vnd.vmware.vcloud.error+xml", Body: forbidden403})
	_, err = c.GetOrg(ctx, orgID)
	var e *vcd.Error
	if errors.Is(err, vcd.ErrNotFound) || !errors.As(err, &e) || e.Status != 403 || !strings.Contains(err.Error(), "following rights") {
		t.Fatalf("GetOrg on a forbidden org: want the 403, got %v", err)
	}
	removeOrg()
	removeVDC := s.Faults.Add(fault.Rule{Method: "GET", Path: `^/api/admin/vdc/`, Kind: fault.Status, Status: 403,
		ContentType: "application/vnd.vmware.vcloud.error+xml", Body: forbidden403})
	if _, err := c.GetVDC(ctx, orgID, vdcID); errors.Is(err, vcd.ErrNotFound) || !errors.As(err, &e) || e.Status != 403 {
		t.Fatalf("GetVDC on a forbidden VDC: want the 403, got %v", err)
	}
	removeVDC()

	// The VDC deleted out of band: gone, for reads and for deletes.
	if !s.DeleteVDC("gone", vdcSpec.Name) {
		t.Fatal("no VDC to delete")
	}
	if _, err := c.GetVDC(ctx, orgID, vdcID); !errors.Is(err, vcd.ErrNotFound) {
		t.Fatalf("GetVDC after out-of-band delete: want ErrNotFound, got %v", err)
	}
	if err := c.DeleteVDC(ctx, orgID, vdcID); !errors.Is(err, vcd.ErrNotFound) {
		t.Fatalf("DeleteVDC after out-of-band delete: want ErrNotFound, got %v", err)
	}
	// Without its organization a 403 cannot be told from a permission problem.
	if _, err := c.GetVDC(ctx, "", vdcID); errors.Is(err, vcd.ErrNotFound) || !errors.As(err, &e) || e.Status != 403 {
		t.Fatalf("GetVDC without its org: want the 403, got %v", err)
	}

	// The org deleted out of band, with a VDC in it: both are gone.
	vdcID, err = c.CreateVDC(ctx, orgID, vdcSpec)
	if err != nil {
		t.Fatal(err)
	}
	if !s.DeleteOrg("gone") {
		t.Fatal("no org to delete")
	}
	if _, err := c.GetOrg(ctx, orgID); !errors.Is(err, vcd.ErrNotFound) {
		t.Fatalf("GetOrg after out-of-band delete: want ErrNotFound, got %v", err)
	}
	if _, err := c.GetVDC(ctx, orgID, vdcID); !errors.Is(err, vcd.ErrNotFound) {
		t.Fatalf("GetVDC of a deleted org: want ErrNotFound, got %v", err)
	}
	if _, err := c.GetOIDC(ctx, orgID); !errors.Is(err, vcd.ErrNotFound) {
		t.Fatalf("GetOIDC of a deleted org: want ErrNotFound, got %v", err)
	}
	if err := c.DeleteOrg(ctx, orgID, true, true); !errors.Is(err, vcd.ErrNotFound) {
		t.Fatalf("DeleteOrg after out-of-band delete: want ErrNotFound, got %v", err)
	}
}
