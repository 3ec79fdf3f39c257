package testenv

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// Release is a release snapshot on disk (tools/release-snapshot.sh): the
// provider's zip per platform, its SHA256SUMS and their signature, the
// trigger's archives.
type Release struct {
	Dir     string
	Version string
	// Archives maps a platform (linux_amd64) to its provider zip's path.
	Archives map[string]string
}

// ReleaseDir is where `make release-host` leaves the snapshot of this
// machine's platform, or TENANTOPS_RELEASE_DIR.
func ReleaseDir() string {
	if d := os.Getenv("TENANTOPS_RELEASE_DIR"); d != "" {
		return d
	}
	return filepath.Join(RepoRoot(), "bin", "release")
}

var providerZip = regexp.MustCompile(`^terraform-provider-tenantops_(.+)_([a-z0-9]+_[a-z0-9]+)\.zip$`)

// LoadRelease reads the release snapshot in ReleaseDir, failing the test
// with the command that makes one when there is none.
func LoadRelease(t testing.TB) Release {
	t.Helper()
	r := Release{Dir: ReleaseDir(), Archives: map[string]string{}}
	b, err := os.ReadFile(filepath.Join(r.Dir, "metadata.json"))
	if err != nil {
		t.Fatalf("no release snapshot in %s (%v): run `make release-host` (or set TENANTOPS_RELEASE_DIR)", r.Dir, err)
	}
	var meta struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(b, &meta); err != nil || meta.Version == "" {
		t.Fatalf("%s/metadata.json names no version: %v", r.Dir, err)
	}
	r.Version = meta.Version
	entries, err := os.ReadDir(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if m := providerZip.FindStringSubmatch(e.Name()); m != nil && m[1] == r.Version {
			r.Archives[m[2]] = filepath.Join(r.Dir, e.Name())
		}
	}
	if len(r.Archives) == 0 {
		t.Fatalf("release snapshot %s holds no provider archive of version %s", r.Dir, r.Version)
	}
	return r
}

// NetworkMirror is a Terraform provider network mirror serving a
// release's provider archives over HTTPS on loopback.
type NetworkMirror struct {
	// URL is the mirror's base URL, ending in a slash, as a CLI
	// configuration's network_mirror block takes it.
	URL string
	// CAFile is the PEM file of the certificate to trust (SSL_CERT_FILE).
	CAFile string
	// Hashes maps a platform to the "zh:<sha256 of the zip>" the mirror
	// announces for it; change it with SetHash.
	Hashes map[string]string

	mu       sync.Mutex
	requests []string
}

// ServeNetworkMirror serves r as the network mirror protocol lays it out:
// <host>/tenantops/tenantops/index.json lists the version,
// <version>.json names each platform's zip and its zh: hash, and the zips
// are beside them. Any registry host is served (registry.terraform.io,
// and registry.opentofu.org, where OpenTofu looks for a bare
// "tenantops/tenantops"). It stops when the test ends.
func ServeNetworkMirror(t testing.TB, r Release) *NetworkMirror {
	t.Helper()
	m := &NetworkMirror{Hashes: map[string]string{}}
	files := map[string]string{}
	for plat, path := range r.Archives {
		sum, err := fileSHA256(path)
		if err != nil {
			t.Fatal(err)
		}
		m.Hashes[plat] = "zh:" + sum
		files[filepath.Base(path)] = path
	}
	// The archives' entry is made for each request, so a test may change
	// Hashes (a mirror announcing the wrong hash).
	version := func() []byte {
		m.mu.Lock()
		defer m.mu.Unlock()
		archives := map[string]any{}
		for plat, path := range r.Archives {
			archives[plat] = map[string]any{"url": filepath.Base(path), "hashes": []string{m.Hashes[plat]}}
		}
		b, _ := json.Marshal(map[string]any{"archives": archives})
		return b
	}
	index, _ := json.Marshal(map[string]any{"versions": map[string]any{r.Version: map[string]any{}}})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		m.mu.Lock()
		m.requests = append(m.requests, req.Method+" "+req.URL.Path)
		m.mu.Unlock()
		parts := strings.Split(strings.TrimPrefix(req.URL.Path, "/"), "/")
		if req.Method != http.MethodGet || len(parts) != 4 || parts[1] != "tenantops" || parts[2] != "tenantops" {
			http.NotFound(w, req)
			return
		}
		switch name := parts[3]; {
		case name == "index.json":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(index)
		case name == r.Version+".json":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(version())
		case files[name] != "":
			http.ServeFile(w, req, files[name])
		default:
			http.NotFound(w, req)
		}
	}))
	t.Cleanup(srv.Close)
	m.URL = srv.URL + "/"
	m.CAFile = filepath.Join(t.TempDir(), "mirror-ca.pem")
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(m.CAFile, ca, 0o600); err != nil {
		t.Fatal(err)
	}
	return m
}

// SetHash makes the mirror announce hash for plat from now on.
func (m *NetworkMirror) SetHash(plat, hash string) {
	m.mu.Lock()
	m.Hashes[plat] = hash
	m.mu.Unlock()
}

// Requests lists the requests the mirror served, "GET /path" each.
func (m *NetworkMirror) Requests() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.requests...)
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
