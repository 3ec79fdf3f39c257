package reliability

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/testenv"
)

// fuzzTargets are every fuzz target that reads untrusted input: webhook
// bodies and signatures, specs on their way to Terraform, SAML metadata
// from customers, SCIM error bodies from servers, DN and filter values.
var fuzzTargets = []struct{ pkg, name string }{
	{"./trigger/intake", "FuzzWebhook"},
	{"./trigger/spec", "FuzzParse"},
	{"./trigger/workspace", "FuzzRenderInert"},
	{"./internal/signature", "FuzzParse"},
	{"./internal/keycloak", "FuzzParseSAMLMetadata"},
	{"./internal/scim", "FuzzParseError"},
	{"./internal/directory", "FuzzEscapeDN"},
	{"./internal/directory", "FuzzEscapeFilter"},
}

var execsRe = regexp.MustCompile(`execs: (\d+)`)

// TestFuzzCampaign runs every fuzz target for TENANTOPS_RELIABILITY_FUZZTIME
// (default 20s) in the full campaign and counts executions and crashes. In
// the short campaign the targets' seed corpora already run with their
// packages' tests; here it checks that every listed target exists, so the
// campaign cannot silently lose one.
func TestFuzzCampaign(t *testing.T) {
	root := testenv.RepoRoot()
	for _, f := range fuzzTargets {
		files, _ := filepath.Glob(filepath.Join(root, f.pkg, "*_test.go"))
		found := false
		for _, p := range files {
			b, _ := os.ReadFile(p)
			if bytes.Contains(b, []byte("func "+f.name+"(f *testing.F)")) {
				found = true
			}
		}
		if !found {
			t.Errorf("fuzz target %s %s is gone", f.pkg, f.name)
		}
	}
	tally.add(func(c *counts) { c.fuzzTargets = len(fuzzTargets) })
	if !full() {
		tally.note("fuzz: %d targets; seed corpora run with their packages; bounded fuzzing only in the full campaign", len(fuzzTargets))
		return
	}
	fuzztime := os.Getenv("TENANTOPS_RELIABILITY_FUZZTIME")
	if fuzztime == "" {
		fuzztime = "20s"
	}
	for _, f := range fuzzTargets {
		t.Run(strings.TrimPrefix(f.pkg, "./")+"/"+f.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-fuzz", "^"+f.name+"$", "-fuzztime", fuzztime, f.pkg)
			cmd.Dir = root
			out, err := cmd.CombinedOutput()
			var execs int64
			if m := execsRe.FindAllSubmatch(out, -1); len(m) > 0 {
				execs, _ = strconv.ParseInt(string(m[len(m)-1][1]), 10, 64)
			}
			crashed := err != nil
			tally.add(func(c *counts) {
				c.fuzzExecs += execs
				if crashed {
					c.fuzzCrashes++
				}
			})
			tally.note("fuzz %s %s: %d execs in %s%s", f.pkg, f.name, execs, fuzztime, map[bool]string{true: " CRASHED", false: ""}[crashed])
			if crashed {
				t.Errorf("%s %s: %v\n%s", f.pkg, f.name, err, tail(string(out), 3000))
			} else if execs == 0 {
				t.Errorf("%s %s ran no executions:\n%s", f.pkg, f.name, tail(string(out), 1000))
			}
		})
	}
}
