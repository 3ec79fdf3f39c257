# An identity provider is imported by <realm>/<alias>. The metadata document is
# not stored in Keycloak, so an imported provider shows metadata_xml being
# added once.
terraform import tenantops_sso_saml_identity_provider.adfs acme/acme-adfs
