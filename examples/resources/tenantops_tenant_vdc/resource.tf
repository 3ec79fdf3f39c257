data "tenantops_provider_vdc" "main" {
  name = "pvdc-1"
}

# The tenant's production VDC.
resource "tenantops_tenant_vdc" "main" {
  org              = tenantops_tenant.acme.name
  name             = "acme-prod"
  provider_vdc     = data.tenantops_provider_vdc.main.name
  allocation_model = "AllocationPool"
  network_pool     = "np-1"

  cpu_allocated_mhz   = 20000
  cpu_limit_mhz       = 20000
  memory_allocated_mb = 65536
  memory_limit_mb     = 65536

  storage_profiles = [
    { name = "gold", limit_mb = 1048576, default = true },
    { name = "silver", limit_mb = 4194304 },
  ]

  timeouts {
    create = "30m"
  }
}
