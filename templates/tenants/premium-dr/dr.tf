# premium-dr: everything of the standard tier (see the extends file) plus a
# Zerto virtual protection group replicating the tenant's VDC.

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
  description = "Org VDC at the recovery site the VMs recover into."
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

resource "tenantops_dr_protection_group" "this" {
  name                  = "${var.tenant_id}-vpg"
  source_vdc_id         = tenantops_tenant_vdc.main.id
  recovery_site         = var.dr_recovery_site
  recovery_org_vdc      = var.dr_recovery_org_vdc
  failover_network      = var.dr_failover_network
  test_network          = var.dr_test_network
  rpo_alert_seconds     = var.dr.rpo_seconds
  journal_history_hours = var.dr.journal_hours
  priority              = var.dr.priority
}

output "vpg_id" {
  value = tenantops_dr_protection_group.this.vpg_id
}
