// Package tfmirror knows how Terraform finds the tenantops provider in a
// mirror, a local filesystem mirror or a provider network mirror served
// over HTTPS: the provider's address and the CLI configuration that makes
// the mirror its only source. The trigger's workspaces and the test
// harness both need it, and neither should import the other for it.
package tfmirror

import (
	"fmt"
	"os"
	"strings"
)

// ProviderAddress is the tenantops provider's registry address.
const ProviderAddress = "registry.terraform.io/tenantops/tenantops"

// IsNetwork reports whether mirror names a provider network mirror (an
// https:// URL) rather than a filesystem mirror directory.
func IsNetwork(mirror string) bool { return strings.HasPrefix(mirror, "https://") }

// NetworkURL is a network mirror's URL as Terraform wants it: ending in a
// slash, so that the provider's paths resolve below it.
func NetworkURL(mirror string) string { return strings.TrimRight(mirror, "/") + "/" }

// CLIConfig returns a Terraform CLI configuration whose only source for the
// tenantops provider is mirror: a read-only filesystem mirror directory,
// or the https:// URL of a provider network mirror. Every other provider
// is refused, and nothing but the mirror is reached.
func CLIConfig(mirror string) string {
	if IsNetwork(mirror) {
		return fmt.Sprintf(`disable_checkpoint = true

provider_installation {
  network_mirror {
    url     = %q
    include = [%q]
  }
}
`, NetworkURL(mirror), ProviderAddress)
	}
	return fmt.Sprintf(`disable_checkpoint = true

provider_installation {
  filesystem_mirror {
    path    = %q
    include = [%q]
  }
}
`, mirror, ProviderAddress)
}

// WriteCLIConfig writes CLIConfig(mirror) to path, readable by its owner only.
func WriteCLIConfig(path, mirror string) error {
	return os.WriteFile(path, []byte(CLIConfig(mirror)), 0o600)
}
