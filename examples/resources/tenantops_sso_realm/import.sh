# A realm is imported by its name.
terraform import tenantops_sso_realm.acme acme
