package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/terraform"

	kcsim "github.com/tenantops/tenantops/internal/sim/keycloak"
)

// startKeycloakSim starts a private Keycloak simulator for one test.
func startKeycloakSim(t *testing.T) *kcsim.Server {
	t.Helper()
	s, err := kcsim.Start(kcsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// kcProvider is the provider block pointing at the simulator, trusting its
// certificate through ca_pem.
func kcProvider(s *kcsim.Server) string {
	return fmt.Sprintf(`
provider "tenantops" {
  keycloak {
    url           = %q
    client_id     = %q
    client_secret = %q
    ca_pem        = <<EOT
%sEOT
  }
}
`, s.URL, s.ClientID, s.ClientSecret, s.CAPEM)
}

// kcNothingLeft fails when the simulator still holds any object.
func kcNothingLeft(s *kcsim.Server) func(*terraform.State) error {
	return func(*terraform.State) error {
		if inv := s.Inventory(); len(inv) > 0 {
			return fmt.Errorf("objects left in Keycloak after destroy: %s", strings.Join(inv, ", "))
		}
		return nil
	}
}

// kcCheck wraps a simulator assertion as a check function.
func kcCheck(f func() error) func(*terraform.State) error {
	return func(*terraform.State) error { return f() }
}

func kcExpectEq[T comparable](what string, got, want T) error {
	if got != want {
		return fmt.Errorf("%s: got %v, want %v", what, got, want)
	}
	return nil
}
