# A client is imported by <realm>/<client_id>.
terraform import tenantops_sso_client.portal acme/tenant-portal
