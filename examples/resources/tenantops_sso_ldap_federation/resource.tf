variable "keycloak_bind_password" {
  type      = string
  sensitive = true
}

# Users of the tenant's OU in Active Directory log in to the realm.
resource "tenantops_sso_ldap_federation" "ad" {
  realm           = tenantops_sso_realm.acme.realm
  name            = "acme-ad"
  vendor          = "ad"
  connection_url  = "ldaps://dc1.example.com:636"
  bind_dn         = "CN=svc-keycloak-acme,OU=Service Accounts,OU=acme,DC=example,DC=com"
  bind_credential = var.keycloak_bind_password
  users_dn        = "OU=Users,OU=acme,DC=example,DC=com"
  edit_mode       = "READ_ONLY"

  uuid_ldap_attribute = "objectGUID"
  full_sync_period    = 86400 # daily full sync
  changed_sync_period = 900   # changed users every 15 minutes

  # On Terraform / OpenTofu 1.11+, keep the password out of plan and state:
  # instead of bind_credential,
  #   bind_credential_wo         = var.keycloak_bind_password
  #   bind_credential_wo_version = 1 # increment to send a rotated password
}
