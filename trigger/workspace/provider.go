package workspace

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

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

// NewestProvider returns the newest version of the tenantops provider for
// this platform in mirror: a filesystem mirror directory (ProviderDir) or
// the https:// URL of a provider network mirror.
func NewestProvider(mirror string) (string, error) {
	if tfmirror.IsNetwork(mirror) {
		return netNewest(mirror)
	}
	_, version, err := ProviderDir(mirror)
	return version, err
}

// HasProvider reports whether mirror holds version of the tenantops
// provider for this platform.
func HasProvider(mirror, version string) error {
	if tfmirror.IsNetwork(mirror) {
		return netHas(mirror, version)
	}
	_, err := ProviderVersionDir(mirror, version)
	return err
}

// LockFile returns a .terraform.lock.hcl pinning the newest provider in
// mirror by its h1 hash (the hash Terraform computes over an unpacked
// package) and, for a network mirror, the zh: hashes of its packages.
func LockFile(mirror string) (string, error) {
	return LockFileFor(mirror, "")
}

// LockFileFor is LockFile for one provider version ("" for the newest).
func LockFileFor(mirror, version string) (string, error) {
	var hashes []string
	if tfmirror.IsNetwork(mirror) {
		if version == "" {
			v, err := netNewest(mirror)
			if err != nil {
				return "", err
			}
			version = v
		}
		l, err := netLockFor(mirror, version)
		if err != nil {
			return "", err
		}
		// Sorted as Terraform writes them: "h1:" before "zh:".
		hashes = append([]string{l.h1}, l.zh...)
	} else {
		dir, err := ProviderVersionDir(mirror, version)
		if err != nil {
			return "", err
		}
		version = filepath.Base(filepath.Dir(dir))
		h1, err := dirhash.HashDir(dir, "", dirhash.Hash1)
		if err != nil {
			return "", fmt.Errorf("hash provider: %w", err)
		}
		hashes = []string{h1}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider %q {
  version = %q
  hashes = [
`, ProviderAddress, version)
	for _, h := range hashes {
		fmt.Fprintf(&b, "    %q,\n", h)
	}
	b.WriteString("  ]\n}\n")
	return b.String(), nil
}

// CLIConfig returns a Terraform CLI configuration whose only source for the
// tenantops provider is mirror (tfmirror.CLIConfig).
func CLIConfig(mirror string) string { return tfmirror.CLIConfig(mirror) }

// WriteCLIConfig writes CLIConfig(mirror) to path.
func WriteCLIConfig(path, mirror string) error { return tfmirror.WriteCLIConfig(path, mirror) }
