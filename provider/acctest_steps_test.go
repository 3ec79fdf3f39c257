package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// Shared pieces of the acceptance tests: every resource test plans,
// imports, compares ids across steps and checks that destroy left its
// backend empty, the same way.

// startSim starts one simulator for one test and closes it at its end.
func startSim[O any, S interface{ Close() }](t *testing.T, start func(O) (S, error), opts O) S {
	t.Helper()
	s, err := start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// planIs checks the plan made before apply.
func planIs(checks ...plancheck.PlanCheck) resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{PreApply: checks}
}

// planIsThenEmpty checks the plan made before apply, and that the plan
// after apply and refresh is empty: no perpetual diff.
func planIsThenEmpty(checks ...plancheck.PlanCheck) resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{PreApply: checks, PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
}

// emptyAfterApply checks only that the plan after apply and refresh is empty.
func emptyAfterApply() resource.ConfigPlanChecks { return planIsThenEmpty() }

// The actions a plan may propose for one resource.
func creates(addr string) plancheck.PlanCheck {
	return plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)
}

func updates(addr string) plancheck.PlanCheck {
	return plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)
}

func replaces(addr string) plancheck.PlanCheck {
	return plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)
}

func destroys(addr string) plancheck.PlanCheck {
	return plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroy)
}

func leaves(addr string) plancheck.PlanCheck {
	return plancheck.ExpectResourceAction(addr, plancheck.ResourceActionNoop)
}

func noChanges() plancheck.PlanCheck { return plancheck.ExpectEmptyPlan() }

// importStep imports addr by id ("" for the id in state) and compares
// what the import read with the state, but for the ignored attributes.
func importStep(addr, id string, ignore ...string) resource.TestStep {
	return resource.TestStep{ResourceName: addr, ImportState: true, ImportStateId: id,
		ImportStateVerify: true, ImportStateVerifyIgnore: ignore}
}

// importStepBy is importStep with an id worked out when the step runs.
func importStepBy(addr string, id resource.ImportStateIdFunc, ignore ...string) resource.TestStep {
	return resource.TestStep{ResourceName: addr, ImportState: true, ImportStateIdFunc: id,
		ImportStateVerify: true, ImportStateVerifyIgnore: ignore}
}

// remembered is an import id kept by an earlier step (see captureID).
func remembered(id *string) resource.ImportStateIdFunc {
	return func(*terraform.State) (string, error) { return *id, nil }
}

// attrOf returns an ImportStateIdFunc reading one attribute from state.
func attrOf(res, attr string) resource.ImportStateIdFunc {
	return func(s *terraform.State) (string, error) {
		r, ok := s.RootModule().Resources[res]
		if !ok {
			return "", fmt.Errorf("%s not in state", res)
		}
		if attr == "id" {
			return r.Primary.ID, nil
		}
		return r.Primary.Attributes[attr], nil
	}
}

// captureID keeps addr's id from state in *id for later steps.
func captureID(addr string, id *string) resource.TestCheckFunc {
	return func(st *terraform.State) error {
		rs, ok := st.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s not in state", addr)
		}
		*id = rs.Primary.ID
		return nil
	}
}

// keepsID fails when addr's id is no longer the one captureID kept: the
// object was replaced where it should have been updated in place.
func keepsID(addr string, id *string) resource.TestCheckFunc {
	return func(st *terraform.State) error {
		rs, ok := st.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s not in state", addr)
		}
		if rs.Primary.ID != *id {
			return fmt.Errorf("%s was replaced: %s -> %s", addr, *id, rs.Primary.ID)
		}
		return nil
	}
}

// nothingLeft is a CheckDestroy: the backend called system holds nothing.
func nothingLeft(system string, inventory func() []string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if inv := inventory(); len(inv) > 0 {
			return fmt.Errorf("objects left in %s after destroy: %s", system, strings.Join(inv, ", "))
		}
		return nil
	}
}

// simCheck wraps an assertion on a simulator as a check function.
func simCheck(f func() error) resource.TestCheckFunc {
	return func(*terraform.State) error { return f() }
}

// outOfBand is a PreConfig that changes a backend behind Terraform's back;
// change reports whether it found the object to change.
func outOfBand(t *testing.T, what string, change func() bool) func() {
	return func() {
		t.Helper()
		if !change() {
			t.Fatalf("out-of-band %s: object not found", what)
		}
	}
}

// testAccRefused runs config once and expects it to fail with want;
// destroyed, when set, checks what the failed apply left behind.
func testAccRefused(t *testing.T, destroyed resource.TestCheckFunc, config string, want *regexp.Regexp) {
	t.Helper()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             destroyed,
		Steps:                    []resource.TestStep{{Config: config, ExpectError: want}},
	})
}
