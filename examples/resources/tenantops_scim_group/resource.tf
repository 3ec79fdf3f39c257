resource "tenantops_scim_user" "alice" {
  user_name = "alice@acme.example"
}

resource "tenantops_scim_user" "bob" {
  user_name = "bob@acme.example"
}

# This group owns its complete member list.
resource "tenantops_scim_group" "admins" {
  display_name = "acme-admins"
  external_id  = "crm-group-17"
  members      = [tenantops_scim_user.alice.id, tenantops_scim_user.bob.id]
}
