package rollout

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/trigger/store"
)

func TestPlanAssignsEveryTenantOneWave(t *testing.T) {
	for _, c := range []struct {
		name  string
		spec  Spec
		n     int
		want  []int
		waves int
	}{
		{"none", Spec{Canary: 1, Factor: 2}, 0, []int{}, 0},
		{"canary only", Spec{Canary: 1, Factor: 2}, 1, []int{0}, 1},
		{"factor 2", Spec{Canary: 1, Factor: 2}, 7, []int{0, 1, 1, 2, 2, 2, 2}, 3},
		{"factor 2, last wave short", Spec{Canary: 1, Factor: 2}, 5, []int{0, 1, 1, 2, 2}, 3},
		{"factor 1", Spec{Canary: 2, Factor: 1}, 5, []int{0, 0, 1, 1, 2}, 3},
		{"canary larger than the tier", Spec{Canary: 5, Factor: 2}, 3, []int{0, 0, 0}, 1},
		{"sizes, the last repeating", Spec{Canary: 1, Sizes: []int{2, 3}}, 10, []int{0, 1, 1, 2, 2, 2, 3, 3, 3, 4}, 5},
		{"huge factor", Spec{Canary: 1, Factor: 100}, 4, []int{0, 1, 1, 1}, 2},
	} {
		got, waves := c.spec.Plan(c.n)
		if !slices.Equal(got, c.want) || waves != c.waves {
			t.Errorf("%s: Plan(%d) = %v, %d waves; want %v, %d", c.name, c.n, got, waves, c.want, c.waves)
		}
	}
}

func TestParseFillsDefaults(t *testing.T) {
	s, err := Parse(strings.NewReader(`{"tier": "standard"}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Tier != "standard" || s.Canary != 1 || s.Factor != 2 || s.MaxFailures != 0 || s.Percent || s.Pause != 0 || s.TemplateRevision != "" {
		t.Fatalf("defaults: %+v", s)
	}
	s, err = Parse(strings.NewReader(`{"tier": "premium-dr", "canary": 2, "waves": {"sizes": [3, 5]},
		"failure_threshold": {"percent": 20}, "pause_between_waves": "90s",
		"template_revision": "` + strings.Repeat("ab", 32) + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Canary != 2 || s.Factor != 0 || !slices.Equal(s.Sizes, []int{3, 5}) || s.MaxFailures != 20 || !s.Percent || s.Pause != 90*time.Second {
		t.Fatalf("parsed %+v", s)
	}
}

// Every problem is reported, each naming its field.
func TestParseNamesTheField(t *testing.T) {
	for body, fields := range map[string][]string{
		`{}`:                                    {"tier"},
		`{"tier": "../x"}`:                      {"tier"},
		`{"tier": "standard", "canary": 0}`:     {"canary"},
		`{"tier": "standard", "canary": "one"}`: {"canary"},
		`{"tier": "standard", "wave": 2}`:       {"wave"},
		`{"tier": "standard", "template_revision": "HEAD"}`:           {"template_revision"},
		`{"tier": "standard", "waves": {"factor": 0}}`:                {"waves.factor"},
		`{"tier": "standard", "waves": {"factor": 2, "sizes": [1]}}`:  {"waves"},
		`{"tier": "standard", "waves": {"sizes": [1, 0]}}`:            {"waves.sizes[1]"},
		`{"tier": "standard", "failure_threshold": {}}`:               {"failure_threshold"},
		`{"tier": "standard", "failure_threshold": {"count": -1}}`:    {"failure_threshold.count"},
		`{"tier": "standard", "failure_threshold": {"percent": 101}}`: {"failure_threshold.percent"},
		`{"tier": "standard", "pause_between_waves": "soon"}`:         {"pause_between_waves"},
		`{"tier": "standard", "pause_between_waves": "-1s"}`:          {"pause_between_waves"},
		`{"canary": 0, "pause_between_waves": "x"}`:                   {"tier", "canary", "pause_between_waves"},
		`[1]`: {"body"},
	} {
		_, err := Parse(strings.NewReader(body))
		var inv *InvalidError
		if !errors.As(err, &inv) {
			t.Errorf("%s: %v, want an *InvalidError", body, err)
			continue
		}
		var got []string
		for _, e := range inv.Errors {
			got = append(got, e.Field)
			if e.Message == "" {
				t.Errorf("%s: %s has no message", body, e.Field)
			}
		}
		if !slices.Equal(got, fields) {
			t.Errorf("%s: fields %v, want %v (%v)", body, got, fields, err)
		}
	}
}

func TestAllowedFailuresRoundDown(t *testing.T) {
	pct := store.Rollout{MaxFailures: 25, MaxFailuresPercent: true}
	count := store.Rollout{MaxFailures: 1}
	for n, want := range map[int][2]int{1: {0, 1}, 4: {1, 1}, 7: {1, 1}, 8: {2, 1}} {
		if got := [2]int{pct.Allowed(n), count.Allowed(n)}; got != want {
			t.Errorf("wave of %d: allowed %v, want %v", n, got, want)
		}
	}
}
