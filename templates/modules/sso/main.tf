# Single sign-on: one Keycloak realm per tenant with its MFA policy, the OIDC
# client the tenant portal logs in with, the customer's own IdP when the spec
# names one, realm accounts with invitations for the admins when asked, and
# the Cloud Director org's OpenID Connect settings pointing at the realm.

locals {
  idp_type = var.idp == null ? "" : nonsensitive(var.idp.type)
  smtp     = var.smtp == null ? { host = "", port = "", from = "", from_display_name = "", starttls = false, ssl = false, user = "" } : var.smtp
  # What an invited admin does first: a password, then the realm's MFA.
  first_actions = {
    otp      = ["UPDATE_PASSWORD", "CONFIGURE_TOTP"]
    webauthn = ["UPDATE_PASSWORD", "webauthn-register"]
    optional = ["UPDATE_PASSWORD"]
  }
}

resource "tenantops_sso_realm" "this" {
  realm        = var.tenant_id
  display_name = var.display_name
  mfa          = var.mfa
  enabled      = !var.suspended

  smtp_host              = local.smtp.host
  smtp_port              = local.smtp.port
  smtp_from              = local.smtp.from
  smtp_from_display_name = local.smtp.from_display_name
  smtp_starttls          = local.smtp.starttls
  smtp_ssl               = local.smtp.ssl
  smtp_user              = local.smtp.user
  smtp_password          = var.smtp_password == "" ? null : var.smtp_password
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

# Admins sign in with realm accounts when nothing else gives them one; the
# invitation's link has them set a password and set up the realm's MFA,
# then sends them to the tenant portal.
resource "tenantops_sso_user" "admin" {
  for_each = var.invite_admins ? { for a in var.admins : lower(a.username) => a } : {}

  realm            = tenantops_sso_realm.this.realm
  username         = each.key
  email            = each.value.email
  first_name       = each.value.given_name
  last_name        = each.value.family_name
  required_actions = local.first_actions[var.mfa]
  invite           = true

  invitation_client_id    = tenantops_sso_client.portal.client_id
  invitation_redirect_uri = "${var.portal_url}/tenant/${var.tenant_id}/"

  # Keycloak drops each action once the admin has done it.
  lifecycle {
    ignore_changes = [required_actions]
  }
}

resource "tenantops_tenant_sso" "this" {
  org                 = var.org_name
  client_id           = tenantops_sso_client.portal.client_id
  client_secret       = tenantops_sso_client.portal.client_secret
  well_known_endpoint = "${tenantops_sso_realm.this.issuer}/.well-known/openid-configuration"
}
