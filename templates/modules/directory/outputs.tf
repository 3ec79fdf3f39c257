output "ou_dn" {
  value       = var.enabled ? tenantops_directory_ou.tenant[0].dn : null
  description = "DN of the tenant's OU (null without a directory)."
}

output "federated" {
  value       = local.federate
  description = "Whether the tenant's OU is federated into its realm (Keycloak reads its users from Active Directory)."
}
