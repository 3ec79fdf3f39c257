# One realm per tenant, every user enrolling an authenticator app.
resource "tenantops_sso_realm" "acme" {
  realm        = "acme"
  display_name = "Acme Corp"
  mfa          = "otp" # or "webauthn" (security keys) or "optional"

  otp_algorithm = "HmacSHA1"
  otp_digits    = 6
  otp_period    = 30

  password_policy = "length(12) and notUsername and passwordHistory(5)"

  sso_session_idle_timeout = 1800  # 30 minutes
  sso_session_max_lifespan = 36000 # 10 hours

  # The mail server for invitations (tenantops_sso_user) and password resets.
  smtp_host     = "smtp.example.com"
  smtp_port     = "587"
  smtp_starttls = true
  smtp_from     = "no-reply@example.com"
  smtp_user     = "mailer"
  smtp_password = var.smtp_password

  # On Terraform / OpenTofu 1.11+, keep the password out of plan and state:
  # instead of smtp_password,
  #   smtp_password_wo         = var.smtp_password
  #   smtp_password_wo_version = 1 # increment to send a rotated password
}

variable "smtp_password" {
  type      = string
  sensitive = true
}

output "acme_issuer" {
  value = tenantops_sso_realm.acme.issuer
}
