output "admin_user_ids" {
  value       = { for k, u in tenantops_scim_user.admin : k => u.id }
  description = "SCIM id of each administrator, by username."
}
