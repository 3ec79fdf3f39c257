variable "acme_entra_client_secret" {
  type      = string
  sensitive = true
}

# The customer's Entra ID tenant, brokered into the realm.
resource "tenantops_sso_oidc_identity_provider" "entra" {
  realm        = tenantops_sso_realm.acme.realm
  alias        = "acme-entra"
  display_name = "Log in with Acme"

  authorization_url = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/oauth2/v2.0/authorize"
  token_url         = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/oauth2/v2.0/token"
  jwks_url          = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/discovery/v2.0/keys"
  issuer            = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0"

  client_id     = "11111111-2222-3333-4444-555555555555"
  client_secret = var.acme_entra_client_secret
  trust_email   = true

  # On Terraform / OpenTofu 1.11+, keep the secret out of plan and state:
  # instead of client_secret,
  #   client_secret_wo         = var.acme_entra_client_secret
  #   client_secret_wo_version = 1 # increment to send a rotated secret
}
