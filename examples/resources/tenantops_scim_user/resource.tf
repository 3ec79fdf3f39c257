resource "tenantops_scim_user" "manager" {
  user_name    = "carol.admin@acme.example"
  display_name = "Carol Admin"
}

resource "tenantops_scim_user" "alice" {
  user_name    = "alice@acme.example"
  given_name   = "Alice"
  family_name  = "Example"
  display_name = "Alice Example"
  external_id  = "crm-contact-4711"
  active       = true

  emails = [
    { value = "alice@acme.example", type = "work", primary = true },
    { value = "alice@home.example", type = "home" },
  ]

  # Enterprise extension (urn:ietf:params:scim:schemas:extension:enterprise:2.0:User)
  employee_number = "1001"
  department      = "Operations"
  organization    = "Acme Corp"
  manager_id      = tenantops_scim_user.manager.id
}
