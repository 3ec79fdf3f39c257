variable "tenant_id" {
  type        = string
  description = "Tenant id; names the realm."
}

variable "display_name" {
  type        = string
  description = "Customer's display name."
}

variable "mfa" {
  type        = string
  description = "Second factor policy of the realm: otp, webauthn or optional."
}

variable "portal_url" {
  type        = string
  description = "Base URL of the tenant portal, the SSO client's redirect target."
}

variable "org_name" {
  type        = string
  description = "Cloud Director organization whose OpenID Connect settings point at the realm."
}

variable "idp" {
  type = object({
    type              = string
    alias             = string
    issuer            = string
    authorization_url = string
    token_url         = string
    client_id         = string
    client_secret     = string
    sso_url           = string
    entity_id         = string
  })
  default     = null
  sensitive   = true
  description = "The customer's own identity provider brokered into the realm (null: none)."
}

variable "admins" {
  type = list(object({
    username    = string
    email       = string
    given_name  = string
    family_name = string
  }))
  default     = []
  description = "Tenant administrators: with invite_admins, each gets a realm account and an invitation."
}

variable "invite_admins" {
  type        = bool
  default     = false
  description = "Give every admin a realm account and e-mail an invitation (set a password, set up the realm's MFA). The tiers set it for a tenant without Active Directory federation when the platform has a mail server."
}

variable "smtp" {
  type = object({
    host              = string
    port              = string
    from              = string
    from_display_name = string
    starttls          = bool
    ssl               = bool
    user              = string
  })
  default     = null
  description = "The realm's mail server (null: none)."
}

variable "smtp_password" {
  type        = string
  default     = ""
  sensitive   = true
  description = "Password of smtp.user."
}

variable "suspended" {
  type        = bool
  default     = false
  description = "Suspended tenant: the realm is disabled (nobody signs in), nothing is deleted."
}
