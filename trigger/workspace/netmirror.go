package workspace

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/semver"
	"golang.org/x/mod/sumdb/dirhash"

	"github.com/tenantops/tenantops/internal/tfmirror"
)

// MirrorClient reads provider network mirrors. It trusts the system's
// certificate pool, which SSL_CERT_FILE and SSL_CERT_DIR extend (the
// trigger hands both to Terraform too).
var MirrorClient = &http.Client{Timeout: 2 * time.Minute}

// netArchive is one platform's package in a network mirror's <version>.json.
type netArchive struct {
	URL    string   `json:"url"`
	Hashes []string `json:"hashes"`
}

// netLock is what a lock file pins for one version of a network mirror:
// the h1: hash of this platform's package and every zh: hash the mirror
// announces. A version's packages never change, so it is read once.
type netLock struct {
	h1 string
	zh []string
}

var netLocks sync.Map // "<mirror>\x00<version>" -> netLock

// providerURL resolves name (index.json, <version>.json) below the
// tenantops provider's directory of the network mirror.
func providerURL(mirror, name string) (*url.URL, error) {
	u, err := url.Parse(tfmirror.NetworkURL(mirror))
	if err != nil {
		return nil, fmt.Errorf("provider network mirror %q: %w", mirror, err)
	}
	return u.JoinPath(tfmirror.ProviderAddress, name), nil
}

// getJSON decodes the JSON document at u into v.
func getJSON(u *url.URL, v any) error {
	resp, err := MirrorClient.Get(u.String())
	if err != nil {
		return fmt.Errorf("provider network mirror: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("provider network mirror: GET %s: %s", u.Redacted(), resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v); err != nil {
		return fmt.Errorf("provider network mirror: %s: %w", u.Redacted(), err)
	}
	return nil
}

// netVersions lists the versions of the tenantops provider the network
// mirror offers, oldest first.
func netVersions(mirror string) ([]string, error) {
	u, err := providerURL(mirror, "index.json")
	if err != nil {
		return nil, err
	}
	var index struct {
		Versions map[string]json.RawMessage `json:"versions"`
	}
	if err := getJSON(u, &index); err != nil {
		return nil, err
	}
	var out []string
	for v := range index.Versions {
		if semver.IsValid("v" + v) {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return semver.Compare("v"+a, "v"+b) })
	return out, nil
}

// netArchives returns the packages of version in the network mirror, by
// platform (linux_amd64), and the URL they are relative to.
func netArchives(mirror, version string) (map[string]netArchive, *url.URL, error) {
	if !semver.IsValid("v" + version) {
		return nil, nil, fmt.Errorf("invalid provider version %q", version)
	}
	u, err := providerURL(mirror, version+".json")
	if err != nil {
		return nil, nil, err
	}
	var doc struct {
		Archives map[string]netArchive `json:"archives"`
	}
	if err := getJSON(u, &doc); err != nil {
		return nil, nil, err
	}
	return doc.Archives, u, nil
}

// netNewest returns the newest version the network mirror offers for this
// platform.
func netNewest(mirror string) (string, error) {
	versions, err := netVersions(mirror)
	if err != nil {
		return "", err
	}
	for i := len(versions) - 1; i >= 0; i-- {
		if err := netHas(mirror, versions[i]); err == nil {
			return versions[i], nil
		}
	}
	return "", fmt.Errorf("provider network mirror %s offers no tenantops provider for %s", mirror, platform())
}

// netHas reports whether the network mirror offers version for this platform.
func netHas(mirror, version string) error {
	archives, _, err := netArchives(mirror, version)
	if err != nil {
		return err
	}
	if _, ok := archives[platform()]; !ok {
		return fmt.Errorf("provider network mirror %s offers no tenantops provider %s for %s", mirror, version, platform())
	}
	return nil
}

// netLockFor returns what a lock file pins for version: it downloads this
// platform's package once, checks it against the mirror's zh: hashes and
// computes the h1: hash Terraform computes over the unpacked package
// (what it checks an installed provider against before every plan).
func netLockFor(mirror, version string) (netLock, error) {
	key := tfmirror.NetworkURL(mirror) + "\x00" + version
	if l, ok := netLocks.Load(key); ok {
		return l.(netLock), nil
	}
	archives, base, err := netArchives(mirror, version)
	if err != nil {
		return netLock{}, err
	}
	a, ok := archives[platform()]
	if !ok {
		return netLock{}, fmt.Errorf("provider network mirror %s offers no tenantops provider %s for %s", mirror, version, platform())
	}
	var l netLock
	for _, pa := range archives {
		for _, h := range pa.Hashes {
			if strings.HasPrefix(h, "zh:") && !slices.Contains(l.zh, h) {
				l.zh = append(l.zh, h)
			}
		}
	}
	slices.Sort(l.zh)
	if l.h1, err = netPackageHash(base, a); err != nil {
		return netLock{}, fmt.Errorf("provider network mirror %s, tenantops %s: %w", mirror, version, err)
	}
	netLocks.Store(key, l)
	return l, nil
}

// netPackageHash downloads a package and returns its h1: hash, after
// checking it against the zh: hashes the mirror gives for it.
func netPackageHash(base *url.URL, a netArchive) (string, error) {
	ref, err := url.Parse(a.URL)
	if err != nil {
		return "", err
	}
	u := base.ResolveReference(ref)
	resp, err := MirrorClient.Get(u.String())
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", u.Redacted(), resp.Status)
	}
	f, err := os.CreateTemp("", "tenantops-provider-*.zip")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	sum := sha256.New()
	if _, err := io.Copy(io.MultiWriter(f, sum), resp.Body); err != nil {
		return "", fmt.Errorf("GET %s: %w", u.Redacted(), err)
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	h1, err := dirhash.HashZip(f.Name(), dirhash.Hash1)
	if err != nil {
		return "", err
	}
	// As Terraform does, a package the mirror gives hashes for must match
	// one of them.
	zh := "zh:" + hex.EncodeToString(sum.Sum(nil))
	if len(a.Hashes) > 0 && !slices.Contains(a.Hashes, zh) && !slices.Contains(a.Hashes, h1) {
		return "", errors.New("the package " + u.Redacted() + " does not match the mirror's hashes " + strings.Join(a.Hashes, ", "))
	}
	return h1, nil
}

func platform() string { return runtime.GOOS + "_" + runtime.GOARCH }
