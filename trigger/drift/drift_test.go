package drift

import (
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/trigger/store"
)

func TestParsePolicy(t *testing.T) {
	p, err := ParsePolicy(" standard=report , premium-dr=apply,")
	if err != nil {
		t.Fatal(err)
	}
	if p.For("standard") != ModeReport || p.For("premium-dr") != ModeApply || p.For("other") != ModeReport {
		t.Fatalf("policy %v", p)
	}
	if got := p.String(); got != "premium-dr=apply,standard=report" {
		t.Errorf("String() = %q", got)
	}
	if p, err := ParsePolicy(""); err != nil || len(p) != 0 {
		t.Errorf("empty policy: %v %v", p, err)
	}
	for in, want := range map[string]string{
		"standard":                       `"standard" is not tier=mode`,
		"=apply":                         `"=apply" is not tier=mode`,
		"standard=fix":                   `tier "standard": mode "fix" must be report or apply`,
		"standard=apply,standard=report": `tier "standard" is given twice`,
	} {
		if _, err := ParsePolicy(in); err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "drift-remediate: ") {
			t.Errorf("ParsePolicy(%q) = %v, want an error naming the flag and %s", in, err, want)
		}
	}
}

// Every tenant has one slot per interval, at the same offset in each; the
// offsets of many tenants spread over the interval.
func TestSlotsAreStableAndSpread(t *testing.T) {
	const interval = 24 * time.Hour
	now := time.Date(2026, 12, 2, 11, 0, 0, 0, time.UTC)
	buckets := make([]int, 4)
	for i := 0; i < 400; i++ {
		id := "tenant-" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26))
		first := NextCheck(id, interval, nil, now)
		if first.Before(now) || !first.Before(now.Add(interval)) {
			t.Fatalf("%s: first check %s not within an interval of %s", id, first, now)
		}
		checked := first.Add(3 * time.Minute)
		next := NextCheck(id, interval, &checked, now)
		if next.Sub(first) != interval {
			t.Fatalf("%s: next check %s, want one interval after %s", id, next, first)
		}
		// A restart (another now) does not move the slot.
		if again := NextCheck(id, interval, nil, now.Add(-time.Hour)); again != first && again != first.Add(-interval) {
			t.Fatalf("%s: slot moved from %s to %s", id, first, again)
		}
		buckets[offset(id, interval)*4/interval]++
	}
	for i, n := range buckets {
		if n < 60 {
			t.Errorf("quarter %d of the interval holds %d of 400 tenants' checks: not spread (%v)", i, n, buckets)
		}
	}
	// A check missed while the trigger was down is due at once.
	long := now.Add(-3 * interval)
	due := NextCheck("acme", interval, &long, now)
	if due.After(now) || !due.After(now.Add(-interval)) {
		t.Errorf("overdue check scheduled at %s, want its latest slot up to now %s", due, now)
	}
	// Still overdue an interval later (that check was skipped): a new slot.
	if again := NextCheck("acme", interval, &long, now.Add(interval)); again.Sub(due) != interval {
		t.Errorf("overdue again: slot %s, want one interval after %s", again, due)
	}
}

func TestNotifies(t *testing.T) {
	clean := store.DriftRecord{Changes: []byte(`{"create":0,"update":0,"replace":0,"delete":0,"changes":null}`)}
	drifted := store.DriftRecord{Drifted: true, Changes: []byte(`{"create":0,"update":1,"replace":0,"delete":0,"changes":[{"address":"a.b","action":"update","changed":["x"]}]}`)}
	other := store.DriftRecord{Drifted: true, Changes: []byte(`{"create":0,"update":1,"replace":0,"delete":0,"changes":[{"address":"a.b","action":"update","changed":["y"]}]}`)}
	failed := drifted
	failed.Error = "plan failed"
	for _, c := range []struct {
		name string
		prev *store.DriftRecord
		cur  store.DriftRecord
		want bool
	}{
		{"first check clean", nil, clean, false},
		{"first check drifted", nil, drifted, true},
		{"drifted", &clean, drifted, true},
		{"back in line", &drifted, clean, true},
		{"still drifted alike", &drifted, drifted, false},
		{"drifted otherwise", &drifted, other, true},
		{"still clean", &clean, clean, false},
		{"check failed", &clean, failed, false},
	} {
		if got := notifies(c.prev, c.cur); got != c.want {
			t.Errorf("%s: notifies = %v, want %v", c.name, got, c.want)
		}
	}
}
