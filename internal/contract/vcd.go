package contract

import "github.com/tenantops/tenantops/internal/sim/record"

// vcdChecker will check the vcd simulator's traffic against vcd-api-schemas.
type vcdChecker struct{}

func (vcdChecker) system() string      { return "vcd" }
func (vcdChecker) against() []string   { return []string{"vcd-api-schemas"} }
func (vcdChecker) endpoints() []string { return nil }

func (vcdChecker) check(ref string, ex []record.Exchange) Result { return Result{} }
