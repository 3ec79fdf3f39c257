package provider

import (
	"fmt"
	"testing"

	"github.com/tenantops/tenantops/internal/sim/fault"
	kcsim "github.com/tenantops/tenantops/internal/sim/keycloak"
)

// startKeycloakSim starts a private Keycloak simulator for one test.
func startKeycloakSim(t *testing.T) *kcsim.Server {
	t.Helper()
	return startSim(t, kcsim.Start, kcsim.Options{})
}

// kcBlock is the keycloak block pointing at the simulator, trusting its
// certificate through ca_pem.
func kcBlock(s *kcsim.Server) string {
	return backendHCL("keycloak", s.CAPEM, "url", s.URL, "client_id", s.ClientID, "client_secret", s.ClientSecret)
}

// kcProvider is the provider block with only the keycloak block.
func kcProvider(s *kcsim.Server) string { return providerHCL(kcBlock(s)) }

// kcFault answers requests matching method and path with status and a
// JSON body, as Keycloak's admin API does.
func kcFault(method, path string, status int, body string) fault.Rule {
	return fault.Rule{Method: method, Path: path, Kind: fault.Status, Status: status,
		ContentType: "application/json", Body: body}
}

func kcExpectEq[T comparable](what string, got, want T) error {
	if got != want {
		return fmt.Errorf("%s: got %v, want %v", what, got, want)
	}
	return nil
}
