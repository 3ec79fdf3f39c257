variable "acme_admin_password" {
  type      = string
  sensitive = true
}

resource "tenantops_directory_user" "admin" {
  name                = "Acme Admin"
  path                = tenantops_directory_ou.acme.dn
  sam_account_name    = "acme-admin"
  user_principal_name = "admin@acme.example.com"
  display_name        = "Acme Administrator"
  description         = "First administrator of tenant acme"

  # Set once at creation; never reset by later changes or by import.
  initial_password = var.acme_admin_password
  enabled          = true
}

# On Terraform / OpenTofu 1.11+ the password stays out of plan and state, and
# a new version resets it in place.
variable "acme_operator_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "tenantops_directory_user" "operator" {
  name             = "Acme Operator"
  path             = tenantops_directory_ou.acme.dn
  sam_account_name = "acme-operator"

  initial_password_wo         = var.acme_operator_password
  initial_password_wo_version = 1
}

resource "tenantops_directory_user" "service" {
  name                   = "acme-svc"
  path                   = tenantops_directory_ou.acme.dn
  sam_account_name       = "acme-svc"
  initial_password       = var.acme_admin_password
  password_never_expires = true
  groups                 = ["CN=Service Accounts,OU=Tenants,DC=example,DC=com"]
}
