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
