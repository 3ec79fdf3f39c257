output "org_name" {
  value       = tenantops_tenant.this.name
  description = "Name of the tenant's Cloud Director organization."
}

output "org_id" {
  value = tenantops_tenant.this.id
}

output "vdc_id" {
  value = tenantops_tenant_vdc.main.id
}
