output "realm_issuer" {
  value       = module.sso.issuer
  description = "OIDC issuer of the tenant's realm."
}

output "portal_client_id" {
  value = module.sso.portal_client_id
}

output "portal_client_secret" {
  value     = module.sso.portal_client_secret
  sensitive = true
}

output "admin_user_ids" {
  value = module.scim.admin_user_ids
}

output "org_id" {
  value = module.cloud.org_id
}

output "vdc_id" {
  value = module.cloud.vdc_id
}

output "directory_ou_dn" {
  value = module.directory.ou_dn
}
