# By DN:
terraform import tenantops_directory_ou.acme 'OU=acme,OU=Tenants,DC=example,DC=com'

# By objectGUID:
terraform import tenantops_directory_ou.acme 5f0e4e8c-3d4b-4f0a-9c1e-2a7b6d9e8f10
