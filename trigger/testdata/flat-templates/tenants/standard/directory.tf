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

# The tenant's OU federated into the tenant's realm: its users log in with
# their directory passwords (read-only for Keycloak). On when the operator
# names the directory Keycloak reads (directory_ldap_url, directory_bind_dn).
locals {
  federate_directory = var.directory_enabled && var.directory_ldap_url != "" && var.directory_bind_dn != ""
}

resource "tenantops_sso_ldap_federation" "directory" {
  count           = local.federate_directory ? 1 : 0
  realm           = tenantops_sso_realm.this.realm
  name            = "active-directory"
  vendor          = "ad"
  connection_url  = var.directory_ldap_url
  bind_dn         = var.directory_bind_dn
  bind_credential = var.directory_federation_bind_password
  users_dn        = tenantops_directory_ou.tenant[0].dn
  edit_mode       = "READ_ONLY"
}
