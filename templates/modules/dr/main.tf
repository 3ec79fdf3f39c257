# Disaster recovery with Zerto. Zerto protects vApps, never an org VDC as
# such, and a VPG needs VMs to protect: the module creates the tenant's
# workloads vApp with a first VM and a VPG protecting that vApp into the
# operator's recovery org VDC. Every VM the tenant places in the workloads
# vApp later joins the VPG (Zerto adds VMs placed in a protected vApp).
# VMs placed elsewhere are not protected. See docs/resources/dr_protection_group.md.

# The tenant's workloads vApp: the container Zerto protects. Its first VM
# is created without a template (no guest OS) so that the VPG has a VM to
# protect from the start; the tenant installs it or adds VMs of its own.
resource "tenantops_vapp" "workloads" {
  vdc_id      = var.vdc_id
  name        = "${var.tenant_id}-workloads"
  description = "VMs placed in this vApp are replicated to the recovery site by Zerto."
  initial_vm = {
    name = "${var.tenant_id}-vm1"
  }
}

resource "tenantops_dr_protection_group" "this" {
  name                  = "${var.tenant_id}-vpg"
  vapp_ids              = [tenantops_vapp.workloads.id]
  recovery_site         = var.recovery_site
  recovery_org_vdc      = var.recovery_org_vdc
  storage_policy        = var.storage_policy
  failover_network      = var.failover_network
  test_network          = var.test_network
  rpo_alert_seconds     = var.dr.rpo_seconds
  journal_history_hours = var.dr.journal_hours
  priority              = var.dr.priority
  service_profile       = var.service_profile
  zorg                  = var.zorg
}
