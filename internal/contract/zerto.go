package contract

import "github.com/tenantops/tenantops/internal/sim/record"

// zertoChecker will check the zerto simulator's traffic against zerto-zvm-10.0u6-swagger.json.
type zertoChecker struct{}

func (zertoChecker) system() string      { return "zerto" }
func (zertoChecker) against() []string   { return []string{"zerto-zvm-10.0u6-swagger.json"} }
func (zertoChecker) endpoints() []string { return nil }

func (zertoChecker) check(ref string, ex []record.Exchange) Result { return Result{} }
