# Active Directory: an OU per tenant with its admin and user groups. Left out
# when the trigger runs without a directory (directory_enabled = false).

resource "tenantops_directory_ou" "tenant" {
  count       = var.directory_enabled ? 1 : 0
  name        = var.tenant_id
  path        = var.directory_base_dn
  description = var.display_name
}

resource "tenantops_directory_group" "admins" {
  count       = var.directory_enabled ? 1 : 0
  name        = "${var.tenant_id}-admins"
  path        = tenantops_directory_ou.tenant[0].dn
  description = "Administrators of ${var.tenant_id}"
}

resource "tenantops_directory_group" "users" {
  count       = var.directory_enabled ? 1 : 0
  name        = "${var.tenant_id}-users"
  path        = tenantops_directory_ou.tenant[0].dn
  description = "Users of ${var.tenant_id}"
}
