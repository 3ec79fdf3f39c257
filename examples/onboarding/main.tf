# A complete tenant: Cloud Director organization and VDC, a Keycloak realm
# with mandatory OTP, the tenant portal's OIDC client, and the organization's
# OpenID Connect settings pointing at that realm so the tenant portal logs in
# through SSO.
#
#   export TENANTOPS_VCD_PASSWORD=... TENANTOPS_KEYCLOAK_CLIENT_SECRET=...
#   terraform init && terraform apply -var tenant=acme

terraform {
  required_providers {
    tenantops = {
      source = "tenantops/tenantops"
    }
  }
}

variable "tenant" {
  description = "Tenant id: organization and realm name."
  type        = string
  default     = "acme"
}

variable "tenant_full_name" {
  type    = string
  default = "Acme Corporation"
}

variable "vcd_url" {
  type    = string
  default = "https://vcd.example.com"
}

provider "tenantops" {
  vcd {
    url  = var.vcd_url
    user = "tenantops-automation"
    org  = "System"
  }
  keycloak {
    url       = "https://sso.example.com"
    realm     = "master"
    client_id = "tenantops"
  }
}

resource "tenantops_tenant" "org" {
  name              = var.tenant
  full_name         = var.tenant_full_name
  description       = "Managed by tenantops"
  deployed_vm_quota = 50
  stored_vm_quota   = 100
}

resource "tenantops_tenant_vdc" "main" {
  org              = tenantops_tenant.org.name
  name             = "${var.tenant}-vdc"
  provider_vdc     = "pvdc-gold"
  allocation_model = "Flex"
  network_pool     = "np-vxlan-01"

  cpu_allocated_mhz   = 20000
  memory_allocated_mb = 65536

  storage_profiles = [
    { name = "gold", limit_mb = 1048576, default = true, enabled = true },
  ]
}

resource "tenantops_sso_realm" "tenant" {
  realm        = var.tenant
  display_name = var.tenant_full_name
  mfa          = "otp"

  password_policy          = "length(12) and notUsername and passwordHistory(5)"
  sso_session_idle_timeout = 1800
  sso_session_max_lifespan = 36000
}

resource "tenantops_sso_client" "portal" {
  realm         = tenantops_sso_realm.tenant.realm
  client_id     = "vcd-tenant-portal"
  name          = "Cloud Director tenant portal"
  redirect_uris = ["${var.vcd_url}/login/oauth?service=tenant:${var.tenant}"]
  web_origins   = [var.vcd_url]
}

locals {
  issuer = tenantops_sso_realm.tenant.issuer
  oidc   = "${local.issuer}/protocol/openid-connect"
}

resource "tenantops_tenant_sso" "oidc" {
  org     = tenantops_tenant.org.name
  enabled = true

  client_id     = tenantops_sso_client.portal.client_id
  client_secret = tenantops_sso_client.portal.client_secret

  issuer                 = local.issuer
  well_known_endpoint    = "${local.issuer}/.well-known/openid-configuration"
  authorization_endpoint = "${local.oidc}/auth"
  token_endpoint         = "${local.oidc}/token"
  userinfo_endpoint      = "${local.oidc}/userinfo"
  jwks_uri               = "${local.oidc}/certs"
  scopes                 = ["openid", "profile", "email"]
}

output "realm_issuer" {
  value = local.issuer
}

output "vdc_id" {
  value = tenantops_tenant_vdc.main.id
}
