variable "enabled" {
  type        = bool
  description = "Create the tenant's OU, groups and federation (false: nothing)."
}

variable "tenant_id" {
  type        = string
  description = "Tenant id; names the OU and its groups."
}

variable "display_name" {
  type        = string
  description = "Customer's display name (the OU's description)."
}

variable "base_dn" {
  type        = string
  description = "Container the tenants' OUs are created in."
}

variable "realm" {
  type        = string
  description = "The tenant's Keycloak realm the OU is federated into."
}

variable "ldap_url" {
  type        = string
  description = "LDAPS URL Keycloak reads the directory at (empty: no federation)."
}

variable "bind_dn" {
  type        = string
  description = "Read-only service account Keycloak binds as (empty: no federation)."
}

variable "bind_password" {
  type        = string
  sensitive   = true
  description = "Password of bind_dn."
}
