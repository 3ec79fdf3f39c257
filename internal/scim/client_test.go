package scim_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/scim"
	"github.com/tenantops/tenantops/internal/sim/fault"
	scimsim "github.com/tenantops/tenantops/internal/sim/scim"
	"github.com/tenantops/tenantops/internal/tlsutil"
)

func newClient(t *testing.T, opts scimsim.Options) (*scimsim.Server, *scim.Client) {
	t.Helper()
	srv, err := scimsim.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	hc, err := tlsutil.Options{CAPEM: srv.CAPEM}.HTTPClient(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c, err := scim.New(scim.Options{URL: srv.URL, Token: srv.Token, HTTPClient: hc, MaxRetryWait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func TestClientAgainstSimulator(t *testing.T) {
	for _, tc := range []struct {
		name   string
		patch  bool
		method string
	}{{"patch", true, http.MethodPatch}, {"put", false, http.MethodPut}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			srv, c := newClient(t, scimsim.Options{DisablePatch: !tc.patch})
			caps, err := c.Capabilities(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if caps.Patch != tc.patch || !caps.ETag || !caps.Filter || caps.Bulk || !caps.SupportsEnterprise() {
				t.Fatalf("capabilities = %+v", caps)
			}
			yes := true
			name := `o"brien\dom`
			u, err := c.CreateUser(ctx, &scim.User{
				UserName: name, DisplayName: "O'Brien", Active: &yes,
				Name:       &scim.Name{GivenName: "Pat", FamilyName: "O'Brien"},
				Emails:     []scim.Email{{Value: "pat@acme.example", Type: "work", Primary: true}},
				Enterprise: &scim.EnterpriseUser{Department: "Ops", EmployeeNumber: "42"},
			})
			if err != nil {
				t.Fatal(err)
			}
			if u.ID == "" || u.Version() == "" || u.Enterprise == nil || u.Enterprise.Department != "Ops" {
				t.Fatalf("created user = %+v", u)
			}
			// A second user whose name is a prefix must not match.
			if _, err := c.CreateUser(ctx, &scim.User{UserName: `o"brien`}); err != nil {
				t.Fatal(err)
			}
			found, err := c.FindUserByName(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			if found.ID != u.ID {
				t.Fatalf("found %s, want %s", found.ID, u.ID)
			}
			if _, err := c.FindUserByName(ctx, "nobody"); !errors.Is(err, scim.ErrNotFound) {
				t.Fatalf("missing user: %v", err)
			}
			// Duplicate userName (case-insensitive) surfaces the SCIM error.
			_, err = c.CreateUser(ctx, &scim.User{UserName: strings.ToUpper(name)})
			var se *scim.Error
			if !errors.As(err, &se) || se.Status != 409 || se.ScimType != "uniqueness" {
				t.Fatalf("duplicate: %v", err)
			}

			srv.ResetCalls()
			n := *found
			n.DisplayName = "Pat O'Brien"
			n.Enterprise = &scim.EnterpriseUser{Department: "Sec"}
			upd, method, err := c.UpdateUser(ctx, found, &n, found.Version())
			if err != nil {
				t.Fatal(err)
			}
			if method != tc.method || srv.Calls(tc.method, "Users") != 1 {
				t.Fatalf("update used %s (PATCH %d, PUT %d)", method, srv.Calls("PATCH", "Users"), srv.Calls("PUT", "Users"))
			}
			if upd.DisplayName != "Pat O'Brien" || upd.Enterprise == nil || upd.Enterprise.Department != "Sec" || upd.Enterprise.EmployeeNumber != "" {
				t.Fatalf("updated = %+v %+v", upd, upd.Enterprise)
			}
			if upd.Version() == found.Version() {
				t.Fatal("version did not move")
			}
			// A stale version is refused with 412.
			n.DisplayName = "stale"
			_, _, err = c.UpdateUser(ctx, found, &n, found.Version())
			if !errors.Is(err, scim.ErrPreconditionFailed) {
				t.Fatalf("stale update: %v", err)
			}

			g, err := c.CreateGroup(ctx, &scim.Group{DisplayName: "ops", Members: []scim.Member{{Value: u.ID}}})
			if err != nil {
				t.Fatal(err)
			}
			other, _ := srv.UserID(`o"brien`)
			if err := c.AddMembers(ctx, g.ID, other, other); err != nil {
				t.Fatal(err)
			}
			if got := srv.GroupMembers(g.ID); len(got) != 2 {
				t.Fatalf("members after add = %v", got)
			}
			if err := c.RemoveMembers(ctx, g.ID, u.ID); err != nil {
				t.Fatal(err)
			}
			if got := srv.GroupMembers(g.ID); len(got) != 1 || got[0] != other {
				t.Fatalf("members after remove = %v", got)
			}
			fg, err := c.FindGroupByName(ctx, "ops")
			if err != nil || fg.ID != g.ID {
				t.Fatalf("find group: %v %v", fg, err)
			}
			if err := c.DeleteGroup(ctx, g.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := c.GetGroup(ctx, g.ID); !errors.Is(err, scim.ErrNotFound) {
				t.Fatalf("deleted group: %v", err)
			}
			for _, id := range []string{u.ID, other} {
				if err := c.DeleteUser(ctx, id); err != nil {
					t.Fatal(err)
				}
			}
			if inv := srv.Inventory(); len(inv) != 0 {
				t.Fatalf("left behind: %v", inv)
			}
		})
	}
}

func TestClientRetriesThrottling(t *testing.T) {
	srv, c := newClient(t, scimsim.Options{})
	ctx := context.Background()
	srv.Faults.Add(fault.Rule{Method: "POST", Path: "/Users$", Kind: fault.Status, Status: 429, Times: 2,
		Body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"429","detail":"slow down"}`})
	if _, err := c.CreateUser(ctx, &scim.User{UserName: "bob"}); err != nil {
		t.Fatalf("throttled create not retried: %v", err)
	}
	// Throttling that never ends gives up with the provider's message.
	srv.Faults.Add(fault.Rule{Method: "GET", Path: "/Users/", Kind: fault.Status, Status: 429,
		Body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"429","detail":"slow down"}`})
	id, _ := srv.UserID("bob")
	_, err := c.GetUser(ctx, id)
	var se *scim.Error
	if !errors.As(err, &se) || se.Status != 429 || se.Detail != "slow down" {
		t.Fatalf("endless throttling: %v", err)
	}
	if got := srv.Calls("GET", "Users"); got != 5 {
		t.Fatalf("GET attempts = %d, want 1 + 4 retries", got)
	}
}

func TestClientRejectsBadToken(t *testing.T) {
	srv, _ := newClient(t, scimsim.Options{})
	hc, _ := tlsutil.Options{CAPEM: srv.CAPEM}.HTTPClient(5 * time.Second)
	c, _ := scim.New(scim.Options{URL: srv.URL, Token: "wrong", HTTPClient: hc})
	_, err := c.Capabilities(context.Background())
	if !errors.Is(err, scim.ErrUnauthorized) || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("bad token: %v", err)
	}
}

func TestClientFallsBackToPutWhenPatchRefused(t *testing.T) {
	srv, c := newClient(t, scimsim.Options{})
	ctx := context.Background()
	u, err := c.CreateUser(ctx, &scim.User{UserName: "carol"})
	if err != nil {
		t.Fatal(err)
	}
	// Advertised, but the deployment refuses it.
	srv.Faults.Add(fault.Rule{Method: "PATCH", Kind: fault.Status, Status: 501, Path: "/Users/",
		Body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"501"}`})
	n := *u
	n.DisplayName = "Carol"
	got, method, err := c.UpdateUser(ctx, u, &n, u.Version())
	if err != nil || method != http.MethodPut || got.DisplayName != "Carol" {
		t.Fatalf("fallback: %v %s %+v", err, method, got)
	}
	n.DisplayName = "Carol C"
	if _, method, err = c.UpdateUser(ctx, got, &n, got.Version()); err != nil || method != http.MethodPut {
		t.Fatalf("second update: %v %s", err, method)
	}
	if p := srv.Calls("PATCH", "Users"); p != 1 {
		t.Fatalf("PATCH tried %d times, want once", p)
	}
}
