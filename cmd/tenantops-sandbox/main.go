// Command tenantops-sandbox runs the whole of tenantops on one machine for
// development and demonstrations: every backend simulator, a throwaway
// PostgreSQL cluster, optionally a Samba AD domain controller, and the
// trigger wired to all of them (package sandbox).
//
//	tenantops-sandbox dev  [flags]                 everything on loopback until interrupted
//	tenantops-sandbox demo [flags]                 onboard three sample customers and check the outcome
//	tenantops-sandbox send --url --secret f.json   sign a CRM webhook file and post it to a trigger
//
// It is a command of its own so that tenantops-trigger, the binary operators
// deploy, links no simulator, no test harness and no throwaway-server code.
package main

import (
	"github.com/tenantops/tenantops/internal/cli"
	"github.com/tenantops/tenantops/sandbox"
)

func main() {
	cli.Program{Name: "tenantops-sandbox", Commands: map[string]cli.Command{
		"dev":  {Summary: "run every simulator, a throwaway PostgreSQL and the trigger on loopback", Run: sandbox.Main},
		"demo": {Summary: "run the dev environment, onboard three sample customers and check the outcome", Run: sandbox.DemoMain},
		"send": {Summary: "sign a CRM webhook file and post it to a trigger: --url --secret file.json", Run: sandbox.SendMain},
	}}.Main()
}
