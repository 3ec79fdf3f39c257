package contract

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Load adds up the results the test packages wrote to dir, one per system.
func Load(dir string) ([]Result, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no contract results in %s: did the tests run with TENANTOPS_CONTRACT_OUT set?", dir)
	}
	sums := map[string]*Result{}
	var order []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var rs []Result
		if err := json.Unmarshal(b, &rs); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, r := range rs {
			s, ok := sums[r.System]
			if !ok {
				s = &Result{System: r.System, Against: r.Against}
				sums[r.System] = s
				order = append(order, r.System)
			}
			s.Exchanges += r.Exchanges
			s.Checked += r.Checked
			s.Violations = append(s.Violations, r.Violations...)
			for k, n := range r.Operations {
				count(&s.Operations, k)
				s.Operations[k] += n - 1
			}
			for k, n := range r.Undescribed {
				count(&s.Undescribed, k)
				s.Undescribed[k] += n - 1
			}
			if r.NotChecked != "" && r.Exchanges > 0 {
				s.NotChecked = r.NotChecked
			}
		}
	}
	out := make([]Result, 0, len(order))
	for _, sys := range order {
		out = append(out, *sums[sys])
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i].System) < rank(out[j].System) })
	return out, nil
}

func rank(system string) int {
	for i, c := range checkers {
		if c.system() == system {
			return i
		}
	}
	return len(checkers)
}

// Uncovered returns, per system, the endpoints the product calls that no
// recorded exchange exercised.
func Uncovered(results []Result) map[string][]string {
	seen := map[string]map[string]bool{}
	for _, r := range results {
		m := map[string]bool{}
		for k := range r.Operations {
			m[k] = true
		}
		for k := range r.Undescribed {
			m[k] = true
		}
		seen[r.System] = m
	}
	out := map[string][]string{}
	for sys, eps := range Endpoints() {
		for _, ep := range eps {
			if !seen[sys][ep] {
				out[sys] = append(out[sys], ep)
			}
		}
	}
	return out
}
