# The tenant's OU under a common "Tenants" OU.
resource "tenantops_directory_ou" "acme" {
  name        = "acme"
  path        = "OU=Tenants,DC=example,DC=com"
  description = "Acme Corp (tenant acme)"

  # Offboarding deletes the OU together with its users and groups.
  recursive = true
}
