package keycloak

import (
	"os"
	"testing"

	"github.com/tenantops/tenantops/internal/contract"
)

// TestMain checks the client's traffic against Keycloak's own description:
// these tests drive every call tenantops makes, with the unmodified gocloak.
func TestMain(m *testing.M) {
	os.Exit(contract.Main(m, "internal/keycloak"))
}
