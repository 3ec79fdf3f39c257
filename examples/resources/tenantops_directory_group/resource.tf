resource "tenantops_directory_group" "admins" {
  name             = "acme-admins"
  sam_account_name = "acme-admins"
  path             = tenantops_directory_ou.acme.dn
  scope            = "global"   # global | domain_local | universal
  category         = "security" # security | distribution
  description      = "Administrators of tenant acme"

  # Member DNs; case and spacing do not matter.
  members = [
    tenantops_directory_user.admin.dn,
    "CN=Break Glass,OU=acme,OU=Tenants,DC=example,DC=com",
  ]
}

# Membership managed elsewhere: leave members out.
resource "tenantops_directory_group" "users" {
  name = "acme-users"
  path = tenantops_directory_ou.acme.dn
}
