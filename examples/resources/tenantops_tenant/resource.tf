# A tenant's Cloud Director organization.
resource "tenantops_tenant" "acme" {
  name              = "acme"
  full_name         = "Acme Corporation"
  description       = "Premium tier, contract 2024-117"
  deployed_vm_quota = 50
  stored_vm_quota   = 100

  # Lease policy: running vApps never stop, stopped ones are kept 30 days.
  vapp_deployment_lease_seconds       = 0
  vapp_storage_lease_seconds          = 2592000
  vapp_template_storage_lease_seconds = 0

  # Offboarding removes the VDCs together with the organization.
  delete_recursive = true

  timeouts {
    create = "10m"
    delete = "30m"
  }
}
