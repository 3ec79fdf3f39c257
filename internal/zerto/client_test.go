package zerto_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/sim/fault"
	zertosim "github.com/tenantops/tenantops/internal/sim/zerto"
	"github.com/tenantops/tenantops/internal/tlsutil"
	"github.com/tenantops/tenantops/internal/zerto"
)

func TestParseError(t *testing.T) {
	long := strings.Repeat("x", 2000)
	tests := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"zvm message", 400, `{"Message":"VPG name 'a' is already in use."}`, "VPG name 'a' is already in use."},
		{"camelCase message", 400, `{"message":"bad request"}`, "bad request"},
		{"asp.net exception", 500, `{"Message":"An error has occurred.","ExceptionMessage":"Object reference not set"}`,
			"An error has occurred.: Object reference not set"},
		{"token error", 401, `{"error":"invalid_grant","error_description":"Invalid user credentials"}`,
			"invalid_grant: Invalid user credentials"},
		{"token error code only", 400, `{"error":"unsupported_grant_type"}`, "unsupported_grant_type"},
		{"errorMessage", 409, `{"errorMessage":"conflict"}`, "conflict"},
		{"json string", 400, `"Settings are invalid"`, "Settings are invalid"},
		{"plain text", 503, "Service Unavailable\n", "Service Unavailable"},
		{"empty body", 502, "", ""},
		{"json without message", 500, `{"Code":17}`, `{"Code":17}`},
		{"long text is cut", 500, long, long[:512] + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := zerto.ParseError("POST", "/v1/vpgSettings", tt.status, []byte(tt.body))
			if e.Message != tt.want {
				t.Fatalf("Message = %q, want %q", e.Message, tt.want)
			}
			if e.StatusCode != tt.status {
				t.Fatalf("StatusCode = %d", e.StatusCode)
			}
			msg := e.Error()
			if !strings.Contains(msg, "POST /v1/vpgSettings") || !strings.Contains(msg, "HTTP ") {
				t.Fatalf("Error() lacks the request: %q", msg)
			}
			if tt.want == "" && !strings.Contains(msg, http.StatusText(tt.status)) {
				t.Fatalf("Error() of an empty body should name the status: %q", msg)
			}
		})
	}
}

func TestAPIErrorNotFound(t *testing.T) {
	err := error(zerto.ParseError("GET", "/v1/vpgs/x", 404, []byte(`{"Message":"VPG with identifier 'x' was not found."}`)))
	if !zerto.IsNotFound(err) || !errors.Is(err, zerto.ErrNotFound) {
		t.Fatal("404 is not ErrNotFound")
	}
	if zerto.IsNotFound(zerto.ParseError("GET", "/v1/vpgs/x", 400, nil)) {
		t.Fatal("400 is ErrNotFound")
	}
}

