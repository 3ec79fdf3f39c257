# By DN:
terraform import tenantops_directory_group.admins 'CN=acme-admins,OU=acme,OU=Tenants,DC=example,DC=com'

# By sAMAccountName (optionally DOMAIN\name):
terraform import tenantops_directory_group.admins acme-admins
terraform import tenantops_directory_group.admins 'EXAMPLE\acme-admins'

# By objectGUID:
terraform import tenantops_directory_group.admins 0c6f3a52-8f0e-4c5d-9b1a-6e2d7f4a3b21
