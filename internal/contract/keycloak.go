package contract

import "github.com/tenantops/tenantops/internal/sim/record"

// keycloakChecker will check the keycloak simulator's traffic against keycloak-23.0.7-admin-openapi.json.
type keycloakChecker struct{}

func (keycloakChecker) system() string      { return "keycloak" }
func (keycloakChecker) against() []string   { return []string{"keycloak-23.0.7-admin-openapi.json"} }
func (keycloakChecker) endpoints() []string { return nil }

func (keycloakChecker) check(ref string, ex []record.Exchange) Result { return Result{} }
