# premium-dr: everything of the standard tier (see the extends file) plus
# disaster recovery with Zerto. Zerto protects vApps, never an org VDC as
# such, and a VPG needs VMs to protect: onboarding creates the tenant's
# workloads vApp with a first VM and a VPG protecting that vApp into the
# operator's recovery org VDC. Every VM the tenant places in the workloads
# vApp later joins the VPG (Zerto adds VMs placed in a protected vApp).
# VMs placed elsewhere are not protected. See docs/resources/dr_protection_group.md.

variable "dr" {
  type = object({
    rpo_seconds   = number
    journal_hours = number
    priority      = string
  })
  description = "Disaster-recovery options from the CRM spec."
}

# Operator settings (platform.auto.tfvars.json): where tenants recover to.

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

# The tenant's workloads vApp: the container Zerto protects. Its first VM
# is created without a template (no guest OS) so that the VPG has a VM to
# protect from the start; the tenant installs it or adds VMs of its own.
resource "tenantops_vapp" "workloads" {
  vdc_id      = tenantops_tenant_vdc.main.id
  name        = "${var.tenant_id}-workloads"
  description = "VMs placed in this vApp are replicated to the recovery site by Zerto."
  initial_vm = {
    name = "${var.tenant_id}-vm1"
  }
}

resource "tenantops_dr_protection_group" "this" {
  name                  = "${var.tenant_id}-vpg"
  vapp_ids              = [tenantops_vapp.workloads.id]
  recovery_site         = var.dr_recovery_site
  recovery_org_vdc      = var.dr_recovery_org_vdc
  storage_policy        = var.dr_storage_policy
  failover_network      = var.dr_failover_network
  test_network          = var.dr_test_network
  rpo_alert_seconds     = var.dr.rpo_seconds
  journal_history_hours = var.dr.journal_hours
  priority              = var.dr.priority
  service_profile       = var.dr_service_profile
  zorg                  = var.dr_zorg
}

output "vpg_id" {
  value = tenantops_dr_protection_group.this.vpg_id
}

output "workloads_vapp_id" {
  value       = tenantops_vapp.workloads.id
  description = "The vApp whose VMs Zerto replicates."
}
