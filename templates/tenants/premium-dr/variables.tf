# Tenant data from the CRM spec (tenant.auto.tfvars.json).

variable "tenant_id" {
  type        = string
  description = "Tenant id, ^[a-z][a-z0-9-]{1,38}$; names the org, realm and directory OU."
}

variable "display_name" {
  type        = string
  description = "Customer's display name."
}

variable "quotas" {
  type = object({
    cpu_mhz    = number
    memory_mb  = number
    storage_mb = number
    vm_quota   = number
  })
  description = "VDC sizing."
}

variable "mfa" {
  type        = string
  description = "Second factor policy of the realm: otp, webauthn or optional."
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
  description = "Set by the trigger while the customer is suspended (customer.suspended until customer.reactivated): sign-in and use are disabled, nothing is deleted, DR keeps replicating."
}

variable "directory_enabled" {
  type        = bool
  default     = true
  description = "Create the tenant's Active Directory OU and groups."
}

# Operator settings (platform.auto.tfvars.json).

variable "portal_url" {
  type        = string
  default     = "https://portal.tenantops.example"
  description = "Base URL of the tenant portal, the SSO client's redirect target."
}

variable "provider_vdc" {
  type        = string
  default     = "pvdc-1"
  description = "Provider VDC the tenant's VDC is carved from."
}

variable "allocation_model" {
  type        = string
  default     = "AllocationVApp"
  description = "Allocation model of the tenant's VDC."
}

variable "network_pool" {
  type        = string
  default     = "np-1"
  description = "Network pool of the tenant's VDC."
}

variable "storage_profile" {
  type        = string
  default     = "gold"
  description = "Provider VDC storage profile of the tenant's VDC."
}

variable "directory_base_dn" {
  type        = string
  default     = "DC=tenantops,DC=example"
  description = "Container the tenants' OUs are created in."
}

variable "directory_ldap_url" {
  type        = string
  default     = ""
  description = "LDAPS URL Keycloak reads the directory at; with directory_bind_dn it federates each tenant's OU into the tenant's realm."
}

variable "directory_bind_dn" {
  type        = string
  default     = ""
  description = "Read-only service account Keycloak binds as to federate the tenant's OU."
}

variable "smtp_host" {
  type        = string
  default     = ""
  description = "Mail server of the tenants' realms (invitations, password resets); empty: none, and admins without Active Directory get no realm account."
}

variable "smtp_port" {
  type        = string
  default     = ""
  description = "Mail server port (empty: the protocol's)."
}

variable "smtp_from" {
  type        = string
  default     = ""
  description = "Sender address of the realms' e-mails."
}

variable "smtp_from_display_name" {
  type        = string
  default     = ""
  description = "Sender name of the realms' e-mails."
}

variable "smtp_starttls" {
  type        = bool
  default     = true
  description = "Upgrade the mail connection with STARTTLS."
}

variable "smtp_ssl" {
  type        = bool
  default     = false
  description = "Connect to the mail server with TLS from the start."
}

variable "smtp_user" {
  type        = string
  default     = ""
  description = "User to authenticate to the mail server as (empty: none)."
}

# Never in the platform file: the trigger takes it from its environment
# (TENANTOPS_SMTP_PASSWORD) and writes it to secrets.auto.tfvars.json.
variable "smtp_password" {
  type        = string
  default     = ""
  sensitive   = true
  description = "Password of smtp_user."
}

# Never in the platform file: the trigger takes it from its environment
# (TENANTOPS_FEDERATION_BIND_PASSWORD) and writes it, for its own runs only,
# to secrets.auto.tfvars.json (mode 0600).
variable "directory_federation_bind_password" {
  type        = string
  default     = ""
  sensitive   = true
  description = "Password of directory_bind_dn."
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

# Disaster recovery: from the CRM spec (tenant.dr) and the operator's
# recovery site (platform.auto.tfvars.json).

variable "dr" {
  type = object({
    rpo_seconds   = number
    journal_hours = number
    priority      = string
  })
  description = "Disaster-recovery options from the CRM spec."
}

variable "dr_recovery_site" {
  type        = string
  default     = "site-recovery"
  description = "Zerto recovery site name."
}

variable "dr_recovery_org_vdc" {
  type        = string
  default     = "dr-vdc-1"
  description = "Org VDC at the recovery site the tenants' VMs recover into (it must exist at the recovery site)."
}

variable "dr_storage_policy" {
  type        = string
  default     = "gold"
  description = "Storage policy of the recovery org VDC for the recovery volumes."
}

variable "dr_failover_network" {
  type        = string
  default     = "dr-net"
  description = "Recovery network used on failover."
}

variable "dr_test_network" {
  type        = string
  default     = "dr-test-net"
  description = "Recovery network used by failover tests."
}

variable "dr_service_profile" {
  type        = string
  default     = null
  description = "Zerto service profile applied to the tenants' VPGs (null: none)."
}

variable "dr_zorg" {
  type        = string
  default     = null
  description = "Zerto organization (ZORG) owning the tenants' VPGs (null: none)."
}
