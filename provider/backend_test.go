package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/tenantops/tenantops/internal/keycloak"
	"github.com/tenantops/tenantops/internal/scim"
	scimsim "github.com/tenantops/tenantops/internal/sim/scim"
	zertosim "github.com/tenantops/tenantops/internal/sim/zerto"
	"github.com/tenantops/tenantops/internal/tlsutil"
	"github.com/tenantops/tenantops/internal/vcd"
	"github.com/tenantops/tenantops/internal/zerto"
)

// A login that fails at Keycloak, SCIM or Zerto is reported as a failed
// login of that backend, with its own message and the operation it stopped,
// never as a missing block, and without the secret.
func TestLoginFailureNamesTheBackend(t *testing.T) {
	t.Parallel()
	const secret = "wrong-secret-q7"
	ctx := context.Background()

	kc := startKeycloakSim(t)
	sc := startSCIMSim(t, scimsim.Options{Token: "right-token"})
	zs := startZertoSim(t, zertosim.Options{})

	for name, call := range map[string]func() (diag.Diagnostic, bool){
		"Keycloak": func() (diag.Diagnostic, bool) {
			d := &ProviderData{Keycloak: &KeycloakSettings{URL: kc.URL, Realm: "master", ClientID: kc.ClientID,
				ClientSecret: secret, TLS: tlsutil.Options{CAPEM: kc.CAPEM}}}
			return loginFailure(ctx, d, keycloakBackend, func(c *keycloak.Client) error {
				_, err := c.GetRealm(ctx, "master")
				return err
			})
		},
		"SCIM": func() (diag.Diagnostic, bool) {
			d := &ProviderData{SCIM: &SCIMSettings{URL: sc.URL, Token: secret, TLS: tlsutil.Options{CAPEM: sc.CAPEM}}}
			return loginFailure(ctx, d, scimBackend, func(c *scim.Client) error {
				_, err := c.GetGroup(ctx, "g-1")
				return err
			})
		},
		"Zerto": func() (diag.Diagnostic, bool) {
			o := zs.Options()
			d := &ProviderData{Zerto: &ZertoSettings{URL: zs.URL, AuthMode: "keycloak", ClientID: o.ClientID,
				ClientSecret: secret, TLS: tlsutil.Options{CAPEM: zs.CAPEM}}}
			return loginFailure(ctx, d, zertoBackend, func(c *zerto.Client) error {
				_, err := c.LocalSite(ctx)
				return err
			})
		},
	} {
		t.Run(name, func(t *testing.T) {
			e, ok := call()
			if !ok {
				t.Fatal("a wrong secret was accepted")
			}
			if e.Summary() != name+" login failed" || !strings.Contains(e.Detail(), "Unable to read x") ||
				!strings.HasPrefix(strings.TrimPrefix(e.Detail(), "Unable to read x: "), name+": ") ||
				strings.Contains(e.Summary()+e.Detail(), "not configured") || strings.Contains(e.Detail(), secret) {
				t.Fatalf("diagnostic %q: %q", e.Summary(), e.Detail())
			}
		})
	}
}

// loginFailure opens backend b on d, runs one call and maps its error.
func loginFailure[T any](ctx context.Context, d *ProviderData, b backend[T], call func(T) error) (diag.Diagnostic, bool) {
	var diags diag.Diagnostics
	_, cancel, c, ok := open(ctx, d, b, "tenantops_x", nil, 0, &diags)
	defer cancel()
	if !ok {
		return diags.Errors()[0], true
	}
	err := call(c)
	if err == nil {
		return nil, false
	}
	return b.error("Unable to read x", err), true
}

// A missing block names the block and its environment variables, for every
// backend alike.
func TestMissingBlockNamesBlockAndEnvironment(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		system, block string
		diags         diag.Diagnostics
	}{
		{"Cloud Director", "vcd", openMissing(vcdBackend)},
		{"Keycloak", "keycloak", openMissing(keycloakBackend)},
		{"SCIM", "scim", openMissing(scimBackend)},
		{"Active Directory", "directory", openMissing(directoryBackend)},
		{"Zerto", "zerto", openMissing(zertoBackend)},
	} {
		if !c.diags.HasError() {
			t.Fatalf("%s: opened without a block", c.system)
		}
		e := c.diags.Errors()[0]
		if e.Summary() != c.system+" is not configured" || !strings.Contains(e.Detail(), c.block+" { ... }") ||
			!strings.Contains(e.Detail(), "TENANTOPS_"+strings.ToUpper(c.block)+"_URL") ||
			!strings.Contains(e.Detail(), "tenantops_x") {
			t.Fatalf("%s: %q: %q", c.system, e.Summary(), e.Detail())
		}
	}
}

// openMissing opens backend b on a provider with no blocks at all.
func openMissing[T any](b backend[T]) diag.Diagnostics {
	var diags diag.Diagnostics
	_, cancel, _, _ := open(context.Background(), &ProviderData{}, b, "tenantops_x", nil, 0, &diags)
	cancel()
	return diags
}

// Every client's failures map to one kind, and the kind decides what the
// diagnostic asks of the reader.
func TestBackendErrorKinds(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err     error
		kind    errKind
		summary string
		hint    string
	}{
		{&keycloak.Error{Status: 403, Message: "HTTP 403 Forbidden"}, errForbidden, "Unable to do x", "lacks the permission"},
		{&scim.Error{Status: 409, ScimType: "uniqueness"}, errConflict, "Unable to do x", "conflicts with an existing object"},
		{&zerto.APIError{StatusCode: 503, Method: "GET", Path: "/v1/vpgs"}, errTransient, "Unable to do x", "retrying the apply later"},
		{fmt.Errorf("get org: %w", vcd.ErrNotFound), errNotFound, "Unable to do x", ""},
		{fmt.Errorf("wait: %w", context.DeadlineExceeded), errTimeout, "Unable to do x", "timeouts block"},
		{fmt.Errorf("%w: %w", keycloak.ErrLogin, &keycloak.Error{Status: 401, Message: "invalid_client"}), errLogin, "Keycloak login failed", "Check the credentials"},
		{&scim.Error{Status: 401}, errLogin, "Keycloak login failed", "Check the credentials"},
		{errors.New("boom"), errOther, "Unable to do x", ""},
	} {
		if got := classify(c.err); got != c.kind {
			t.Errorf("%v: kind %d, want %d", c.err, got, c.kind)
		}
		d := keycloakBackend.error("Unable to do x", c.err)
		if d.Summary() != c.summary || !strings.Contains(d.Detail(), c.hint) || !strings.Contains(d.Detail(), "Keycloak: ") {
			t.Errorf("%v: %q: %q", c.err, d.Summary(), d.Detail())
		}
	}
}
