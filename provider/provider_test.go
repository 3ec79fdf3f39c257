package provider

import (
	"fmt"
	"os"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/tenantops/tenantops/internal/contract"
	"github.com/tenantops/tenantops/internal/testenv"
)

// testAccProviders serves the provider in-process for acceptance tests.
var testAccProviders = map[string]func() (tfprotov6.ProviderServer, error){
	"tenantops": providerserver.NewProtocol6WithError(New("test")()),
}

func TestMain(m *testing.M) {
	cleanup, err := testenv.SetupTerraform()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := contract.Main(m, "provider")
	testenv.StopSamba()
	cleanup()
	os.Exit(code)
}
