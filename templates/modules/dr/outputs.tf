output "vpg_id" {
  value = tenantops_dr_protection_group.this.vpg_id
}

output "workloads_vapp_id" {
  value       = tenantops_vapp.workloads.id
  description = "The vApp whose VMs Zerto replicates."
}
