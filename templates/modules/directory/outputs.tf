output "ou_dn" {
  value       = var.enabled ? tenantops_directory_ou.tenant[0].dn : null
  description = "DN of the tenant's OU (null without a directory)."
}
