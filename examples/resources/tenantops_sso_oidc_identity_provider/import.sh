# An identity provider is imported by <realm>/<alias>. Keycloak never returns
# the client secret, so the first apply after an import writes it once.
terraform import tenantops_sso_oidc_identity_provider.entra acme/acme-entra
