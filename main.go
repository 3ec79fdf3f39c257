// Command terraform-provider-tenantops serves the tenantops Terraform provider.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/tenantops/tenantops/provider"
)

// version is set by the build (-ldflags "-X main.version=...").
var version = "dev"

//go:generate go run github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs generate --provider-name tenantops --website-source-dir templates/docs

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run with support for debuggers like delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/tenantops/tenantops",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
