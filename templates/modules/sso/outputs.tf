output "realm" {
  value       = tenantops_sso_realm.this.realm
  description = "Name of the tenant's realm."
}

output "issuer" {
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

output "invited_admins" {
  value       = sort(keys(tenantops_sso_user.admin))
  description = "Admins given a realm account and an invitation."
}
