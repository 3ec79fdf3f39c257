package rollout

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
)

// Request is the body of POST /v1/rollouts.
type Request struct {
	// Tier whose tenants get the revision (required).
	Tier string `json:"tier"`
	// TemplateRevision to apply; empty: the tier's files on disk now,
	// saved as a revision.
	TemplateRevision string `json:"template_revision,omitempty"`
	// Canary is the size of the first wave (default 1).
	Canary *int `json:"canary,omitempty"`
	// Waves shapes the waves after the canary (default factor 2).
	Waves *Waves `json:"waves,omitempty"`
	// FailureThreshold is how many failures a wave may have before the
	// rollout halts (default a count of 0: any failure halts).
	FailureThreshold *Threshold `json:"failure_threshold,omitempty"`
	// PauseBetweenWaves is waited after a wave before the next starts
	// (a Go duration, "10m"; default none).
	PauseBetweenWaves string `json:"pause_between_waves,omitempty"`
}

// Waves is either a growth factor (each wave that many times the one
// before, the canary first) or explicit sizes after the canary (the last
// repeating until every tenant has a wave).
type Waves struct {
	Factor int   `json:"factor,omitempty"`
	Sizes  []int `json:"sizes,omitempty"`
}

// Threshold is a count of failed tenants per wave, or a percent of the
// wave's tenants (rounded down); the rollout halts when a wave has more.
type Threshold struct {
	Count   *int `json:"count,omitempty"`
	Percent *int `json:"percent,omitempty"`
}

// FieldError is one problem of a request, by field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// InvalidError lists every problem of a request.
type InvalidError struct {
	Errors []FieldError
}

func (e *InvalidError) Error() string {
	parts := make([]string, len(e.Errors))
	for i, f := range e.Errors {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid rollout: " + strings.Join(parts, "; ")
}

// Limits of a request.
const (
	maxCanary = 10000
	maxFactor = 100
	maxSizes  = 100
	maxPause  = 7 * 24 * time.Hour
)

var (
	tierRe     = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)
	revisionRe = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// Spec is a checked request with its defaults filled in.
type Spec struct {
	Tier, TemplateRevision string
	Canary, Factor         int
	Sizes                  []int
	MaxFailures            int
	Percent                bool
	Pause                  time.Duration
}

// Parse reads and checks a request body; an *InvalidError lists every
// problem by field.
func Parse(r io.Reader) (Spec, error) {
	var req Request
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return Spec{}, &InvalidError{Errors: []FieldError{decodeError(err)}}
	}
	if dec.More() {
		return Spec{}, &InvalidError{Errors: []FieldError{{Field: "body", Message: "one JSON object expected"}}}
	}
	return req.Check()
}

// decodeError names the field a JSON decoding error is about.
func decodeError(err error) FieldError {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return FieldError{Field: typeErr.Field, Message: fmt.Sprintf("must be a %s, not a JSON %s", typeErr.Type, typeErr.Value)}
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return FieldError{Field: strings.Trim(f, `"`), Message: "unknown field"}
	}
	return FieldError{Field: "body", Message: "not a JSON object: " + msg}
}

// Check validates the request and fills in the defaults.
func (req Request) Check() (Spec, error) {
	s := Spec{Tier: req.Tier, TemplateRevision: req.TemplateRevision, Canary: 1, Factor: 2}
	var errs []FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	switch {
	case req.Tier == "":
		bad("tier", "required")
	case !tierRe.MatchString(req.Tier):
		bad("tier", "must match %s", tierRe)
	}
	if req.TemplateRevision != "" && !revisionRe.MatchString(req.TemplateRevision) {
		bad("template_revision", "must be a template revision id (64 lower-case hex digits)")
	}
	if req.Canary != nil {
		s.Canary = *req.Canary
		if s.Canary < 1 || s.Canary > maxCanary {
			bad("canary", "must be between 1 and %d (got %d)", maxCanary, s.Canary)
		}
	}
	if w := req.Waves; w != nil {
		switch {
		case w.Factor != 0 && len(w.Sizes) > 0:
			bad("waves", "give factor or sizes, not both")
		case len(w.Sizes) > 0:
			s.Factor, s.Sizes = 0, w.Sizes
			if len(w.Sizes) > maxSizes {
				bad("waves.sizes", "at most %d sizes", maxSizes)
			}
			for i, n := range w.Sizes {
				if n < 1 || n > maxCanary {
					bad(fmt.Sprintf("waves.sizes[%d]", i), "must be between 1 and %d (got %d)", maxCanary, n)
				}
			}
		case w.Factor < 1 || w.Factor > maxFactor:
			bad("waves.factor", "must be between 1 and %d (got %d)", maxFactor, w.Factor)
		default:
			s.Factor = w.Factor
		}
	}
	if th := req.FailureThreshold; th != nil {
		switch {
		case (th.Count == nil) == (th.Percent == nil):
			bad("failure_threshold", "give count or percent, one of them")
		case th.Count != nil && *th.Count < 0:
			bad("failure_threshold.count", "must not be negative (got %d)", *th.Count)
		case th.Count != nil:
			s.MaxFailures = *th.Count
		case *th.Percent < 0 || *th.Percent > 100:
			bad("failure_threshold.percent", "must be between 0 and 100 (got %d)", *th.Percent)
		default:
			s.MaxFailures, s.Percent = *th.Percent, true
		}
	}
	if req.PauseBetweenWaves != "" {
		d, err := time.ParseDuration(req.PauseBetweenWaves)
		switch {
		case err != nil:
			bad("pause_between_waves", "must be a duration such as 30s or 10m (got %q)", req.PauseBetweenWaves)
		case d < 0 || d > maxPause:
			bad("pause_between_waves", "must be between 0s and %s (got %s)", maxPause, d)
		default:
			s.Pause = d
		}
	}
	if len(errs) > 0 {
		return s, &InvalidError{Errors: errs}
	}
	return s, nil
}

// Plan assigns n tenants (in order) to waves: the canary first, then waves
// growing by factor (each factor times the one before) or of the given
// sizes (the last repeating); the last wave takes what is left. It returns
// each tenant's wave and the number of waves.
func (s Spec) Plan(n int) (waves []int, count int) {
	waves = make([]int, 0, n)
	size := s.Canary
	for i := 0; len(waves) < n; i++ {
		for j := 0; j < size && len(waves) < n; j++ {
			waves = append(waves, i)
		}
		count = i + 1
		switch {
		case len(s.Sizes) > 0:
			size = s.Sizes[min(i, len(s.Sizes)-1)]
		case size > n/s.Factor:
			// Growing further only overflows: one wave takes the rest.
			size = n
		default:
			size *= s.Factor
		}
	}
	return waves, count
}
