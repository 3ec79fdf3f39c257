variable "tenant_id" {
  type        = string
  description = "Tenant id; prefixes the user names and names the group."
}

variable "admins" {
  type = list(object({
    username    = string
    email       = string
    given_name  = string
    family_name = string
  }))
  description = "Tenant administrators."
}

variable "suspended" {
  type        = bool
  default     = false
  description = "Suspended tenant: the admins' SCIM accounts are inactive, nothing is deleted."
}
