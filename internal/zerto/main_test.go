package zerto_test

import (
	"os"
	"testing"

	"github.com/tenantops/tenantops/internal/contract"
)

// The client's traffic is the product's: check it against Zerto's
// published API description.
func TestMain(m *testing.M) { os.Exit(contract.Main(m, "internal/zerto")) }
