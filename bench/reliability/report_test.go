package reliability

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// counts is the campaign's one summary table.
type counts struct {
	mu              sync.Mutex
	scenarios       int
	scenariosFailed int
	faults          int
	runs            int
	completed       int
	rolledBack      int
	superseded      int
	stuck           int
	orphans         int
	lostWebhooks    int
	duplicateRuns   int
	concurrent      int
	callbacksWrong  int
	secretLeaks     int
	kills           int
	fuzzTargets     int
	fuzzExecs       int64
	fuzzCrashes     int
	hostileSpecs    int
	notes           []string
}

var tally = &counts{}

func (c *counts) add(f func(c *counts)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(c)
}

// run counts one finished run by its end state.
func (c *counts) run(state string, stuck bool) {
	c.add(func(c *counts) {
		c.runs++
		switch {
		case stuck:
			c.stuck++
		case state == "COMPLETED":
			c.completed++
		case state == "ROLLED_BACK":
			c.rolledBack++
		case state == "SUPERSEDED":
			c.superseded++
		}
	})
}

func (c *counts) note(format string, a ...any) {
	c.add(func(c *counts) { c.notes = append(c.notes, fmt.Sprintf(format, a...)) })
}

func (c *counts) print(w io.Writer, took time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	mode := "short (go test)"
	if full() {
		mode = "full (TENANTOPS_RELIABILITY=full)"
	}
	rows := [][2]string{
		{"fault scenarios", fmt.Sprint(c.scenarios)},
		{"  failed", fmt.Sprint(c.scenariosFailed)},
		{"faults injected", fmt.Sprint(c.faults)},
		{"trigger SIGKILLs", fmt.Sprint(c.kills)},
		{"runs", fmt.Sprint(c.runs)},
		{"  completed", fmt.Sprint(c.completed)},
		{"  rolled back", fmt.Sprint(c.rolledBack)},
		{"  superseded (coalesced)", fmt.Sprint(c.superseded)},
		{"  stuck", fmt.Sprint(c.stuck)},
		{"orphaned objects", fmt.Sprint(c.orphans)},
		{"lost webhooks", fmt.Sprint(c.lostWebhooks)},
		{"duplicate runs", fmt.Sprint(c.duplicateRuns)},
		{"tenant applied concurrently", fmt.Sprint(c.concurrent)},
		{"wrong/missing CRM outcomes", fmt.Sprint(c.callbacksWrong)},
		{"secret leaks", fmt.Sprint(c.secretLeaks)},
		{"hostile specs sent", fmt.Sprint(c.hostileSpecs)},
		{"fuzz targets", fmt.Sprint(c.fuzzTargets)},
		{"fuzz executions", fmt.Sprint(c.fuzzExecs)},
		{"fuzz crashes", fmt.Sprint(c.fuzzCrashes)},
	}
	width := 0
	for _, r := range rows {
		width = max(width, len(r[0]))
	}
	line := "+" + strings.Repeat("-", width+2) + "+" + strings.Repeat("-", 14) + "+"
	fmt.Fprintf(w, "\ntenantops reliability campaign, %s, %s\n%s\n", mode, took.Round(time.Second), line)
	for _, r := range rows {
		fmt.Fprintf(w, "| %-*s | %12s |\n", width, r[0], r[1])
	}
	fmt.Fprintln(w, line)
	notes := append([]string(nil), c.notes...)
	sort.Strings(notes)
	for _, n := range notes {
		fmt.Fprintln(w, "  "+n)
	}
}
