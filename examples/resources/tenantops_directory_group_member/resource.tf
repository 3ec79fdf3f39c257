# Add one account to a group whose other members are managed elsewhere.
resource "tenantops_directory_group_member" "svc_in_users" {
  group_dn  = tenantops_directory_group.users.dn
  member_dn = tenantops_directory_user.service.dn
}