func newClient(t *testing.T, s *zertosim.Server, mode string, mutate ...func(*zerto.Config)) *zerto.Client {
	t.Helper()
	hc, err := tlsutil.Options{CAPEM: s.CAPEM}.HTTPClient(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	o := s.Options()
	cfg := zerto.Config{URL: s.URL, AuthMode: mode, HTTPClient: hc, PollInterval: 20 * time.Millisecond}
	if mode == zerto.AuthSession {
		cfg.Username, cfg.Password = o.Username, o.Password
	} else {
		cfg.ClientID, cfg.ClientSecret = o.ClientID, o.ClientSecret
	}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := zerto.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func startSim(t *testing.T, o zertosim.Options) *zertosim.Server {
	t.Helper()
	s, err := zertosim.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestTokenLoginRenewal(t *testing.T) {
	s := startSim(t, zertosim.Options{TokenTTL: time.Second})
	c := newClient(t, s, zerto.AuthKeycloak)
	ctx := context.Background()
	if _, err := c.LocalSite(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.LocalSite(ctx); err != nil {
		t.Fatal(err)
	}
	if n := s.Logins(); n != 1 {
		t.Fatalf("one token should serve both calls, got %d logins", n)
	}
	time.Sleep(1100 * time.Millisecond) // the token expires
	if _, err := c.LocalSite(ctx); err != nil {
		t.Fatalf("expired token not renewed: %v", err)
	}
	s.ExpireLogins() // the ZVM forgets the token: a 401 triggers one new login
	if _, err := c.LocalSite(ctx); err != nil {
		t.Fatalf("rejected token not renewed: %v", err)
	}
	if n := s.Logins(); n != 3 {
		t.Fatalf("want 3 logins, got %d", n)
	}
}

func TestPasswordGrant(t *testing.T) {
	s := startSim(t, zertosim.Options{})
	c := newClient(t, s, zerto.AuthKeycloak, func(c *zerto.Config) {
		c.ClientID, c.ClientSecret = "", ""
		c.Username, c.Password = s.Options().Username, s.Options().Password
	})
	if _, err := c.LocalSite(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestBadCredentials(t *testing.T) {
	s := startSim(t, zertosim.Options{})
	for _, mode := range []string{zerto.AuthKeycloak, zerto.AuthSession} {
		c := newClient(t, s, mode, func(c *zerto.Config) { c.ClientSecret, c.Password = "wrong-secret", "wrong-secret" })
		_, err := c.LocalSite(context.Background())
		var ae *zerto.APIError
		if !errors.As(err, &ae) || ae.StatusCode != 401 {
			t.Fatalf("%s: want a 401 APIError, got %v", mode, err)
		}
		if strings.Contains(err.Error(), "wrong-secret") {
			t.Fatalf("%s: the secret leaked into the error: %v", mode, err)
		}
		if mode == zerto.AuthKeycloak && !strings.Contains(err.Error(), "invalid_client: Invalid client or Invalid client credentials") {
			t.Fatalf("token error not surfaced: %v", err)
		}
	}
}

func TestSessionLogin(t *testing.T) {
	s := startSim(t, zertosim.Options{})
	c := newClient(t, s, zerto.AuthSession)
	ctx := context.Background()
	if _, err := c.VirtualizationSites(ctx); err != nil {
		t.Fatal(err)
	}
	s.ExpireLogins()
	if _, err := c.VirtualizationSites(ctx); err != nil {
		t.Fatalf("expired session not renewed: %v", err)
	}
	if n := s.SessionLogins(); n != 2 {
		t.Fatalf("want 2 session logins, got %d", n)
	}
}

// settings builds valid settings protecting vApp app (the simulator's
// seeded one when nil) into an org VDC of the seeded recovery site.
func settings(t *testing.T, s *zertosim.Server, c *zerto.Client, name, vdcName string, app *zertosim.VApp) zerto.VpgSettings {
	t.Helper()
	ctx := context.Background()
	local, err := c.LocalSite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	site, err := c.SiteByName(ctx, zertosim.RecoverySiteName)
	if err != nil {
		t.Fatal(err)
	}
	vdc, err := c.OrgVdcByName(ctx, site.SiteIdentifier, vdcName)
	if err != nil {
		t.Fatal(err)
	}
	net, err := c.NetworkByName(ctx, site.SiteIdentifier, vdc.Identifier, zertosim.FailoverNetwork)
	if err != nil {
		t.Fatal(err)
	}
	policy, err := c.StoragePolicyByName(ctx, site.SiteIdentifier, vdc.Identifier, zertosim.StoragePolicy)
	if err != nil {
		t.Fatal(err)
	}
	if app == nil {
		a := s.SeededVApp()
		app = &a
	}
	v := zerto.VpgSettings{
		Basic: &zerto.VpgSettingsBasic{Name: name, VpgType: "Remote", RpoInSeconds: 300, JournalHistoryInHours: 24,
			Priority: "Medium", ProtectedSiteIdentifier: local.ID(), RecoverySiteIdentifier: site.SiteIdentifier},
		Protected: &zerto.VpgSettingsProtected{VCD: &zerto.VcdProtected{VcdVappIdentifier: app.ID}},
		Recovery:  &zerto.VpgSettingsRecovery{VCD: &zerto.VcdRecovery{OrgVdcIdentifier: vdc.Identifier}},
		Networks: &zerto.VpgSettingsNetworks{
			Failover: &zerto.VpgSettingsNetwork{VCD: &zerto.VcdNetwork{DefaultRecoveryOrgVdcNetworkIdentifier: net.NetworkIdentifier}}},
	}
	for _, vm := range app.VMs {
		v.Vms = append(v.Vms, zerto.VpgSettingsVM{VMIdentifier: vm.ID,
			Recovery: &zerto.VMRecovery{VCD: &zerto.VMVcdRecovery{StoragePolicyIdentifier: policy.StoragePolicyIdentifier}}})
	}
	return v
}

// vapps is a protected site of n vApps with one VM each, for
// Options.VApps.
func vapps(n int) []zertosim.VApp {
	out := make([]zertosim.VApp, n)
	for i := range out {
		out[i] = zertosim.VApp{ID: fmt.Sprintf("urn:vcloud:vapp:00000000-0000-4000-8000-%012d", i),
			Name: fmt.Sprintf("app-%d", i), VMs: []zertosim.VMRef{{ID: fmt.Sprintf("urn:vcloud:vm:00000000-0000-4000-8000-%012d", i),
				Name: fmt.Sprintf("vm-%d", i)}}}
	}
	return out
}

func TestVpgWorkflow(t *testing.T) {
	s := startSim(t, zertosim.Options{TaskDuration: 100 * time.Millisecond, InitialSync: 300 * time.Millisecond})
	c := newClient(t, s, zerto.AuthKeycloak)
	ctx := context.Background()

	id, err := c.CommitNew(ctx, settings(t, s, c, "wf", zertosim.RecoveryVdc, nil))
	if err != nil || id == "" {
		t.Fatalf("CommitNew = %q, %v", id, err)
	}
	v, err := c.Vpg(ctx, id)
	if err != nil || v.Status != zerto.VpgInitializing || v.SubStatus != zerto.SubStatusInitialSync {
		t.Fatalf("right after commit want Initializing/InitialSync, got %+v, %v", v, err)
	}
	if v, err = c.WaitVpgStatus(ctx, id, zerto.VpgMeetingSLA); err != nil || v.ActualRPO <= 0 {
		t.Fatalf("after the initial sync want MeetingSLA with an actual RPO, got %+v, %v", v, err)
	}
	if byName, err := c.VpgByName(ctx, "wf"); err != nil || byName.ID() != id {
		t.Fatalf("VpgByName = %+v, %v", byName, err)
	}

	if err := c.Edit(ctx, id, func(s *zerto.VpgSettings) { s.Basic.JournalHistoryInHours, s.Basic.Priority = 48, "High" }); err != nil {
		t.Fatal(err)
	}
	cur, err := c.CurrentSettings(ctx, id)
	if err != nil || cur.Basic.JournalHistoryInHours != 48 || cur.Basic.Priority != "High" {
		t.Fatalf("edit not applied: %+v, %v", cur.Basic, err)
	}
	if inv := s.Inventory(); !slices.Equal(inv, []string{"volume/dr-vdc-1/wf/app-1-vm1", "vpg/wf", "vpg/wf/vapp/app-1"}) {
		t.Fatalf("inventory after edit and read = %v", inv)
	}

	if err := c.Delete(ctx, id, zerto.VpgDeleteData{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Vpg(ctx, id); !zerto.IsNotFound(err) {
		t.Fatalf("deleted VPG still readable: %v", err)
	}
	if err := c.Delete(ctx, id, zerto.VpgDeleteData{}); err != nil {
		t.Fatalf("deleting a gone VPG should succeed: %v", err)
	}
	if inv := s.Inventory(); len(inv) != 0 {
		t.Fatalf("inventory after delete = %v", inv)
	}

	// Deleting with KeepRecoveryVolumes leaves the volumes at the recovery site.
	id, err = c.CommitNew(ctx, settings(t, s, c, "kept", zertosim.RecoveryVdc, nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, id, zerto.VpgDeleteData{KeepRecoveryVolumes: true}); err != nil {
		t.Fatal(err)
	}
	if inv := s.Inventory(); !slices.Equal(inv, []string{"volume/dr-vdc-1/kept/app-1-vm1"}) {
		t.Fatalf("inventory after a delete keeping the volumes = %v", inv)
	}
}

// An edit through a settings copy keeps what tenantops does not manage
// (here a recovery script an operator set in Zerto): the old client's
// types dropped every part they did not know, and its PUT erased them.
func TestEditKeepsWhatItDoesNotManage(t *testing.T) {
	s := startSim(t, zertosim.Options{TaskDuration: 20 * time.Millisecond})
	c := newClient(t, s, zerto.AuthKeycloak)
	ctx := context.Background()
	v := settings(t, s, c, "scripted", zertosim.RecoveryVdc, nil)
	v.Scripting = json.RawMessage(`{"PreRecovery":{"Command":"/opt/drain.sh","TimeoutInSeconds":300}}`)
	id, err := c.CommitNew(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Edit(ctx, id, func(s *zerto.VpgSettings) { s.Basic.Priority = "High" }); err != nil {
		t.Fatal(err)
	}
	cur, err := c.CurrentSettings(ctx, id)
	if err != nil || cur.Basic.Priority != "High" || !strings.Contains(string(cur.Scripting), "/opt/drain.sh") {
		t.Fatalf("after the edit: priority %q, scripting %s (%v)", cur.Basic.Priority, cur.Scripting, err)
	}
}

func TestCommitTaskFailure(t *testing.T) {
	s := startSim(t, zertosim.Options{TaskDuration: 50 * time.Millisecond})
	c := newClient(t, s, zerto.AuthKeycloak)
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		mutate func(*zerto.VpgSettings)
		reason string
	}{
		{"rpo", func(v *zerto.VpgSettings) { v.Basic.RpoInSeconds = 10 }, "RPO alert of 10 seconds is out of range"},
		{"unknown vdc", func(v *zerto.VpgSettings) { v.Recovery.VCD.OrgVdcIdentifier = "urn:vcloud:vdc:nope" },
			"Recovery org vDC 'urn:vcloud:vdc:nope' was not found"},
	} {
		v := settings(t, s, c, "bad-"+tc.name, zertosim.RecoveryVdc, nil)
		tc.mutate(&v)
		id, err := c.CommitNew(ctx, v)
		var te *zerto.TaskError
		if !errors.As(err, &te) || !strings.Contains(te.Reason, tc.reason) || te.State != zerto.TaskFailed {
			t.Fatalf("%s: want a failed task with %q, got %v", tc.name, tc.reason, err)
		}
		if id != "" {
			t.Fatalf("%s: a refused VPG got an id %q", tc.name, id)
		}
	}
	if inv := s.Inventory(); len(inv) != 0 {
		t.Fatalf("failed commits left %v", inv)
	}
}

func TestCommitRefusedDiscardsSettings(t *testing.T) {
	s := startSim(t, zertosim.Options{})
	c := newClient(t, s, zerto.AuthKeycloak)
	s.Faults.Add(fault.Rule{Method: "POST", Path: `/commit$`, Kind: fault.Status, Status: 500,
		ContentType: "application/json", Body: `{"Message":"An error has occurred."}`})
	_, err := c.CommitNew(context.Background(), settings(t, s, c, "refused", zertosim.RecoveryVdc, nil))
	var ae *zerto.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 500 || ae.Message != "An error has occurred." {
		t.Fatalf("want the ZVM's 500, got %v", err)
	}
	if inv := s.Inventory(); len(inv) != 0 {
		t.Fatalf("refused commit left %v", inv)
	}
}

// A ZVM that fails the discard of a refused commit's settings for a while
// must still be left clean; one that never lets go is named in the error.
func TestDiscardRetriesUntilTheSettingsAreGone(t *testing.T) {
	s := startSim(t, zertosim.Options{})
	c := newClient(t, s, zerto.AuthKeycloak)
	s.Faults.Add(fault.Rule{Method: "POST", Path: `/commit$`, Kind: fault.Status, Status: 500,
		ContentType: "application/json", Body: `{"Message":"An error has occurred."}`})
	s.Faults.Add(fault.Rule{Method: "DELETE", Path: `^/v1/vpgSettings/`, Kind: fault.Status, Status: 503, Times: 2})
	if _, err := c.CommitNew(context.Background(), settings(t, s, c, "flaky", zertosim.RecoveryVdc, nil)); err == nil {
		t.Fatal("a refused commit succeeded")
	}
	if inv := s.Inventory(); len(inv) != 0 {
		t.Fatalf("a discard that failed twice left %v", inv)
	}

	s.Faults.Clear()
	s.Faults.Add(fault.Rule{Method: "POST", Path: `/commit$`, Kind: fault.Status, Status: 500})
	s.Faults.Add(fault.Rule{Method: "DELETE", Path: `^/v1/vpgSettings/`, Kind: fault.Status, Status: 403,
		ContentType: "application/json", Body: `{"Message":"not allowed"}`})
	_, err := c.CommitNew(context.Background(), settings(t, s, c, "stuck", zertosim.RecoveryVdc, nil))
	if err == nil || !strings.Contains(err.Error(), "discarding VPG settings ") || !strings.Contains(err.Error(), "not allowed") {
		t.Fatalf("want the commit error joined with the failed discard naming the settings, got %v", err)
	}
}

func TestWaitHonoursContext(t *testing.T) {
	s := startSim(t, zertosim.Options{InitialSync: 30 * time.Second})
	c := newClient(t, s, zerto.AuthKeycloak)
	id, err := c.CommitNew(context.Background(), settings(t, s, c, "slow", zertosim.RecoveryVdc, nil))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.WaitVpgStatus(ctx, id, zerto.VpgMeetingSLA)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "is Initializing") {
		t.Fatalf("want a deadline error naming the status, got %v", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatal("WaitVpgStatus overran its context")
	}
}

// A deadline that ends a poll in flight (a slow ZVM) still reports where
// the VPG was when it last answered.
func TestWaitNamesTheStatusWhenAPollIsCut(t *testing.T) {
	s := startSim(t, zertosim.Options{InitialSync: 30 * time.Second})
	c := newClient(t, s, zerto.AuthKeycloak)
	id, err := c.CommitNew(context.Background(), settings(t, s, c, "cut", zertosim.RecoveryVdc, nil))
	if err != nil {
		t.Fatal(err)
	}
	s.Faults.Add(fault.Rule{Method: "GET", Path: `^/v1/vpgs/`, Kind: fault.Hang, Delay: 5 * time.Second, After: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, err = c.WaitVpgStatus(ctx, id, zerto.VpgMeetingSLA)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), `VPG "cut" is Initializing`) {
		t.Fatalf("want a deadline error naming the last status, got %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	for _, cfg := range []zerto.Config{
		{},
		{URL: "zvm.example.com", ClientID: "x"},
		{URL: "https://zvm", AuthMode: "kerberos", ClientID: "x"},
		{URL: "https://zvm"},
		{URL: "https://zvm", AuthMode: zerto.AuthSession, ClientID: "x"},
	} {
		if _, err := zerto.New(cfg); err == nil {
			t.Errorf("New(%+v) accepted an invalid config", cfg)
		}
	}
}

func TestReadsRetryTransientFailuresWritesDoNot(t *testing.T) {
	s := startSim(t, zertosim.Options{})
	c := newClient(t, s, zerto.AuthKeycloak)
	ctx := context.Background()
	s.Faults.Add(fault.Rule{Method: "GET", Path: `^/v1/localsite$`, Kind: fault.Status, Status: 503, Times: 2})
	if _, err := c.LocalSite(ctx); err != nil {
		t.Fatalf("two 503s then success should succeed: %v", err)
	}
	s.Faults.Add(fault.Rule{Method: "GET", Path: `^/v1/zorgs$`, Kind: fault.Reset, Times: 1})
	if _, err := c.Zorgs(ctx); err != nil {
		t.Fatalf("a dropped connection on a read should be retried: %v", err)
	}
	s.Faults.Add(fault.Rule{Method: "POST", Path: `^/v1/vpgSettings$`, Kind: fault.Status, Status: 503, Times: 1})
	if _, err := c.NewVpgSettings(ctx, zerto.VpgSettings{}); err == nil {
		t.Fatal("a refused write must not be repeated behind the caller's back")
	}
	if inv := s.Inventory(); len(inv) != 0 {
		t.Fatalf("inventory = %v", inv)
	}
}

// The vApps Zerto lists are the unprotected ones; an edit can add the VMs
// of a second vApp.
func TestVappProtection(t *testing.T) {
	apps := vapps(2)
	s := startSim(t, zertosim.Options{TaskDuration: 50 * time.Millisecond, VApps: func() []zertosim.VApp { return apps }})
	c := newClient(t, s, zerto.AuthSession)
	ctx := context.Background()
	local, err := c.LocalSite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id, err := c.CommitNew(ctx, settings(t, s, c, "vapp-pg", zertosim.RecoveryVdc, &apps[0]))
	if err != nil {
		t.Fatal(err)
	}
	free, err := c.VcdVapps(ctx, local.ID())
	if err != nil || len(free) != 1 || free[0].VcdVappIdentifier != apps[1].ID || free[0].VcdName != "app-1" {
		t.Fatalf("unprotected vApps = %+v, %v", free, err)
	}
	second := settings(t, s, c, "", zertosim.RecoveryVdc, &apps[1]).Vms
	if err := c.Edit(ctx, id, func(v *zerto.VpgSettings) { v.Vms = append(v.Vms, second...) }); err != nil {
		t.Fatal(err)
	}
	cur, err := c.CurrentSettings(ctx, id)
	if err != nil || len(cur.Vms) != 2 || cur.Protected.VCD.VcdVappIdentifier != apps[0].ID {
		t.Fatalf("settings after adding a vApp = %+v, %v", cur, err)
	}
	if free, _ := c.VcdVapps(ctx, local.ID()); len(free) != 0 {
		t.Fatalf("both vApps are protected, Zerto lists %+v", free)
	}
	// A second VPG for a protected vApp is refused by the commit task.
	_, err = c.CommitNew(ctx, settings(t, s, c, "twin", zertosim.RecoveryVdc, &apps[1]))
	var te *zerto.TaskError
	if !errors.As(err, &te) || !strings.Contains(te.Reason, "vApp 'app-1' is already protected by VPG 'vapp-pg'") {
		t.Fatalf("want the commit refused, got %v", err)
	}
}

func TestConcurrentCommits(t *testing.T) {
	apps := vapps(4)
	s := startSim(t, zertosim.Options{TaskDuration: 50 * time.Millisecond, InitialSync: 50 * time.Millisecond,
		VApps: func() []zertosim.VApp { return apps }})
	c := newClient(t, s, zerto.AuthKeycloak)
	errs := make(chan error, 4)
	for i := range 4 {
		v := settings(t, s, c, "par-"+string(rune('a'+i)), zertosim.RecoveryVdc, &apps[i])
		go func() {
			_, err := c.CommitNew(context.Background(), v)
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if inv := s.Inventory(); len(inv) != 12 {
		t.Fatalf("inventory = %v", inv)
	}
}
