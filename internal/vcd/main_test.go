package vcd_test

import (
	"os"
	"testing"

	"github.com/tenantops/tenantops/internal/contract"
)

// TestMain checks the client's traffic against Cloud Director's own API
// description (internal/contract): these tests speak as the product does.
func TestMain(m *testing.M) {
	os.Exit(contract.Main(m, "internal/vcd"))
}
