# A paired recovery site and the org VDCs VMs can recover into there.
data "tenantops_dr_site" "dr" {
  name = "site-recovery"
}

output "dr_org_vdcs" {
  value = data.tenantops_dr_site.dr.recovery_org_vdc_names
}
