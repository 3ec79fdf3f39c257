output "realm_issuer" {
  value       = tenantops_sso_realm.this.issuer
  description = "OIDC issuer of the tenant's realm."
}

output "portal_client_id" {
  value = tenantops_sso_client.portal.client_id
}

output "portal_client_secret" {
  value     = tenantops_sso_client.portal.client_secret
  sensitive = true
}

output "admin_user_ids" {
  value = { for k, u in tenantops_scim_user.admin : k => u.id }
}

output "org_id" {
  value = tenantops_tenant.this.id
}

output "vdc_id" {
  value = tenantops_tenant_vdc.main.id
}

output "directory_ou_dn" {
  value = var.directory_enabled ? tenantops_directory_ou.tenant[0].dn : null
}
