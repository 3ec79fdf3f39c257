package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBinaryLinksNoTestCode guards the split between the service operators
// deploy and the sandbox (cmd/tenantops-sandbox): the trigger binary must
// not link the testing package, a simulator or the test harness.
func TestBinaryLinksNoTestCode(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "testing" || strings.Contains(pkg, "/internal/sim") || strings.Contains(pkg, "/internal/testenv") ||
			strings.HasSuffix(pkg, "/triggertest") || strings.HasSuffix(pkg, "/sandbox") {
			t.Errorf("tenantops-trigger links %s", pkg)
		}
	}
}

// TestSandboxCommandsPointAtTheirNewHome checks that the commands moved to
// tenantops-sandbox are no longer served here and name the new command.
func TestSandboxCommandsPointAtTheirNewHome(t *testing.T) {
	for _, name := range []string{"dev", "demo", "send"} {
		if _, ok := commands[name]; ok {
			t.Errorf("%q is still a command of tenantops-trigger", name)
		}
		err := movedError(name)
		if err == nil || !strings.Contains(err.Error(), "tenantops-sandbox "+name) {
			t.Errorf("movedError(%q) = %v, want a pointer at tenantops-sandbox %s", name, err, name)
		}
	}
	for name := range commands {
		if err := movedError(name); err != nil {
			t.Errorf("movedError(%q) = %v for a command this binary serves", name, err)
		}
	}
}
