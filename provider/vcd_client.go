package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/tenantops/tenantops/internal/vcd"
)

// vcdClient returns the provider's shared Cloud Director client (logging in
// on first use), or an error naming the missing vcd block.
func (d *ProviderData) vcdClient(ctx context.Context, resource string) (*vcd.Client, error) {
	if d == nil || d.VCD == nil {
		return nil, missingBlockError{block: "vcd", resource: resource}
	}
	v := d.VCD
	return client(d, "vcd", func() (*vcd.Client, error) {
		return vcd.New(ctx, vcd.Config{
			URL: v.URL, User: v.User, Password: v.Password, Org: v.Org, APIToken: v.APIToken, TLS: v.TLS,
			PollInterval: vcdPollInterval,
		})
	})
}

// vcdPollInterval is how often Cloud Director tasks are polled. Short
// enough that a plan-apply does not idle, long enough not to load the cell.
var vcdPollInterval = time.Second

// vcdErr formats a Cloud Director failure for a diagnostic detail: the
// server's own message, prefixed with the system's name.
func vcdErr(err error) string {
	var te *vcd.TaskError
	if errors.As(err, &te) {
		return "Cloud Director: " + te.Error()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "Cloud Director: " + err.Error() +
			". The operation did not finish within the configured timeout; raise it in the resource's timeouts block if Cloud Director is slow."
	}
	return fmt.Sprintf("Cloud Director: %v", err)
}

// timeoutFunc is one of a timeouts.Value's Create, Update or Delete methods.
type timeoutFunc func(context.Context, time.Duration) (time.Duration, diag.Diagnostics)

// vcdCall prepares one Cloud Director operation of a resource: a context
// bounded by the configured timeout (none when timeout is nil) and the shared
// client. ok is false when it added error diagnostics; call cancel either way.
func (d *ProviderData) vcdCall(ctx context.Context, resource string, timeout timeoutFunc, def time.Duration,
	diags *diag.Diagnostics) (_ context.Context, cancel context.CancelFunc, c *vcd.Client, ok bool) {
	cancel = func() {}
	if timeout != nil {
		t, d := timeout(ctx, def)
		diags.Append(d...)
		if diags.HasError() {
			return ctx, cancel, nil, false
		}
		ctx, cancel = context.WithTimeout(ctx, t)
	}
	c, err := d.vcdClient(ctx, resource)
	if err != nil {
		diags.Append(clientDiag("Cloud Director", err))
		return ctx, cancel, nil, false
	}
	return ctx, cancel, c, true
}
