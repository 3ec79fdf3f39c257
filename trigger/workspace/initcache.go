package workspace

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Terraform's working data for a module is the same for every tenant of a
// tier: the backend's configuration (the pg backend reads its connection
// from the environment, and tenants differ by workspace, not by backend)
// and links to the provider in the filesystem mirror. An init cache keeps
// one initialized .terraform per render hash, so a new tenant's directory
// is seeded in a millisecond instead of running `terraform init` (about
// 0.1 s of CPU and wall time). The selected workspace ("environment") is
// never copied.

// SaveInit stores dir's .terraform as the seed for hash under cacheDir,
// unless one is there already.
func SaveInit(cacheDir, dir, hash string) error {
	dst := filepath.Join(cacheDir, hash)
	if _, err := os.Stat(dst); err == nil {
		return nil
	}
	if err := os.MkdirAll(cacheDir, 0o700); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(cacheDir, ".seed-")
	if err != nil {
		return err
	}
	if err := copyTerraformDir(filepath.Join(dir, ".terraform"), tmp); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		// Another run stored the same seed first: keep that one.
		os.RemoveAll(tmp)
	}
	return nil
}

// SeedInit gives dir the cached .terraform for hash and marks dir
// initialized; false means there is no seed and `terraform init` must run.
func SeedInit(cacheDir, dir, hash string) (bool, error) {
	src := filepath.Join(cacheDir, hash)
	if _, err := os.Stat(filepath.Join(src, "terraform.tfstate")); err != nil {
		return false, nil
	}
	dst := filepath.Join(dir, ".terraform")
	// Keep the workspace selection of an earlier run in this directory.
	env, _ := os.ReadFile(filepath.Join(dst, "environment"))
	if err := os.RemoveAll(dst); err != nil {
		return false, err
	}
	if err := copyTerraformDir(src, dst); err != nil {
		return false, err
	}
	if len(env) > 0 {
		if err := os.WriteFile(filepath.Join(dst, "environment"), env, 0o600); err != nil {
			return false, err
		}
	}
	return true, MarkInitialized(dir, hash)
}

// SelectedWorkspace is the Terraform workspace selected in dir, as
// `terraform workspace show` reports it, without starting Terraform.
func SelectedWorkspace(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, ".terraform", "environment"))
	if err != nil || len(b) == 0 {
		return "default"
	}
	return string(b)
}

// copyTerraformDir copies a .terraform tree: directories, regular files
// and symbolic links (providers linked from the mirror) as links. The
// workspace selection is left out.
func copyTerraformDir(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if rel == "environment" {
			return nil
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o700)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.Type().IsRegular():
			info, err := d.Info()
			if err != nil {
				return err
			}
			// A provider unpacked from a packed mirror is a large binary
			// nobody writes to: share it. Small files (the backend's
			// configuration, which Terraform may rewrite) are copied.
			if info.Size() > 1<<20 && os.Link(p, target) == nil {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(target, b, info.Mode().Perm())
		default:
			return fmt.Errorf("init cache: unexpected file %s", p)
		}
	})
}

// MarkInitialized records that `terraform init` succeeded for hash.
func MarkInitialized(dir, hash string) error {
	return os.WriteFile(filepath.Join(dir, hashFile), []byte(hash+"\n"), 0o600)
}

// NeedsInit reports whether dir must be (re)initialised for res.
func NeedsInit(dir string, res Result) bool {
	if res.PreviousHash == "" || res.PreviousHash != res.Hash {
		return true
	}
	_, err := os.Stat(filepath.Join(dir, ".terraform", "terraform.tfstate"))
	return err != nil
}
