# The premium-dr tier: everything of standard (a Cloud Director org and VDC,
# a Keycloak realm with the portal's client, the tenant's OU and its SCIM admins)
# plus disaster recovery with Zerto (the dr module). Each block is a module of
# templates/modules; the trigger copies the ones a tier uses into the rendered
# workspace under modules/<name>.

module "cloud" {
  source = "./modules/cloud"

  tenant_id        = var.tenant_id
  display_name     = var.display_name
  quotas           = var.quotas
  provider_vdc     = var.provider_vdc
  allocation_model = var.allocation_model
  network_pool     = var.network_pool
  storage_profile  = var.storage_profile
  suspended        = var.suspended
}

module "sso" {
  source = "./modules/sso"

  tenant_id    = var.tenant_id
  display_name = var.display_name
  mfa          = var.mfa
  idp          = var.idp
  portal_url   = var.portal_url
  org_name     = module.cloud.org_name
  suspended    = var.suspended

  smtp          = var.smtp_host == "" ? null : { host = var.smtp_host, port = var.smtp_port, from = var.smtp_from, from_display_name = var.smtp_from_display_name, starttls = var.smtp_starttls, ssl = var.smtp_ssl, user = var.smtp_user }
  smtp_password = var.smtp_password
  admins        = var.admins
  # Admins without Active Directory federation get realm accounts, invited
  # by e-mail when the platform has a mail server.
  invite_admins = var.smtp_host != "" && !module.directory.federated
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
  suspended = var.suspended
}

module "dr" {
  source = "./modules/dr"

  tenant_id        = var.tenant_id
  vdc_id           = module.cloud.vdc_id
  dr               = var.dr
  recovery_site    = var.dr_recovery_site
  recovery_org_vdc = var.dr_recovery_org_vdc
  storage_policy   = var.dr_storage_policy
  failover_network = var.dr_failover_network
  test_network     = var.dr_test_network
  service_profile  = var.dr_service_profile
  zorg             = var.dr_zorg
}
