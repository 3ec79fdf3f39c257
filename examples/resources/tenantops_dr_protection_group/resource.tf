# Replicate the tenant's workloads vApp to the DR site and wait until the
# VPG protects it. Zerto protects vApps and their VMs: an org VDC as such
# cannot be protected.
data "tenantops_dr_site" "dr" {
  name = "site-recovery"
}

resource "tenantops_dr_protection_group" "acme" {
  name             = "acme-dr"
  vapp_ids         = [tenantops_vapp.workloads.id, tenantops_vapp.erp.id]
  recovery_site    = data.tenantops_dr_site.dr.name
  recovery_org_vdc = "dr-vdc-1"
  storage_policy   = "gold"
  failover_network = "dr-net"
  test_network     = "dr-test-net"

  # VMs on the protected network "lan" connect to "dr-lan" on failover.
  network_mappings = [{
    protected_network = "lan"
    recovery_network  = "dr-lan"
    test_network      = "dr-test-net"
  }]

  rpo_alert_seconds     = 300
  journal_history_hours = 24
  priority              = "High"
  service_profile       = "Gold"

  timeouts {
    # The initial sync of large VMs can take hours.
    create = "4h"
  }
}
