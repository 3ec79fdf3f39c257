# Tenant administrators, provisioned over SCIM, and their group.

resource "tenantops_scim_user" "admin" {
  for_each = { for a in var.admins : a.username => a }

  user_name    = "${var.tenant_id}.${each.key}"
  given_name   = each.value.given_name
  family_name  = each.value.family_name
  display_name = "${each.value.given_name} ${each.value.family_name}"
  organization = var.tenant_id
  active       = !var.suspended
  emails = [{
    value = each.value.email
    type  = "work"
  }]
}

resource "tenantops_scim_group" "admins" {
  display_name = "${var.tenant_id}-admins"
  members      = [for u in tenantops_scim_user.admin : u.id]
}
