package provider

import (
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/tenantops/tenantops/internal/keycloak"
)

// keycloakClient returns the provider's shared Keycloak client, or an error
// naming the missing keycloak block.
func (d *ProviderData) keycloakClient(resource string) (*keycloak.Client, error) {
	if d == nil || d.Keycloak == nil {
		return nil, missingBlockError{block: "keycloak", resource: resource}
	}
	k := d.Keycloak
	return client(d, "keycloak", func() (*keycloak.Client, error) {
		return keycloak.New(keycloak.Config{
			URL: k.URL, Realm: k.Realm, ClientID: k.ClientID, ClientSecret: k.ClientSecret,
			Username: k.Username, Password: k.Password, TLS: k.TLS,
		})
	})
}

// keycloakFor is keycloakClient for CRUD methods: it reports the missing
// block as a diagnostic and returns nil.
func (d *ProviderData) keycloakFor(resource string, diags *diag.Diagnostics) *keycloak.Client {
	kc, err := d.keycloakClient(resource)
	if err != nil {
		diags.Append(backendDiag("Keycloak is not configured", err))
		return nil
	}
	return kc
}

// kcErr formats a Keycloak failure for a diagnostic detail.
func kcErr(err error) string {
	var e *keycloak.Error
	if errors.As(err, &e) {
		return "Keycloak: " + e.Message
	}
	return fmt.Sprintf("Keycloak: %v", err)
}
