variable "tenant_id" {
  type        = string
  description = "Tenant id; names the workloads vApp, its first VM and the VPG."
}

variable "vdc_id" {
  type        = string
  description = "The tenant's VDC the workloads vApp lives in."
}

variable "dr" {
  type = object({
    rpo_seconds   = number
    journal_hours = number
    priority      = string
  })
  description = "Disaster-recovery options from the CRM spec."
}

variable "recovery_site" {
  type        = string
  description = "Zerto recovery site name."
}

variable "recovery_org_vdc" {
  type        = string
  description = "Org VDC at the recovery site the VMs recover into."
}

variable "storage_policy" {
  type        = string
  description = "Storage policy of the recovery org VDC for the recovery volumes."
}

variable "failover_network" {
  type        = string
  description = "Recovery network used on failover."
}

variable "test_network" {
  type        = string
  description = "Recovery network used by failover tests."
}

variable "service_profile" {
  type        = string
  description = "Zerto service profile of the VPG (null: none)."
}

variable "zorg" {
  type        = string
  description = "Zerto organization (ZORG) owning the VPG (null: none)."
}
