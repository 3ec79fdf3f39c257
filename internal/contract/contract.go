// Package contract checks the traffic the simulators served (internal/sim/record)
// against the vendors' own published API descriptions in ../shared/reference:
// VMware's Cloud Director XSDs and OpenAPI, Keycloak's admin OpenAPI, Zerto's
// Swagger and the SCIM RFCs. The simulators and our clients were written from
// the same assumptions, so a green suite alone proves nothing; these checks
// hold both sides to what the vendor published.
//
// Test packages whose traffic is checked call Main from TestMain. Each prints
// a table (system, exchanges recorded, checked, violations, operations seen)
// and, when TENANTOPS_CONTRACT_OUT names a directory, writes its result there
// for the report (cmd/contract-report) that adds every package up and checks
// that every endpoint the product calls was exercised.
package contract

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/sim/record"
)

// Violation is one place where an exchange disagrees with the description.
type Violation struct {
	Method  string `json:"method"`
	Path    string `json:"path"`
	Status  int    `json:"status"`
	Side    string `json:"side"` // request or response
	Message string `json:"message"`
}

func (v Violation) String() string {
	return fmt.Sprintf("%s %s -> %d: %s: %s", v.Method, v.Path, v.Status, v.Side, v.Message)
}

// Result is what one checker found in one system's traffic.
type Result struct {
	System string `json:"system"`
	// Against names the description the traffic was checked against.
	Against string `json:"against"`
	// Exchanges is how many exchanges were recorded; Checked how many of
	// them a description covers and were checked.
	Exchanges int `json:"exchanges"`
	Checked   int `json:"checked"`
	// Undescribed counts exchanges by operation that no description covers
	// (docs/simulators.md names the public evidence followed for them).
	Undescribed map[string]int `json:"undescribed,omitempty"`
	// Operations counts checked exchanges by operation ("GET /admin/realms/{realm}").
	Operations map[string]int `json:"operations,omitempty"`
	Violations []Violation    `json:"violations,omitempty"`
	// NotChecked says why nothing was checked (a reference file missing).
	NotChecked string `json:"not_checked,omitempty"`
}

// checker validates one system's exchanges.
type checker interface {
	system() string
	// against names the reference files it reads, relative to the reference dir.
	against() []string
	check(ref string, ex []record.Exchange) Result
	// endpoints lists every operation the product calls, in the form
	// check reports them; the report fails when one was never exercised.
	endpoints() []string
}

var checkers = []checker{vcdChecker{}, keycloakChecker{}, zertoChecker{}, scimChecker{}, crmChecker{}}

// ReferenceDir is where the vendors' descriptions are read from:
// TENANTOPS_REFERENCE_DIR, else ../shared/reference beside the repository.
func ReferenceDir() string {
	if d := os.Getenv("TENANTOPS_REFERENCE_DIR"); d != "" {
		return d
	}
	return filepath.Join(repoRoot(), "..", "shared", "reference")
}

func repoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// Check runs every checker over the exchanges of its system.
func Check(ex []record.Exchange) []Result {
	ref := ReferenceDir()
	bySystem := map[string][]record.Exchange{}
	for _, e := range ex {
		bySystem[e.System] = append(bySystem[e.System], e)
	}
	var out []Result
	for _, c := range checkers {
		got := bySystem[c.system()]
		if missing := missingFiles(ref, c.against()); missing != "" {
			out = append(out, Result{System: c.system(), Against: strings.Join(c.against(), ", "),
				Exchanges: len(got), NotChecked: "reference missing: " + missing})
			continue
		}
		r := c.check(ref, got)
		r.System, r.Exchanges = c.system(), len(got)
		if r.Against == "" {
			r.Against = strings.Join(c.against(), ", ")
		}
		out = append(out, r)
	}
	return out
}

func missingFiles(ref string, files []string) string {
	var miss []string
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(ref, f)); err != nil {
			miss = append(miss, filepath.Join(ref, f))
		}
	}
	return strings.Join(miss, ", ")
}

// Failed reports whether the results must fail the run: a violation, or a
// reference missing in CI (CI=true), where nothing may go unchecked.
func Failed(results []Result) bool {
	for _, r := range results {
		if len(r.Violations) > 0 {
			return true
		}
		if r.NotChecked != "" && r.Exchanges > 0 && os.Getenv("CI") == "true" {
			return true
		}
	}
	return false
}

// Print writes the results as a table headed by title, then every violation.
func Print(w io.Writer, title string, results []Result) {
	fmt.Fprintf(w, "contract checks: %s\n", title)
	fmt.Fprintf(w, "  %-9s %9s %8s %11s %10s  %s\n", "system", "exchanges", "checked", "violations", "operations", "against")
	for _, r := range results {
		against := r.Against
		if r.NotChecked != "" {
			against = "NOT CHECKED: " + r.NotChecked
		}
		fmt.Fprintf(w, "  %-9s %9d %8d %11d %10d  %s\n", r.System, r.Exchanges, r.Checked, len(r.Violations), len(r.Operations), against)
	}
	for _, r := range results {
		for i, v := range r.Violations {
			if i == 20 {
				fmt.Fprintf(w, "  %s: ... %d more violations\n", r.System, len(r.Violations)-i)
				break
			}
			fmt.Fprintf(w, "  VIOLATION %s: %s\n", r.System, v)
		}
	}
}

// Main runs a test package with every simulator recording, then checks
// the traffic, prints the table and fails the package on a violation.
// Call it as os.Exit(contract.Main(m, "provider")) from TestMain, after
// any set-up the package needs.
func Main(m *testing.M, pkg string) int {
	record.Enable()
	code := m.Run()
	results := Check(record.All())
	Print(os.Stdout, pkg, results)
	if dir := os.Getenv("TENANTOPS_CONTRACT_OUT"); dir != "" {
		if err := write(dir, pkg, results); err != nil {
			fmt.Fprintln(os.Stderr, "contract:", err)
			return 1
		}
	}
	if Failed(results) && code == 0 {
		code = 1
	}
	return code
}

// write stores the results as <dir>/<pkg>.json for the report.
func write(dir, pkg string, results []Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(results, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, strings.ReplaceAll(pkg, "/", "_")+".json"), b, 0o644)
}

// Endpoints returns, per system, every operation the product calls.
func Endpoints() map[string][]string {
	out := map[string][]string{}
	for _, c := range checkers {
		eps := append([]string(nil), c.endpoints()...)
		sort.Strings(eps)
		out[c.system()] = eps
	}
	return out
}

// count adds one to m[k], making m when needed.
func count(m *map[string]int, k string) {
	if *m == nil {
		*m = map[string]int{}
	}
	(*m)[k]++
}
