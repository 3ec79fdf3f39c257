terraform {
  required_providers {
    tenantops = {
      source = "tenantops/tenantops"
    }
  }
}

# Every block is optional: configure only the backends your resources use.
# Credentials are best passed through the environment
# (TENANTOPS_VCD_PASSWORD, TENANTOPS_KEYCLOAK_CLIENT_SECRET, ...).
provider "tenantops" {
  vcd {
    url     = "https://vcd.example.com"
    user    = "tenantops-automation"
    org     = "System"
    ca_file = "/etc/ssl/private-ca.pem"
  }

  keycloak {
    url       = "https://sso.example.com"
    realm     = "master"
    client_id = "tenantops"
  }

  directory {
    url     = "ldaps://dc1.example.com:636"
    bind_dn = "CN=tenantops,OU=Service Accounts,DC=example,DC=com"
    ca_file = "/etc/ssl/private-ca.pem"
  }

  scim {
    url = "https://idm.example.com/scim/v2"
  }

  zerto {
    url       = "https://zvm.example.com"
    client_id = "tenantops"
  }
}
