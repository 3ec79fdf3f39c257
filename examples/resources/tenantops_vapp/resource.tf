# The tenant's workloads vApp, with a first VM so that a protection group
# has a VM to replicate from the start. VMs the tenant adds later are the
# tenant's; they join the VPG protecting this vApp.
resource "tenantops_vapp" "workloads" {
  vdc_id      = tenantops_tenant_vdc.acme.id
  name        = "acme-workloads"
  description = "VMs placed here are replicated to the recovery site."

  initial_vm = {
    name      = "acme-vm1"
    cpus      = 2
    memory_mb = 4096
  }
}
