package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/tenantops/tenantops/internal/testenv"
)

// The acceptance tests of the write-only secrets run on either engine. On
// one with write-only arguments (OpenTofu 1.12, Terraform 1.11+) they
// create, rotate and import; on one without (Terraform 1.5) the first
// configuration must be refused, with the framework's diagnostic.

// writeOnlyRefused is how an engine without write-only arguments answers a
// configuration that sets the write-only attribute attr.
func writeOnlyRefused(attr string) *regexp.Regexp {
	return diagRE("Error: WriteOnly Attribute Not Allowed",
		"The resource contains a non-null value for WriteOnly attribute "+attr+". "+
			"Write-only attributes are only supported in Terraform 1.11 and later.")
}

// writeOnlySteps are the steps of a test of the write-only form of the
// secret argument name: steps on an engine that has write-only arguments;
// on one that has not, only the first step's configuration, which it must
// refuse.
func writeOnlySteps(t *testing.T, name string, steps ...resource.TestStep) []resource.TestStep {
	t.Helper()
	e, err := testenv.Engine()
	if err != nil {
		t.Fatal(err)
	}
	if e.HasWriteOnlyArguments() {
		return steps
	}
	t.Logf("%s %s has no write-only arguments: checking that it refuses them", e.Name, e.Version)
	return []resource.TestStep{{Config: steps[0].Config, ExpectError: writeOnlyRefused(name + writeOnlySuffix)}}
}

// writeOnlyHCL sets the secret argument name in its write-only form, at
// version.
func writeOnlyHCL(name, secret string, version int) string {
	return fmt.Sprintf("  %s%s = %q\n  %s%s = %d\n", name, writeOnlySuffix, secret, name, versionSuffix, version)
}

// noSecret checks that neither the state nor the plan, as `show -json`
// prints them (sensitive values in clear), holds any of the secrets
// anywhere: not in a write-only attribute, not in any other.
type noSecret []string

func (n noSecret) find(what string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	for _, s := range n {
		if strings.Contains(string(b), s) {
			return fmt.Errorf("the %s holds the secret %q", what, s)
		}
	}
	return nil
}

func (n noSecret) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = n.find("state", req.State)
}

// CheckPlan looks at everything the plan holds but the configuration: a
// plan carries the configuration's own text, and the tests' secrets are
// literals there (in real use they come from an ephemeral variable or
// resource, which the configuration does not hold).
func (n noSecret) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	p := *req.Plan
	p.Config = nil
	resp.Error = n.find("plan", p)
}

// writeOnlyStateIs checks what the state holds of the secret argument name
// of addr: its write-only form null, its version at version, and its plain
// form null.
func writeOnlyStateIs(addr, name string, version int64, secrets ...string) []statecheck.StateCheck {
	return []statecheck.StateCheck{
		noSecret(secrets),
		statecheck.ExpectKnownValue(addr, tfjsonpath.New(name+writeOnlySuffix), knownvalue.Null()),
		statecheck.ExpectKnownValue(addr, tfjsonpath.New(name+versionSuffix), knownvalue.Int64Exact(version)),
		statecheck.ExpectKnownValue(addr, tfjsonpath.New(name), knownvalue.Null()),
	}
}

// writeOnlyPlanned checks a plan: checks, no secret, and the write-only
// form of the secret argument name of addr null.
func writeOnlyPlanned(addr, name string, secrets []string, checks ...plancheck.PlanCheck) resource.ConfigPlanChecks {
	return planIsThenEmpty(append(checks, noSecret(secrets),
		plancheck.ExpectKnownValue(addr, tfjsonpath.New(name+writeOnlySuffix), knownvalue.Null()))...)
}
