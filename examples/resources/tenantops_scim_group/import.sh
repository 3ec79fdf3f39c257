# By SCIM id:
terraform import tenantops_scim_group.admins e9e30dba-f08f-4109-8486-d5c6a331660a

# By displayName (must be unique on the service provider):
terraform import tenantops_scim_group.admins displayName:acme-admins
