# A tenant administrator with a realm account and no password: Keycloak
# e-mails an invitation whose link has them set a password and enrol an
# authenticator app, then sends them to the tenant portal. The realm needs a
# mail server (smtp_host and smtp_from of tenantops_sso_realm).
resource "tenantops_sso_user" "alice" {
  realm      = tenantops_sso_realm.acme.realm
  username   = "alice"
  email      = "alice@acme.example"
  first_name = "Alice"
  last_name  = "Admin"

  required_actions = ["UPDATE_PASSWORD", "CONFIGURE_TOTP"]
  invite           = true

  invitation_lifespan     = 259200 # three days
  invitation_client_id    = tenantops_sso_client.portal.client_id
  invitation_redirect_uri = "https://portal.example.com/tenant/acme/"

  # Keycloak drops each action once it is done.
  lifecycle {
    ignore_changes = [required_actions]
  }
}
