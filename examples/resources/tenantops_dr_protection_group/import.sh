# Import by VPG name...
terraform import tenantops_dr_protection_group.acme acme-dr

# ...or by VPG identifier. The protected vApps are read back from Zerto's
# VMs and their Cloud Director vApps.
terraform import tenantops_dr_protection_group.acme 2c1e5d0a-7b3f-4d6e-9a18-5f0c3e2b7d41
