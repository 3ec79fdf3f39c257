// Package testenv is the one harness tests use to get the servers and tools
// they need: the Terraform binary, a throwaway PostgreSQL cluster, a Samba AD
// domain controller and the simulators. Each server starts once per test
// package and is cleaned up at the end.
package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/tenantops/tenantops/internal/tfengine"
)

// RepoRoot returns the module root (the directory holding go.mod).
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// SetupTerraform points terraform-plugin-testing at the project's Terraform
// binary and a CLI configuration of our own, so no test reads the user's
// ~/.terraformrc or reaches a registry. Call it from TestMain. It returns the
// directory it created, which the caller removes at exit.
//
// TF_ACC_TERRAFORM_PATH may name an OpenTofu binary instead. OpenTofu gives
// a provider without a source address the host registry.opentofu.org, so
// terraform-plugin-testing must attach the in-process provider there
// (TF_ACC_PROVIDER_HOST), not at its default registry.terraform.io.
func SetupTerraform() (cleanup func(), err error) {
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		bin := filepath.Join(RepoRoot(), "bin", "terraform")
		if _, err := os.Stat(bin); err != nil {
			return nil, fmt.Errorf("terraform binary not found at %s: run `make tools` or set TF_ACC_TERRAFORM_PATH", bin)
		}
		os.Setenv("TF_ACC_TERRAFORM_PATH", bin)
	}
	dir, err := os.MkdirTemp("", "tenantops-tf-")
	if err != nil {
		return nil, err
	}
	rc := filepath.Join(dir, "terraformrc")
	if err := os.WriteFile(rc, []byte("disable_checkpoint = true\n"), 0o600); err != nil {
		return nil, err
	}
	os.Setenv("TF_CLI_CONFIG_FILE", rc)
	os.Setenv("CHECKPOINT_DISABLE", "1")
	os.Setenv("TF_IN_AUTOMATION", "1")
	if os.Getenv("TF_ACC_PROVIDER_HOST") == "" && isOpenTofu(os.Getenv("TF_ACC_TERRAFORM_PATH")) {
		os.Setenv("TF_ACC_PROVIDER_HOST", "registry.opentofu.org")
	}
	return func() { os.RemoveAll(dir) }, nil
}

// isOpenTofu reports whether bin is OpenTofu.
func isOpenTofu(bin string) bool {
	e, err := tfengine.Detect(context.Background(), bin)
	return err == nil && e.IsOpenTofu()
}

var engine = sync.OnceValues(func() (tfengine.Engine, error) {
	return tfengine.Detect(context.Background(), os.Getenv("TF_ACC_TERRAFORM_PATH"))
})

// Engine is the engine the acceptance tests run on (TF_ACC_TERRAFORM_PATH,
// which SetupTerraform sets), asked once per test binary.
func Engine() (tfengine.Engine, error) { return engine() }
