package provider

import (
	"context"
	"errors"
	"net/http"
	"strings"
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
	vcdBackend       = backend[*vcd.Client]{"Cloud Director", "vcd", (*ProviderData).vcdClient, vcdErr}
	keycloakBackend  = backend[*keycloak.Client]{"Keycloak", "keycloak", (*ProviderData).keycloakClient, kcErr}
	scimBackend      = backend[*scim.Client]{"SCIM", "scim", (*ProviderData).scimClient, scimErr}
	directoryBackend = backend[*directory.Client]{"Active Directory", "directory", (*ProviderData).directoryClient, dirErr}
	zertoBackend     = backend[*zerto.Client]{"Zerto", "zerto", (*ProviderData).zertoClient, zertoErr}
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
// asks of the reader, then any hint the error carries (withHint). A failed
// login is the summary, with the operation it stopped in the detail.
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
	var a *annotated
	if errors.As(err, &a) && a.hint != "" {
		detail = strings.TrimSuffix(detail, ".") + ". " + a.hint
	}
	return diag.NewErrorDiagnostic(summary, detail)
}

// annotated is a backend error with what a resource adds to it: the
// summary to report it under, when the operation's would misname the step
// that failed ("Unable to set members of group ..." in a Create), and a
// hint for the reader, which backend.error puts after the backend's own
// message.
type annotated struct {
	err           error
	summary, hint string
}

func (a *annotated) Error() string { return a.err.Error() }
func (a *annotated) Unwrap() error { return a.err }

// annotate returns err annotated, merging with an annotation it has.
func annotate(err error, set func(*annotated)) error {
	a := &annotated{err: err}
	if prior, ok := err.(*annotated); ok {
		copied := *prior
		a = &copied
	}
	set(a)
	return a
}

// failed reports err under summary.
func failed(summary string, err error) error {
	return annotate(err, func(a *annotated) { a.summary = summary })
}

// withHint adds hint to the detail of err's diagnostic.
func withHint(err error, hint string) error {
	return annotate(err, func(a *annotated) { a.hint = hint })
}

// summaryOf is the summary err is to be reported under: its own when it
// carries one (failed), else def.
func summaryOf(err error, def string) string {
	var a *annotated
	if errors.As(err, &a) && a.summary != "" {
		return a.summary
	}
	return def
}

// errGone is what a resource's read returns when its object no longer
// exists in a way the backend has no not-found error for (a membership
// ended).
var errGone = errors.New("the object no longer exists")

// gone reports whether err says the object does not exist (any more).
func gone(err error) bool {
	return errors.Is(err, errGone) || (err != nil && classify(err) == errNotFound)
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
