package provider

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/tenantops/tenantops/internal/directory"
	"github.com/tenantops/tenantops/internal/keycloak"
	"github.com/tenantops/tenantops/internal/scim"
	"github.com/tenantops/tenantops/internal/vcd"
	"github.com/tenantops/tenantops/internal/zerto"
)

// backend is one system the provider reaches: its name as diagnostics say
// it, its provider block, how to get the provider's shared client and how
// to word the client's errors. Every resource reaches its backend through
// open and reports its failures through backend.error, whichever backend.
type backend[T any] struct {
	system, block string
	client        func(d *ProviderData, ctx context.Context, resource string) (T, error)
	detail        func(error) string
}

var (
	vcdBackend = backend[*vcd.Client]{"Cloud Director", "vcd", (*ProviderData).vcdClient, vcdErr}

	keycloakBackend = backend[*keycloak.Client]{"Keycloak", "keycloak",
		func(d *ProviderData, _ context.Context, r string) (*keycloak.Client, error) {
			return d.keycloakClient(r)
		}, kcErr}

	scimBackend = backend[*scim.Client]{"SCIM", "scim",
		func(d *ProviderData, _ context.Context, r string) (*scim.Client, error) { return d.scimClient(r) }, scimErr}

	directoryBackend = backend[*directory.Client]{"Active Directory", "directory",
		func(d *ProviderData, _ context.Context, r string) (*directory.Client, error) {
			return d.directoryClient(r)
		}, dirErr}

	zertoBackend = backend[*zerto.Client]{"Zerto", "zerto",
		func(d *ProviderData, _ context.Context, r string) (*zerto.Client, error) { return d.zertoClient(r) },
		func(err error) string { return "Zerto: " + err.Error() }}
)

// identityTimeout is the default bound of one operation on Keycloak, SCIM or
// the directory: a handful of requests that each take well under a second,
// so a stalled server ends the apply in minutes rather than hours.
const identityTimeout = 5 * time.Minute

// timeoutFunc is one of a timeouts.Value's Create, Read, Update or Delete
// methods.
type timeoutFunc func(context.Context, time.Duration) (time.Duration, diag.Diagnostics)

// open prepares one operation of a resource on backend b: a context bounded
// by the resource's configured timeout (def when the timeouts block leaves
// it out; no bound when timeout is nil) and the shared client. ok is false
// when it added error diagnostics: a missing block ("not configured", with
// the block and its environment variables) or a client that could not be
// built or log in ("login failed", with the backend's message). Call cancel
// either way.
func open[T any](ctx context.Context, d *ProviderData, b backend[T], resource string, timeout timeoutFunc,
	def time.Duration, diags *diag.Diagnostics) (_ context.Context, cancel context.CancelFunc, c T, ok bool) {
	cancel = func() {}
	if timeout != nil {
		t, td := timeout(ctx, def)
		diags.Append(td...)
		if diags.HasError() {
			return ctx, cancel, c, false
		}
		ctx, cancel = context.WithTimeout(ctx, t)
	}
	c, err := b.client(d, ctx, resource)
	if err != nil {
		diags.Append(clientDiag(b.system, err))
		return ctx, cancel, c, false
	}
	return ctx, cancel, c, true
}

// errKind is what a backend failure means for the person running Terraform.
type errKind int

const (
	errOther errKind = iota
	errLogin
	errNotFound
	errConflict
	errForbidden
	errTransient
	errTimeout
)

// classify sorts a backend error, whichever client returned it, by the
// sentinels and statuses the clients in internal/ expose.
func classify(err error) errKind {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return errTimeout
	case errors.Is(err, keycloak.ErrLogin), errors.Is(err, zerto.ErrLogin),
		errors.Is(err, directory.ErrLogin), errors.Is(err, scim.ErrUnauthorized):
		return errLogin
	case errors.Is(err, vcd.ErrNotFound), errors.Is(err, keycloak.ErrNotFound), errors.Is(err, scim.ErrNotFound),
		errors.Is(err, directory.ErrNotFound), errors.Is(err, zerto.ErrNotFound):
		return errNotFound
	case errors.Is(err, scim.ErrConflict), errors.Is(err, scim.ErrPreconditionFailed),
		errors.Is(err, directory.ErrAlreadyExists), errors.Is(err, vcd.ErrBusy):
		return errConflict
	}
	switch httpStatus(err) {
	case http.StatusUnauthorized:
		return errLogin
	case http.StatusForbidden:
		return errForbidden
	case http.StatusConflict, http.StatusPreconditionFailed:
		return errConflict
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return errTransient
	}
	return errOther
}

// httpStatus is the HTTP status a client's error carries, 0 when none.
func httpStatus(err error) int {
	var (
		ve *vcd.Error
		ke *keycloak.Error
		se *scim.Error
		ze *zerto.APIError
	)
	switch {
	case errors.As(err, &ve):
		return ve.Status
	case errors.As(err, &ke):
		return ke.Status
	case errors.As(err, &se):
		return se.Status
	case errors.As(err, &ze):
		return ze.StatusCode
	}
	return 0
}

// error is the one mapping of a backend failure to a diagnostic: summary
// names the operation and object ("Unable to create realm \"acme\""), the
// detail carries the backend's own message and what the kind of failure
// asks of the reader. A failed login is the summary, with the operation it
// stopped in the detail.
func (b backend[T]) error(summary string, err error) diag.Diagnostic {
	detail := b.detail(err)
	switch classify(err) {
	case errLogin:
		return diag.NewErrorDiagnostic(b.system+" login failed",
			summary+": "+detail+". Check the credentials in the provider's "+b.block+" block.")
	case errConflict:
		detail += ". It conflicts with an existing object or a concurrent change."
	case errForbidden:
		detail += ". The account the provider logs in with lacks the permission for this operation."
	case errTransient:
		detail += ". The service is busy or unavailable; retrying the apply later may succeed."
	case errTimeout:
		detail += ". The operation did not finish within the configured timeout; raise it in the resource's " +
			"timeouts block if " + b.system + " is slow."
	}
	return diag.NewErrorDiagnostic(summary, detail)
}

// clientDiag turns the error of a backend's client accessor into a
// diagnostic that says what happened: a missing block is "not configured";
// anything else is a login that failed (wrong credentials, an unreachable
// or untrusted server, a bad URL), with the client's own message, which
// never holds the credentials.
func clientDiag(system string, err error) diag.Diagnostic {
	var missing missingBlockError
	if errors.As(err, &missing) {
		return diag.NewErrorDiagnostic(system+" is not configured", err.Error())
	}
	return diag.NewErrorDiagnostic(system+" login failed", err.Error())
}
