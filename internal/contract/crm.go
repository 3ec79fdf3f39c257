package contract

import "github.com/tenantops/tenantops/internal/sim/record"

type crmChecker struct{}

func (crmChecker) system() string      { return "crm" }
func (crmChecker) against() []string   { return nil }
func (crmChecker) endpoints() []string { return nil }

func (crmChecker) check(ref string, ex []record.Exchange) Result {
	return Result{Against: "docs-trigger"}
}
