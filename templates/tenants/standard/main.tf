# The standard tier: a Cloud Director org and VDC, a Keycloak realm with the
# portal's client, the tenant's OU in Active Directory and its admins over
# SCIM. Each block is a module of templates/modules; the trigger copies the
# ones a tier uses into the rendered workspace under modules/<name>.

module "cloud" {
  source = "./modules/cloud"

  tenant_id        = var.tenant_id
  display_name     = var.display_name
  quotas           = var.quotas
  provider_vdc     = var.provider_vdc
  allocation_model = var.allocation_model
  network_pool     = var.network_pool
  storage_profile  = var.storage_profile
}

module "sso" {
  source = "./modules/sso"

  tenant_id    = var.tenant_id
  display_name = var.display_name
  mfa          = var.mfa
  idp          = var.idp
  portal_url   = var.portal_url
  org_name     = module.cloud.org_name
}

module "directory" {
  source = "./modules/directory"

  enabled       = var.directory_enabled
  tenant_id     = var.tenant_id
  display_name  = var.display_name
  base_dn       = var.directory_base_dn
  realm         = module.sso.realm
  ldap_url      = var.directory_ldap_url
  bind_dn       = var.directory_bind_dn
  bind_password = var.directory_federation_bind_password
}

module "scim" {
  source = "./modules/scim"

  tenant_id = var.tenant_id
  admins    = var.admins
}
