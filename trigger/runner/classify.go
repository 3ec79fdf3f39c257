package runner

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// errTransient marks a failure worth retrying as it is (classified by
// transientRe).
var errTransient = errors.New("transient")

// transientRe matches failures worth retrying as they are: timeouts, 5xx,
// refused or reset connections, throttling, a busy state lock, and a
// state database that is restarting (SQLSTATE class 57P, "too many
// clients").
var transientRe = regexp.MustCompile(`(?i)(i/o timeout|Client\.Timeout|timed out|deadline exceeded|connection refused|connection reset|use of closed network connection|server closed the connection|` +
	`broken pipe|\bEOF\b|temporar|unavailable|too many requests|\b429\b|\b50[234]\b|status 5\d\d|internal server error|` +
	`bad gateway|error acquiring the state lock|database system is (starting up|shutting down|in recovery mode)|` +
	`terminating connection due to administrator command|too many clients|57P0[1-3]|` +
	`ldap: connection closed|LDAP Result Code 200)`)

// tfError builds the run's error from Terraform's diagnostics (or its
// stderr), redacted, marked transient when it looks like one.
func (r *Runner) tfError(op string, err error, sink *stepSink) error {
	text := ""
	if sink != nil {
		text = sink.errorText()
	}
	if text == "" {
		text = cleanStderr(err.Error())
	}
	text = r.redact(text)
	if len(text) > 4000 {
		text = text[:4000] + "…"
	}
	if transientRe.MatchString(text) {
		return fmt.Errorf("terraform %s: %s (%w)", op, text, errTransient)
	}
	return fmt.Errorf("terraform %s: %s", op, text)
}

var ansiRe = regexp.MustCompile(`\x1b\[[0-9;]*m`)

func cleanStderr(s string) string {
	s = ansiRe.ReplaceAllString(s, "")
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(strings.Trim(l, "│╷╵ "))
		if l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, " ")
}
