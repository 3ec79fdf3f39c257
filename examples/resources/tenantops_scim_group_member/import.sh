# <group id>/<user id>
terraform import tenantops_scim_group_member.alice e9e30dba-f08f-4109-8486-d5c6a331660a/2819c223-7f76-453a-919d-413861904646
