# By <org>/<vdc>:
terraform import tenantops_tenant_vdc.main acme/acme-prod

# By VDC ID (URN or bare UUID):
terraform import tenantops_tenant_vdc.main urn:vcloud:vdc:0f5e2c1d-3b4a-4e6f-9a8b-7c6d5e4f3a21
