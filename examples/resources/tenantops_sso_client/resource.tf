resource "tenantops_sso_client" "portal" {
  realm     = tenantops_sso_realm.acme.realm
  client_id = "tenant-portal"
  name      = "Tenant portal"

  redirect_uris = ["https://portal.example.com/tenant/acme/*"]
  web_origins   = ["+"]
}

# The generated secret, e.g. for tenantops_tenant_sso.
output "portal_client_secret" {
  value     = tenantops_sso_client.portal.client_secret
  sensitive = true
}
