package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/tenantops/tenantops/internal/keycloak"
)

// keycloakClient returns the provider's shared Keycloak client, or an error
// naming the missing keycloak block.
func (d *ProviderData) keycloakClient(_ context.Context, resource string) (*keycloak.Client, error) {
	if d == nil || d.Keycloak == nil {
		return nil, missingBlockError{block: "keycloak", resource: resource}
	}
	k := d.Keycloak
	return client(d, "keycloak", func() (*keycloak.Client, error) {
		return keycloak.New(keycloak.Config{
			URL: k.URL, Realm: k.Realm, ClientID: k.ClientID, ClientSecret: k.ClientSecret,
			Username: k.Username, Password: k.Password, TLS: k.TLS, UserAgent: d.UserAgent,
		})
	})
}

// kcErr formats a Keycloak failure for a diagnostic detail.
func kcErr(err error) string {
	var e *keycloak.Error
	if errors.As(err, &e) {
		return "Keycloak: " + e.Message
	}
	return fmt.Sprintf("Keycloak: %v", err)
}
