data "tenantops_provider_vdc" "main" {
  name = "pvdc-1"
}

output "storage_profiles" {
  value = data.tenantops_provider_vdc.main.storage_profiles
}
