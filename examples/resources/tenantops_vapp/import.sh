# Import by <org>/<vdc>/<vApp>...
terraform import tenantops_vapp.workloads acme/acme-vdc/acme-workloads

# ...or by vApp ID.
terraform import tenantops_vapp.workloads urn:vcloud:vapp:3f2a9c1e-8d4b-4e7a-b0c5-6d1e2f3a4b5c
