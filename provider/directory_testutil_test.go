package provider

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/tenantops/tenantops/internal/directory"
	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/internal/tlsutil"
)

// dirEnv is one test's corner of the shared Samba DC: an OU of its own
// (Base) that the test's resources live in, removed at the end.
type dirEnv struct {
	DC     *testenv.Samba
	Client *directory.Client
	Base   string // DN of the test's own OU
	Tag    string // unique per test, for names that must be domain-unique
}

var dirSeq atomic.Int64

func newDirEnv(t *testing.T) *dirEnv {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		// resource.Test skips acceptance tests without TF_ACC; don't start
		// a DC for a test that will not run.
		return &dirEnv{DC: &testenv.Samba{}, Base: "OU=unused,DC=test,DC=local"}
	}
	dc, err := testenv.SambaForTests()
	if err != nil {
		t.Fatal(err)
	}
	c, err := directory.New(directory.Config{URL: dc.URL, BindDN: dc.BindDN, BindPassword: dc.BindPassword,
		TLS: tlsutil.Options{CAPEM: dc.CAPEM}})
	if err != nil {
		t.Fatal(err)
	}
	tag := fmt.Sprintf("%d%d", os.Getpid()%10000, dirSeq.Add(1))
	ctx := context.Background()
	ou, err := c.CreateOU(ctx, dc.BaseDN, directory.OU{Name: "acc-" + t.Name() + "-" + tag})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Delete(ctx, ou.DN, true)
		c.Close()
	})
	return &dirEnv{DC: dc, Client: c, Base: ou.DN, Tag: tag}
}

// providerConfig is the provider block pointing at the DC, trusting its CA.
func (e *dirEnv) providerConfig() string {
	return e.providerConfigWith(e.DC.BindPassword, e.DC.CAPEM)
}

// providerConfigWith is providerConfig with another password or CA (none
// when caPEM is empty).
func (e *dirEnv) providerConfigWith(password, caPEM string) string {
	return providerHCL(backendHCL("directory", caPEM, "url", e.DC.URL, "bind_dn", e.DC.BindDN, "bind_password", password))
}

// ouHCL is tenantops_directory_ou.<res> named name, directly in the
// test's own OU: the home of the objects under test.
func (e *dirEnv) ouHCL(res, name string) string {
	return fmt.Sprintf(`
resource "tenantops_directory_ou" %q {
  name = %q
  path = %q
}
`, res, name, e.Base)
}

// groupHCL is tenantops_directory_group.<res> in the OU
// tenantops_directory_ou.o, with a sAMAccountName made unique by the tag.
func (e *dirEnv) groupHCL(res, name, sam string) string {
	return fmt.Sprintf(`
resource "tenantops_directory_group" %q {
  name             = %q
  sam_account_name = "%s%s"
  path             = tenantops_directory_ou.o.dn
}
`, res, name, sam, e.Tag)
}

// inventory lists everything below the test's OU.
func (e *dirEnv) inventory() ([]string, error) {
	return e.Client.Subtree(context.Background(), e.Base)
}

// checkEmpty is a CheckDestroy: nothing the test created is left behind.
func (e *dirEnv) checkEmpty(*terraform.State) error {
	left, err := e.inventory()
	if err != nil {
		return err
	}
	if len(left) > 0 {
		return fmt.Errorf("objects left in the directory after destroy: %s", strings.Join(left, "; "))
	}
	return nil
}

// deleteOutOfBand removes an object behind Terraform's back.
func (e *dirEnv) deleteOutOfBand(t *testing.T, dn string) func() {
	return func() {
		if err := e.Client.Delete(context.Background(), dn, true); err != nil {
			t.Fatalf("out-of-band delete of %s: %v", dn, err)
		}
	}
}
