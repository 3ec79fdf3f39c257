package workspace

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/mod/sumdb/dirhash"

	"github.com/tenantops/tenantops/internal/tfmirror"
)

// ProviderAddress is the tenantops provider's registry address.
const ProviderAddress = tfmirror.ProviderAddress

// ProviderDir returns the newest version directory of the tenantops
// provider for this platform in mirrorDir, and that version.
func ProviderDir(mirrorDir string) (dir, version string, err error) {
	base := filepath.Join(mirrorDir, filepath.FromSlash(ProviderAddress))
	entries, err := os.ReadDir(base)
	if err != nil {
		return "", "", fmt.Errorf("provider mirror %s: %w", mirrorDir, err)
	}
	platform := runtime.GOOS + "_" + runtime.GOARCH
	for i := len(entries) - 1; i >= 0; i-- {
		d := filepath.Join(base, entries[i].Name(), platform)
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d, entries[i].Name(), nil
		}
	}
	return "", "", errors.New("provider mirror " + mirrorDir + " holds no tenantops provider for " + platform)
}

// ProviderVersionDir returns the directory of version of the tenantops
// provider for this platform in mirrorDir; an empty version means the
// newest (ProviderDir).
func ProviderVersionDir(mirrorDir, version string) (string, error) {
	if version == "" {
		dir, _, err := ProviderDir(mirrorDir)
		return dir, err
	}
	if !validTierName(version) {
		return "", fmt.Errorf("invalid provider version %q", version)
	}
	d := filepath.Join(mirrorDir, filepath.FromSlash(ProviderAddress), version, runtime.GOOS+"_"+runtime.GOARCH)
	if st, err := os.Stat(d); err != nil || !st.IsDir() {
		return "", fmt.Errorf("provider mirror %s holds no tenantops provider %s for %s/%s", mirrorDir, version, runtime.GOOS, runtime.GOARCH)
	}
	return d, nil
}

// LockFile returns a .terraform.lock.hcl pinning the newest provider in
// mirrorDir by its h1 hash (the hash Terraform computes over an unpacked
// package).
func LockFile(mirrorDir string) (string, error) {
	return LockFileFor(mirrorDir, "")
}

// LockFileFor is LockFile for one provider version ("" for the newest).
func LockFileFor(mirrorDir, version string) (string, error) {
	dir, err := ProviderVersionDir(mirrorDir, version)
	if err != nil {
		return "", err
	}
	version = filepath.Base(filepath.Dir(dir))
	h1, err := dirhash.HashDir(dir, "", dirhash.Hash1)
	if err != nil {
		return "", fmt.Errorf("hash provider: %w", err)
	}
	return fmt.Sprintf(`# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider %q {
  version = %q
  hashes = [
    %q,
  ]
}
`, ProviderAddress, version, h1), nil
}

// CLIConfig returns a Terraform CLI configuration whose only source for the
// tenantops provider is the read-only mirrorDir (tfmirror.CLIConfig).
func CLIConfig(mirrorDir string) string { return tfmirror.CLIConfig(mirrorDir) }

// WriteCLIConfig writes CLIConfig(mirrorDir) to path.
func WriteCLIConfig(path, mirrorDir string) error { return tfmirror.WriteCLIConfig(path, mirrorDir) }
