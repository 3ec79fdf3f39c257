// Flag defaults from the environment (TENANTOPS_TRIGGER_<FLAG>).

package server

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// minDur is the smaller of a and b, ignoring a non-positive a.
func minDur(a, b time.Duration) time.Duration {
	if a < b && a > 0 {
		return a
	}
	return b
}

// envName is the environment variable of a flag: TENANTOPS_TRIGGER_<FLAG>.
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func envStr(name, def string) string {
	if v, ok := os.LookupEnv(envName(name)); ok {
		return v
	}
	return def
}

// envValue is the flag default from TENANTOPS_TRIGGER_<NAME> parsed by
// parse, or def when unset; a value parse refuses is recorded for
// EnvError and def is used meanwhile.
func envValue[T any](c *Config, name string, def T, parse func(string) (T, error), want string) T {
	s, ok := os.LookupEnv(envName(name))
	if !ok || s == "" {
		return def
	}
	v, err := parse(s)
	if err != nil {
		c.envErr(name, fmt.Errorf("%s=%q: not %s", envName(name), s, want))
		return def
	}
	return v
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
