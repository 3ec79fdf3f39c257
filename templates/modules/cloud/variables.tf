variable "tenant_id" {
  type        = string
  description = "Tenant id; names the org and its VDC."
}

variable "display_name" {
  type        = string
  description = "Customer's display name (the org's full name)."
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

variable "provider_vdc" {
  type        = string
  description = "Provider VDC the tenant's VDC is carved from."
}

variable "allocation_model" {
  type        = string
  description = "Allocation model of the tenant's VDC."
}

variable "network_pool" {
  type        = string
  description = "Network pool of the tenant's VDC."
}

variable "storage_profile" {
  type        = string
  description = "Provider VDC storage profile of the tenant's VDC."
}

variable "suspended" {
  type        = bool
  default     = false
  description = "Suspended tenant: the organization is disabled (its users cannot log in or use resources), nothing is deleted."
}
