# By organization name (client_secret cannot be read back: keep it in the configuration):
terraform import tenantops_tenant_sso.acme acme
