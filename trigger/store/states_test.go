package store

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestStepStatusesMatchTheSchema: the run_steps CHECK constraint and the
// StepStatus constants must name the same statuses, or a step the runner
// records is refused by the database.
func TestStepStatusesMatchTheSchema(t *testing.T) {
	sql, err := migrationFS.ReadFile("migrations/001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`status\s+text NOT NULL CHECK \(status IN \(([^)]*)\)\)`).FindSubmatch(sql)
	if m == nil {
		t.Fatal("run_steps status CHECK constraint not found in 001_init.sql")
	}
	var schema []string
	for _, v := range strings.Split(string(m[1]), ",") {
		schema = append(schema, strings.Trim(strings.TrimSpace(v), "'"))
	}
	var consts []string
	for _, s := range []StepStatus{StepStarted, StepCompleted, StepFailed, StepCompensated} {
		consts = append(consts, string(s))
	}
	slices.Sort(schema)
	slices.Sort(consts)
	if !slices.Equal(schema, consts) {
		t.Errorf("schema allows %v, StepStatus constants are %v", schema, consts)
	}
}

func TestTerminal(t *testing.T) {
	for _, s := range AllStates {
		want := s == StateCompleted || s == StateRolledBack || s == StateCompensationFailed || s == StateSuperseded || s == StateRejected
		if got := Terminal(s); got != want {
			t.Errorf("Terminal(%s) = %v, want %v", s, got, want)
		}
	}
}
