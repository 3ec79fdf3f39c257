# The provider is configured by the tier's root module; a module only names
# it, fully qualified so Terraform and OpenTofu resolve the same mirror path.
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    tenantops = {
      source = "registry.terraform.io/tenantops/tenantops"
    }
  }
}
