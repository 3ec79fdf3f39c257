package provider

import (
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/tenantops/tenantops/internal/tlsutil"
)

// VCDSettings is the resolved vcd block.
type VCDSettings struct {
	URL, User, Password, Org, APIToken string
	TLS                                tlsutil.Options
}

// KeycloakSettings is the resolved keycloak block.
type KeycloakSettings struct {
	URL, Realm, ClientID, ClientSecret, Username, Password string
	TLS                                                    tlsutil.Options
}

// DirectorySettings is the resolved directory block.
type DirectorySettings struct {
	URL, BindDN, BindPassword string
	StartTLS                  bool
	TLS                       tlsutil.Options
}

// SCIMSettings is the resolved scim block.
type SCIMSettings struct {
	URL, Token string
	TLS        tlsutil.Options
}

// ZertoSettings is the resolved zerto block.
type ZertoSettings struct {
	URL, ClientID, ClientSecret, Username, Password, AuthMode string
	TLS                                                       tlsutil.Options
}

// ProviderData is handed to every resource and data source. A nil settings
// pointer means that backend's block is absent. Clients are built lazily, on
// first use, and shared by all resources of one provider instance, so one
// login serves a whole plan or apply.
type ProviderData struct {
	VCD       *VCDSettings
	Keycloak  *KeycloakSettings
	Directory *DirectorySettings
	SCIM      *SCIMSettings
	Zerto     *ZertoSettings
	// UserAgent names the provider and its version in every backend
	// request (LDAP has no such field).
	UserAgent string

	mu      sync.Mutex
	clients map[string]any
}

// missingBlockError is returned by the client accessors when the resource's
// backend is not configured.
type missingBlockError struct{ block, resource string }

func (e missingBlockError) Error() string {
	return fmt.Sprintf("the provider configuration has no %q block: add `%s { ... }` to the tenantops provider "+
		"(or set TENANTOPS_%s_URL and friends) to use %s", e.block, e.block, envName(e.block), e.resource)
}

// client returns the cached client under key, building it with mk on first use.
// A failed build is not cached, so a later call may succeed.
func client[T any](d *ProviderData, key string, mk func() (T, error)) (T, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if c, ok := d.clients[key]; ok {
		return c.(T), nil
	}
	c, err := mk()
	if err != nil {
		var zero T
		return zero, err
	}
	if d.clients == nil {
		d.clients = map[string]any{}
	}
	d.clients[key] = c
	return c, nil
}

// providerDataOf is the checked type assertion of what the provider's
// Configure handed over; nil before the provider is configured.
func providerDataOf(v any, diags *diag.Diagnostics) *ProviderData {
	if v == nil {
		return nil
	}
	d, ok := v.(*ProviderData)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *provider.ProviderData, got %T. Please report this issue.", v))
		return nil
	}
	return d
}
