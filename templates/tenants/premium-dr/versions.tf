# Root module of a "premium-dr" tenant: it composes the building blocks of
# templates/modules, which the trigger copies into the workspace as
# modules/<name>. The trigger renders it into one working directory per tenant
# with tenant.auto.tfvars.json (the CRM spec) and platform.auto.tfvars.json
# (operator settings); the state lives in PostgreSQL, one Terraform workspace
# per tenant (PG_CONN_STR).
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    tenantops = {
      # Fully qualified so Terraform and OpenTofu resolve the same mirror path.
      source = "registry.terraform.io/tenantops/tenantops"
    }
  }

  backend "pg" {}
}

# Every backend is configured from the environment (TENANTOPS_VCD_URL, ...),
# never from this file: credentials stay out of the workspace.
provider "tenantops" {}
