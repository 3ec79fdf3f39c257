// Package tfmirror knows how Terraform finds the tenantops provider in a
// local filesystem mirror: the provider's address and the CLI configuration
// that makes the mirror its only source. The trigger's workspaces and the
// test harness both need it, and neither should import the other for it.
package tfmirror

import (
	"fmt"
	"os"
)

// ProviderAddress is the tenantops provider's registry address.
const ProviderAddress = "registry.terraform.io/tenantops/tenantops"

// CLIConfig returns a Terraform CLI configuration whose only source for the
// tenantops provider is the read-only mirrorDir; every other provider is
// refused (nothing is downloaded at run time).
func CLIConfig(mirrorDir string) string {
	return fmt.Sprintf(`disable_checkpoint = true

provider_installation {
  filesystem_mirror {
    path    = %q
    include = [%q]
  }
}
`, mirrorDir, ProviderAddress)
}

// WriteCLIConfig writes CLIConfig(mirrorDir) to path, readable by its owner only.
func WriteCLIConfig(path, mirrorDir string) error {
	return os.WriteFile(path, []byte(CLIConfig(mirrorDir)), 0o600)
}
