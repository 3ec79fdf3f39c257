# Active Directory: an OU per tenant with its admin and user groups. Left out
# when the trigger runs without a directory (enabled = false).

resource "tenantops_directory_ou" "tenant" {
  count       = var.enabled ? 1 : 0
  name        = var.tenant_id
  path        = var.base_dn
  description = var.display_name
}

resource "tenantops_directory_group" "admins" {
  count       = var.enabled ? 1 : 0
  name        = "${var.tenant_id}-admins"
  path        = tenantops_directory_ou.tenant[0].dn
  description = "Administrators of ${var.tenant_id}"
}

resource "tenantops_directory_group" "users" {
  count       = var.enabled ? 1 : 0
  name        = "${var.tenant_id}-users"
  path        = tenantops_directory_ou.tenant[0].dn
  description = "Users of ${var.tenant_id}"
}

# The tenant's OU federated into the tenant's realm: its users log in with
# their directory passwords (read-only for Keycloak). On when the operator
# names the directory Keycloak reads (ldap_url, bind_dn).
locals {
  federate = var.enabled && var.ldap_url != "" && var.bind_dn != ""
}

resource "tenantops_sso_ldap_federation" "directory" {
  count           = local.federate ? 1 : 0
  realm           = var.realm
  name            = "active-directory"
  vendor          = "ad"
  connection_url  = var.ldap_url
  bind_dn         = var.bind_dn
  bind_credential = var.bind_password
  users_dn        = tenantops_directory_ou.tenant[0].dn
  edit_mode       = "READ_ONLY"
}
