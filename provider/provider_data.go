package provider

import (
	"errors"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"

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

// configureResource does the checked type assertion every resource needs.
func configureResource(req resource.ConfigureRequest, resp *resource.ConfigureResponse) *ProviderData {
	if req.ProviderData == nil {
		return nil
	}
	d, ok := req.ProviderData.(*ProviderData)
	if !ok {
		resp.Diagnostics.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *provider.ProviderData, got %T. Please report this issue.", req.ProviderData))
		return nil
	}
	return d
}

// configureDataSource is configureResource for data sources.
func configureDataSource(req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) *ProviderData {
	if req.ProviderData == nil {
		return nil
	}
	d, ok := req.ProviderData.(*ProviderData)
	if !ok {
		resp.Diagnostics.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *provider.ProviderData, got %T. Please report this issue.", req.ProviderData))
		return nil
	}
	return d
}

// backendDiag turns a client-accessor error into a diagnostic.
func backendDiag(summary string, err error) diag.Diagnostic {
	return diag.NewErrorDiagnostic(summary, err.Error())
}

// clientDiag turns a client accessor's error for system into a
// diagnostic that says what happened: a missing block is "not
// configured"; anything else is a login that failed (wrong credentials,
// an unreachable or untrusted server, a bad URL), with the client's own
// message, which never holds the credentials.
func clientDiag(system string, err error) diag.Diagnostic {
	var missing missingBlockError
	if errors.As(err, &missing) {
		return backendDiag(system+" is not configured", err)
	}
	return backendDiag(system+" login failed", err)
}
