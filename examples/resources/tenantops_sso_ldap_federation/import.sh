# A federation provider is imported by <realm>/<name>. Keycloak never returns
# the bind credential, so the first apply after an import writes it once.
terraform import tenantops_sso_ldap_federation.ad acme/acme-ad
