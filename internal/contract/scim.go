package contract

import "github.com/tenantops/tenantops/internal/sim/record"

type scimChecker struct{}

func (scimChecker) system() string      { return "scim" }
func (scimChecker) against() []string   { return nil }
func (scimChecker) endpoints() []string { return nil }

func (scimChecker) check(ref string, ex []record.Exchange) Result {
	return Result{Against: "RFC7643-7644"}
}
