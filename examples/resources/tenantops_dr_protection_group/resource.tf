# Replicate the tenant's org VDC to the DR site and wait until it protects.
data "tenantops_dr_site" "dr" {
  name = "site-recovery"
}

resource "tenantops_dr_protection_group" "acme" {
  name             = "acme-dr"
  source_vdc_id    = tenantops_tenant_vdc.acme.id
  recovery_site    = data.tenantops_dr_site.dr.name
  recovery_org_vdc = "dr-vdc-1"
  failover_network = "dr-net"
  test_network     = "dr-test-net"

  rpo_alert_seconds     = 300
  journal_history_hours = 24
  priority              = "High"
  service_profile       = "Gold"

  timeouts {
    # The initial sync of a large VDC can take hours.
    create = "4h"
  }
}
