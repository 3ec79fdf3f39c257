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
			var (
				out     []byte
				err     error
				execs   int64
				retries int
			)
			for {
				out, err = fuzzOnce(root, f.pkg, f.name, fuzztime)
				if m := execsRe.FindAllSubmatch(out, -1); len(m) > 0 {
					n, _ := strconv.ParseInt(string(m[len(m)-1][1]), 10, 64)
					execs += n
				}
				if err == nil || !coordinatorRace(out) || retries == 2 {
					break
				}
				retries++
				tally.note("fuzz %s %s: Go's fuzz coordinator reported its own -fuzztime deadline with no failing input (golang/go#75804, fixed in Go 1.27); ran the target again", f.pkg, f.name)
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

func fuzzOnce(root, pkg, name, fuzztime string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-fuzz", "^"+name+"$", "-fuzztime", fuzztime, pkg)
	cmd.Dir = root
	return cmd.CombinedOutput()
}

// coordinatorRace tells the Go 1.26 fuzz coordinator's shutdown race from a
// finding: when -fuzztime expires while a worker is mid-call, the target
// fails with a bare "context deadline exceeded" and writes no input
// (golang/go#75804). A real crash or hang always names the input it wrote.
func coordinatorRace(out []byte) bool {
	return bytes.Contains(out, []byte("\n    context deadline exceeded\n")) &&
		!bytes.Contains(out, []byte("Failing input written to"))
}

func TestCoordinatorRaceIsToldFromAFinding(t *testing.T) {
	race := "fuzz: elapsed: 21s, execs: 40304 (0/sec), new interesting: 4 (total: 108)\n--- FAIL: FuzzParse (21.07s)\n    context deadline exceeded\nFAIL\n"
	crash := "--- FAIL: FuzzParse (0.31s)\n    --- FAIL: FuzzParse (0.00s)\n        spec_test.go:88: panic\n\n    Failing input written to testdata/fuzz/FuzzParse/4b0e\n    To re-run:\n    go test -run=FuzzParse/4b0e\n"
	hang := "--- FAIL: FuzzParse (12.00s)\n    fuzzing process hung or terminated unexpectedly: exit status 2\n    Failing input written to testdata/fuzz/FuzzParse/77aa\n    context deadline exceeded\n"
	if !coordinatorRace([]byte(race)) {
		t.Error("the bare deadline report was not taken for the coordinator race")
	}
	for _, out := range []string{crash, hang} {
		if coordinatorRace([]byte(out)) {
			t.Errorf("a finding was taken for the coordinator race:\n%s", out)
		}
	}
}
