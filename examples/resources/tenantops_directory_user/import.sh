# By DN:
terraform import tenantops_directory_user.admin 'CN=Acme Admin,OU=acme,OU=Tenants,DC=example,DC=com'

# By sAMAccountName (optionally DOMAIN\name) or userPrincipalName:
terraform import tenantops_directory_user.admin acme-admin
terraform import tenantops_directory_user.admin admin@acme.example.com

# By objectGUID:
terraform import tenantops_directory_user.admin 8d2b1c4e-7a6f-4e3d-b5c9-1f0a2e3d4c5b
