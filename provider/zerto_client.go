package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/tenantops/tenantops/internal/zerto"
)

// zertoPollInterval is how often the provider polls Zerto tasks and VPG
// status. TENANTOPS_ZERTO_POLL_INTERVAL (a Go duration such as "250ms")
// overrides it.
var zertoPollInterval = zerto.DefaultPollInterval

// zertoClient returns the provider's shared Zerto client, or a
// missingBlockError naming the zerto block when it is not configured.
func (d *ProviderData) zertoClient(_ context.Context, resource string) (*zerto.Client, error) {
	if d == nil || d.Zerto == nil {
		return nil, missingBlockError{block: "zerto", resource: resource}
	}
	return client(d, "zerto", func() (*zerto.Client, error) {
		z := d.Zerto
		hc, err := z.TLS.HTTPClient(2 * time.Minute)
		if err != nil {
			return nil, fmt.Errorf("zerto TLS settings: %w", err)
		}
		poll := zertoPollInterval
		if v := os.Getenv("TENANTOPS_ZERTO_POLL_INTERVAL"); v != "" {
			p, err := time.ParseDuration(v)
			if err != nil || p <= 0 {
				return nil, errors.New("TENANTOPS_ZERTO_POLL_INTERVAL must be a positive duration such as 500ms")
			}
			poll = p
		}
		return zerto.New(zerto.Config{
			URL: z.URL, AuthMode: z.AuthMode,
			ClientID: z.ClientID, ClientSecret: z.ClientSecret,
			Username: z.Username, Password: z.Password,
			HTTPClient: hc, PollInterval: poll, UserAgent: d.UserAgent,
		})
	})
}

// zertoErr formats a Zerto failure for a diagnostic detail: a failed
// task's reason, or the client's message.
func zertoErr(err error) string {
	var te *zerto.TaskError
	if errors.As(err, &te) {
		return fmt.Sprintf("Zerto: %s (the %s task %s failed)", te.Reason, te.Type, te.TaskID)
	}
	return "Zerto: " + err.Error()
}
