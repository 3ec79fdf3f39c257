# By SCIM id:
terraform import tenantops_scim_user.alice 2819c223-7f76-453a-919d-413861904646

# By userName (everything after the "userName:" prefix is the name, verbatim):
terraform import tenantops_scim_user.alice userName:alice@acme.example
