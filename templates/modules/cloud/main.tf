# Cloud Director: the tenant's organization and its VDC sized by the quotas.

resource "tenantops_tenant" "this" {
  name              = var.tenant_id
  full_name         = var.display_name
  description       = "Managed by tenantops"
  enabled           = !var.suspended
  deployed_vm_quota = var.quotas.vm_quota
  stored_vm_quota   = var.quotas.vm_quota
  # Compensation destroys the org with whatever the tenant created in it.
  delete_recursive = true
  delete_force     = true
}

resource "tenantops_tenant_vdc" "main" {
  org              = tenantops_tenant.this.name
  name             = "${var.tenant_id}-vdc"
  provider_vdc     = var.provider_vdc
  allocation_model = var.allocation_model
  cpu_limit_mhz    = var.quotas.cpu_mhz
  memory_limit_mb  = var.quotas.memory_mb
  network_pool     = var.network_pool
  storage_profiles = [{
    name     = var.storage_profile
    limit_mb = var.quotas.storage_mb
    default  = true
  }]
}
