package sandbox

import (
	"fmt"
	"net"
	"strings"

	"github.com/tenantops/tenantops/internal/sim/keycloak"
	"github.com/tenantops/tenantops/trigger/server"
)

// The operator console in dev and demo: the Keycloak simulator plays the
// staff identity provider, with a realm "staff", the console's client and
// two accounts with random passwords, a viewer and an approver.

// StaffRealm is the realm operators sign in with.
const StaffRealm = "staff"

// ConsoleClientID is the console's client in the staff realm.
const ConsoleClientID = "tenantops-console"

// consoleRoleClaim is the ID token claim carrying the console roles.
const consoleRoleClaim = "tenantops_roles"

// setUpConsole creates the staff realm for a trigger listening on ln and
// points the trigger's console settings at it.
func (e *Env) setUpConsole(cfg *server.Config, ln net.Listener) {
	base := "http://" + ln.Addr().String()
	e.ConsoleURL = base + "/ui/"
	e.StaffAccounts = []keycloak.StaffUser{
		{Username: "viewer", Password: randomHex(8), Roles: []string{"viewer"}},
		{Username: "approver", Password: randomHex(8), Roles: []string{"approver"}},
	}
	secret := randomHex(16)
	e.Keycloak.AddStaffRealm(keycloak.StaffRealm{Name: StaffRealm, RoleClaim: consoleRoleClaim,
		Clients: []keycloak.StaffClient{{ClientID: ConsoleClientID, Secret: secret, RedirectURIs: []string{base + "/ui/callback"}}},
		Users:   e.StaffAccounts})
	cfg.Listener = ln
	cfg.ConsoleIssuer = e.Keycloak.URL + "/realms/" + StaffRealm
	cfg.ConsoleClientID, cfg.ConsoleClientSecret = ConsoleClientID, secret
	cfg.ConsoleRedirectURL = base + "/ui/callback"
	cfg.ConsoleRoleClaim = consoleRoleClaim
}

// ConsoleLines describes the console and its accounts for the banner.
func (e *Env) ConsoleLines() []string {
	out := []string{fmt.Sprintf("operator console   %s   (signs in at the Keycloak simulator, realm %s)", e.ConsoleURL, StaffRealm)}
	for _, u := range e.StaffAccounts {
		out = append(out, fmt.Sprintf("  %-8s account   %s / %s", strings.Join(u.Roles, ","), u.Username, u.Password))
	}
	return out
}
