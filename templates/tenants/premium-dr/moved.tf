# Tenants onboarded before the tiers were split into modules hold their
# objects at root addresses: these blocks move them in the state on the next
# run instead of destroying and re-creating them (Terraform 1.1+). Remove them
# once every tenant has been applied with the modules.

moved {
  from = tenantops_tenant.this
  to   = module.cloud.tenantops_tenant.this
}

moved {
  from = tenantops_tenant_vdc.main
  to   = module.cloud.tenantops_tenant_vdc.main
}

moved {
  from = tenantops_sso_realm.this
  to   = module.sso.tenantops_sso_realm.this
}

moved {
  from = tenantops_sso_client.portal
  to   = module.sso.tenantops_sso_client.portal
}

moved {
  from = tenantops_sso_oidc_identity_provider.customer
  to   = module.sso.tenantops_sso_oidc_identity_provider.customer
}

moved {
  from = tenantops_sso_saml_identity_provider.customer
  to   = module.sso.tenantops_sso_saml_identity_provider.customer
}

moved {
  from = tenantops_tenant_sso.this
  to   = module.sso.tenantops_tenant_sso.this
}

moved {
  from = tenantops_directory_ou.tenant
  to   = module.directory.tenantops_directory_ou.tenant
}

moved {
  from = tenantops_directory_group.admins
  to   = module.directory.tenantops_directory_group.admins
}

moved {
  from = tenantops_directory_group.users
  to   = module.directory.tenantops_directory_group.users
}

moved {
  from = tenantops_sso_ldap_federation.directory
  to   = module.directory.tenantops_sso_ldap_federation.directory
}

moved {
  from = tenantops_scim_user.admin
  to   = module.scim.tenantops_scim_user.admin
}

moved {
  from = tenantops_scim_group.admins
  to   = module.scim.tenantops_scim_group.admins
}

moved {
  from = tenantops_vapp.workloads
  to   = module.dr.tenantops_vapp.workloads
}

moved {
  from = tenantops_dr_protection_group.this
  to   = module.dr.tenantops_dr_protection_group.this
}
