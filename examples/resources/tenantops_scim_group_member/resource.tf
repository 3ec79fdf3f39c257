# A group whose members are managed one by one (members left unset).
resource "tenantops_scim_group" "users" {
  display_name = "acme-users"
}

resource "tenantops_scim_user" "alice" {
  user_name = "alice@acme.example"
}

resource "tenantops_scim_group_member" "alice" {
  group_id = tenantops_scim_group.users.id
  user_id  = tenantops_scim_user.alice.id
}
