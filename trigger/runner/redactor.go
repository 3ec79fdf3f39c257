package runner

import (
	"sort"
	"strings"
)

// Redactor hides configured secret values in text shown outside the
// runner (the console): the same values the runner hides in what it
// stores (provider credentials, the database password), plus any given
// per call (a spec's own secrets).
type Redactor struct {
	values []string
}

// NewRedactor collects the secrets of the provider environment and the
// database connection string, as the runner does.
func NewRedactor(providerEnv map[string]string, databaseURL string) Redactor {
	r := &Runner{Cfg: Config{ProviderEnv: providerEnv}, dbSecrets: databaseSecrets(databaseURL)}
	return Redactor{values: r.secretValues()}
}

// Redact replaces every known secret in s, and every non-empty extra
// value of four characters or more, by "(sensitive)".
func (rd Redactor) Redact(s string, extra ...string) string {
	values := rd.values
	if len(extra) > 0 {
		values = append(append([]string(nil), rd.values...), extra...)
		// Longest first, so a secret containing another is hidden whole.
		sort.Slice(values, func(i, j int) bool { return len(values[i]) > len(values[j]) })
	}
	for _, v := range values {
		if len(v) >= 4 {
			s = strings.ReplaceAll(s, v, "(sensitive)")
		}
	}
	return s
}
