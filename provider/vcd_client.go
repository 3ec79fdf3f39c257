package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

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
			PollInterval: vcdPollInterval, UserAgent: d.UserAgent,
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
	return fmt.Sprintf("Cloud Director: %v", err)
}

// orgByKey finds the organization an import key names: an ID (URN or
// UUID) or else a name.
func orgByKey(ctx context.Context, c *vcd.Client, key string) (*vcd.Org, error) {
	if vcd.IsUUIDOrURN(key) {
		return c.GetOrg(ctx, key)
	}
	return c.GetOrgByName(ctx, key)
}
