# A user is imported by <realm>/<username>. An imported user counts as never
# invited: invite = true in the configuration sends the invitation on the
# next apply.
terraform import tenantops_sso_user.alice acme/alice
