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

resource "tenantops_directory_user" "service" {
  name                   = "acme-svc"
  path                   = tenantops_directory_ou.acme.dn
  sam_account_name       = "acme-svc"
  initial_password       = var.acme_admin_password
  password_never_expires = true
  groups                 = ["CN=Service Accounts,OU=Tenants,DC=example,DC=com"]
}
