# The customer's ADFS, configured from the metadata document it publishes.
resource "tenantops_sso_saml_identity_provider" "adfs" {
  realm        = tenantops_sso_realm.acme.realm
  alias        = "acme-adfs"
  display_name = "Acme ADFS"

  # Entity id, SSO/SLO endpoints and signing certificates come from here.
  metadata_xml = file("${path.module}/acme-adfs-metadata.xml")

  want_assertions_signed = true
  principal_type         = "ATTRIBUTE"
  principal_attribute    = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"
}

# Without metadata, give the essentials explicitly.
resource "tenantops_sso_saml_identity_provider" "okta" {
  realm                      = tenantops_sso_realm.acme.realm
  alias                      = "acme-okta"
  idp_entity_id              = "http://www.okta.com/exk0000000000000000"
  single_sign_on_service_url = "https://acme.okta.com/app/acme_keycloak/exk0000000000000000/sso/saml"
  signing_certificates       = [trimspace(file("${path.module}/okta-signing.b64"))]
}
