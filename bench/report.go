package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Percentile returns the p-th percentile (0–100) of xs by linear
// interpolation between closest ranks; 0 for an empty slice.
func Percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if p <= 0 {
		return s[0]
	}
	if p >= 100 {
		return s[len(s)-1]
	}
	rank := p / 100 * float64(len(s)-1)
	lo := int(math.Floor(rank))
	hi := int(math.Ceil(rank))
	return s[lo] + (s[hi]-s[lo])*(rank-float64(lo))
}

// Figure is one line of the results table.
type Figure struct {
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Unit   string  `json:"unit"`
	Target string  `json:"target,omitempty"`
	// Pass is nil when the figure has no target.
	Pass *bool  `json:"pass,omitempty"`
	Note string `json:"note,omitempty"`
}

// Results collects figures and findings of one run.
type Results struct {
	mu       sync.Mutex
	Started  time.Time         `json:"started"`
	Took     string            `json:"took"`
	Machine  map[string]string `json:"machine"`
	Config   map[string]any    `json:"config"`
	Figures  []Figure          `json:"figures"`
	Findings []string          `json:"findings"`
	Errors   []string          `json:"errors,omitempty"`
	// Details holds per-phase raw data (samples, breakdowns).
	Details map[string]any `json:"details"`
}

// NewResults starts an empty result set.
func NewResults() *Results {
	return &Results{Started: time.Now(), Details: map[string]any{}, Machine: machine()}
}

// Add records a figure without a target.
func (r *Results) Add(name string, v float64, unit, note string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Figures = append(r.Figures, Figure{Name: name, Value: v, Unit: unit, Note: note})
}

// Target records a figure with a target: at most (lower is better) when
// atMost, else at least.
func (r *Results) Target(name string, v float64, unit string, target float64, atMost bool, note string) {
	pass := v <= target
	op := "≤"
	if !atMost {
		pass, op = v >= target, "≥"
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Figures = append(r.Figures, Figure{Name: name, Value: v, Unit: unit, Target: fmt.Sprintf("%s %g", op, target), Pass: &pass, Note: note})
}

// Finding records an observation about where time goes.
func (r *Results) Finding(format string, a ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Findings = append(r.Findings, fmt.Sprintf(format, a...))
}

// Error records a phase that could not be measured.
func (r *Results) Error(phase string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Errors = append(r.Errors, phase+": "+err.Error())
}

// Detail stores raw data under key.
func (r *Results) Detail(key string, v any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Details[key] = v
}

// Print writes the figures table, the findings and the errors.
func (r *Results) Print(w io.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	width := 10
	for _, f := range r.Figures {
		width = max(width, len([]rune(f.Name)))
	}
	fmt.Fprintf(w, "\n%-*s  %12s  %-8s  %-10s  %s\n", width, "figure", "value", "unit", "target", "")
	fmt.Fprintf(w, "%s\n", strings.Repeat("-", width+50))
	for _, f := range r.Figures {
		mark := ""
		if f.Pass != nil {
			mark = "MISS"
			if *f.Pass {
				mark = "ok"
			}
		}
		line := fmt.Sprintf("%-*s  %12s  %-8s  %-10s  %-4s", width, f.Name, fmtValue(f.Value), f.Unit, f.Target, mark)
		if f.Note != "" {
			line += "  " + f.Note
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	if len(r.Findings) > 0 {
		fmt.Fprintf(w, "\nfindings:\n")
		for _, f := range r.Findings {
			fmt.Fprintf(w, "  - %s\n", f)
		}
	}
	if len(r.Errors) > 0 {
		fmt.Fprintf(w, "\nerrors:\n")
		for _, e := range r.Errors {
			fmt.Fprintf(w, "  - %s\n", e)
		}
	}
	fmt.Fprintf(w, "\ntook %s\n", r.Took)
}

func fmtValue(v float64) string {
	switch {
	case v == math.Trunc(v) && math.Abs(v) < 1e9:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

// Write saves the results as JSON in dir (bench/results by default) and
// returns the file's path.
func (r *Results) Write(dir string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "bench-"+r.Started.UTC().Format("20060102T150405Z")+".json")
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return "", err
	}
	// latest.json is the newest run, for scripts.
	_ = os.WriteFile(filepath.Join(dir, "latest.json"), b, 0o644)
	return path, nil
}

func machine() map[string]string {
	m := map[string]string{}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		n := 0
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "processor") {
				n++
			}
			if strings.HasPrefix(l, "model name") && m["cpu"] == "" {
				if _, v, ok := strings.Cut(l, ":"); ok {
					m["cpu"] = strings.TrimSpace(v)
				}
			}
		}
		m["cpus"] = fmt.Sprint(n)
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if l, _, ok := strings.Cut(string(b), "\n"); ok {
			m["mem"] = strings.Join(strings.Fields(l)[1:], " ")
		}
	}
	return m
}

func durs(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = d.Seconds()
	}
	return out
}
