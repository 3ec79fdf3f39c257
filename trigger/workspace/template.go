package workspace

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
)

// Template is one revision of a tier's module: the files that make it up,
// the root module's and those of the local modules it uses, as rendered,
// and the tenantops provider version it is rendered with. A run records the
// revision it rendered, and the trigger keeps the files in PostgreSQL, so a
// compensation renders exactly the module that last worked even after
// templates/tenants changed on disk.
type Template struct {
	Tier            string
	ProviderVersion string
	// Files maps a file's path in the workspace (main.tf,
	// modules/cloud/main.tf) to its content.
	Files map[string][]byte
}

// LoadTemplate reads tier's module as templatesDir holds it now, pinned
// to the newest provider version in mirrorDir, a directory or a network
// mirror's URL (no version when mirrorDir is empty).
func LoadTemplate(templatesDir, tier, mirrorDir string) (Template, error) {
	if !validTierName(tier) {
		return Template{}, fmt.Errorf("invalid tier %q", tier)
	}
	files, err := tierFiles(templatesDir, tier)
	if err != nil {
		return Template{}, err
	}
	t := Template{Tier: tier, Files: files}
	if mirrorDir != "" {
		if t.ProviderVersion, err = NewestProvider(mirrorDir); err != nil {
			return Template{}, err
		}
	}
	return t, nil
}

// FileHash is the content address of a template file: hex SHA-256.
func FileHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// FileHashes maps each file name to its FileHash.
func (t Template) FileHashes() map[string]string {
	out := make(map[string]string, len(t.Files))
	for name, b := range t.Files {
		out[name] = FileHash(b)
	}
	return out
}

// Revision identifies the template: hex SHA-256 over the tier, the
// provider version and every file name with its content hash, in name
// order. Equal revisions render the same module.
func (t Template) Revision() string {
	return RevisionOf(t.Tier, t.ProviderVersion, t.FileHashes())
}

// RevisionOf computes a revision from its parts (the form the database
// keeps), so a revision read back can be checked against its files.
func RevisionOf(tier, providerVersion string, fileHashes map[string]string) string {
	names := make([]string, 0, len(fileHashes))
	for name := range fileHashes {
		names = append(names, name)
	}
	sort.Strings(names)
	h := sha256.New()
	fmt.Fprintf(h, "tenantops template\x00tier %s\x00provider %s\x00", tier, providerVersion)
	for _, name := range names {
		fmt.Fprintf(h, "%s\x00%s\x00", name, fileHashes[name])
	}
	return hex.EncodeToString(h.Sum(nil))
}
