# By organization name:
terraform import tenantops_tenant.acme acme

# By organization ID (URN or bare UUID):
terraform import tenantops_tenant.acme urn:vcloud:org:5b0c4a7e-9d7f-4c1a-8f3e-2a6b1c9d0e11
