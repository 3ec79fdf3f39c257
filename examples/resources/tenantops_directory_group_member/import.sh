# <group>|<member>, each a DN, sAMAccountName or objectGUID:
terraform import tenantops_directory_group_member.svc_in_users 'acme-users|acme-svc'
terraform import tenantops_directory_group_member.svc_in_users 'CN=acme-users,OU=acme,OU=Tenants,DC=example,DC=com|CN=acme-svc,OU=acme,OU=Tenants,DC=example,DC=com'
