# The tenant portal logs in through the tenant's own Keycloak realm.
resource "tenantops_tenant_sso" "acme" {
  org                 = tenantops_tenant.acme.name
  client_id           = tenantops_sso_client.portal.client_id
  client_secret       = tenantops_sso_client.portal.client_secret
  well_known_endpoint = "${tenantops_sso_realm.acme.issuer}/.well-known/openid-configuration"

  # Anything set explicitly overrides the discovery document.
  claim_subject = "preferred_username"
  claim_groups  = "groups"

  # On Terraform / OpenTofu 1.11+, no second copy of the secret in this
  # resource's state: instead of client_secret,
  #   client_secret_wo         = tenantops_sso_client.portal.client_secret
  #   client_secret_wo_version = 1
}
