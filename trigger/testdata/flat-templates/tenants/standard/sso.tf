# Single sign-on: one Keycloak realm per tenant with its MFA policy, the OIDC
# client the tenant portal logs in with, the customer's own IdP when the spec
# names one, and the Cloud Director org's OpenID Connect settings pointing at
# the realm.

locals {
  idp_type = var.idp == null ? "" : nonsensitive(var.idp.type)
}

resource "tenantops_sso_realm" "this" {
  realm        = var.tenant_id
  display_name = var.display_name
  mfa          = var.mfa
}

resource "tenantops_sso_client" "portal" {
  realm         = tenantops_sso_realm.this.realm
  client_id     = "tenant-portal"
  name          = "Tenant portal"
  redirect_uris = ["${var.portal_url}/tenant/${var.tenant_id}/*"]
}

resource "tenantops_sso_oidc_identity_provider" "customer" {
  count             = local.idp_type == "oidc" ? 1 : 0
  realm             = tenantops_sso_realm.this.realm
  alias             = var.idp.alias
  display_name      = var.display_name
  issuer            = var.idp.issuer
  authorization_url = var.idp.authorization_url
  token_url         = var.idp.token_url
  client_id         = var.idp.client_id
  client_secret     = var.idp.client_secret
}

resource "tenantops_sso_saml_identity_provider" "customer" {
  count                      = local.idp_type == "saml" ? 1 : 0
  realm                      = tenantops_sso_realm.this.realm
  alias                      = var.idp.alias
  display_name               = var.display_name
  idp_entity_id              = var.idp.entity_id
  single_sign_on_service_url = var.idp.sso_url
}

resource "tenantops_tenant_sso" "this" {
  org                 = tenantops_tenant.this.name
  client_id           = tenantops_sso_client.portal.client_id
  client_secret       = tenantops_sso_client.portal.client_secret
  well_known_endpoint = "${tenantops_sso_realm.this.issuer}/.well-known/openid-configuration"
}
