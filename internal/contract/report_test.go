package contract

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLoadAddsPackagesUpAndFindsUncoveredEndpoints(t *testing.T) {
	dir := t.TempDir()
	a := []Result{{System: "scim", Exchanges: 3, Checked: 3, Operations: map[string]int{"POST /Users": 2, "GET /Users/{id}": 1}}}
	b := []Result{{System: "scim", Exchanges: 2, Checked: 1, Operations: map[string]int{"POST /Users": 1},
		Undescribed: map[string]int{"GET /other": 1}, Violations: []Violation{{Method: "POST", Path: "/Users", Message: "x"}}}}
	if err := write(dir, "a", a); err != nil {
		t.Fatal(err)
	}
	if err := write(dir, "b/c", b); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "b_c.json")); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Exchanges != 5 || got[0].Checked != 4 || got[0].Operations["POST /Users"] != 3 ||
		got[0].Undescribed["GET /other"] != 1 || len(got[0].Violations) != 1 {
		t.Fatalf("sum %+v", got)
	}
	if !Failed(got) {
		t.Fatal("a violation must fail")
	}
	unc := Uncovered(got)["scim"]
	want := len(scimChecker{}.endpoints()) - 2
	if len(unc) != want {
		t.Fatalf("uncovered %v, want %d endpoints", unc, want)
	}
	if _, err := Load(t.TempDir()); err == nil {
		t.Fatal("an empty directory must be an error: the tests did not write results")
	}
}
