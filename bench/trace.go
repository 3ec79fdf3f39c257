package bench

import (
	"bufio"
	"os"
	"strings"
	"time"
)

// TraceStats summarises one Terraform command's TF_LOG=trace log.
type TraceStats struct {
	// Total is the span of the log, first line to last.
	Total time.Duration `json:"total"`
	// ProviderLaunches counts provider processes the command started.
	ProviderLaunches int `json:"provider_launches"`
	// ProviderStartup sums, over the launches, the time from "starting
	// plugin" to the plugin's handshake ("using plugin").
	ProviderStartup time.Duration `json:"provider_startup"`
	// RPCs counts gRPC calls to the provider by method.
	RPCs map[string]int `json:"rpcs"`
}

// AnalyzeTrace reads a TF_LOG=trace file.
func AnalyzeTrace(path string) (TraceStats, error) {
	st := TraceStats{RPCs: map[string]int{}}
	f, err := os.Open(path)
	if err != nil {
		return st, err
	}
	defer f.Close()
	var first, last, launch time.Time
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		line := sc.Text()
		ts, ok := traceTime(line)
		if !ok {
			continue
		}
		if first.IsZero() {
			first = ts
		}
		last = ts
		switch {
		case strings.Contains(line, "provider: starting plugin:"):
			st.ProviderLaunches++
			launch = ts
		case strings.Contains(line, "provider: using plugin:") && !launch.IsZero():
			st.ProviderStartup += ts.Sub(launch)
			launch = time.Time{}
		case strings.Contains(line, "GRPCProvider.v6: ") || strings.Contains(line, "GRPCProvider: "):
			_, m, _ := strings.Cut(line, "GRPCProvider")
			if _, m, ok = strings.Cut(m, ": "); ok {
				if m = strings.TrimSpace(m); m != "" && !strings.ContainsAny(m, " =") {
					st.RPCs[m]++
				}
			}
		}
	}
	st.Total = last.Sub(first)
	return st, sc.Err()
}

// traceTime parses the timestamp that starts a TF_LOG line
// ("2006-01-02T15:04:05.000Z [LEVEL] ...").
func traceTime(line string) (time.Time, bool) {
	sp := strings.IndexByte(line, ' ')
	if sp < 20 || sp > 40 || !strings.HasPrefix(line[sp:], " [") {
		return time.Time{}, false
	}
	for _, layout := range []string{"2006-01-02T15:04:05.000Z0700", "2006-01-02T15:04:05.000Z07:00", time.RFC3339Nano} {
		if t, err := time.Parse(layout, line[:sp]); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
