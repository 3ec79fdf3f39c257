package console

import (
	"fmt"
	"time"

	"github.com/tenantops/tenantops/trigger/store"
)

// gantt is the SVG timeline of a run's steps: one row per step, a bar from
// its start to its end (to now while it runs). Meaning never rests on
// colour alone: each row names the step's status, rollback bars are
// hatched and labelled "rollback", steps the rollback undid "undone by
// rollback", failed bars "failed".
type gantt struct {
	Width, Height int
	Rows          []ganttRow
	Ticks         []ganttTick
	Total         string
}

type ganttRow struct {
	Y, X, W       int
	Label, Status string
	Rollback      bool
	Class         string
	Duration      string
}

type ganttTick struct {
	X     int
	Label string
}

const (
	ganttLabelW = 0 // labels sit above the bars, so phones keep the width
	ganttWidth  = 1000
	ganttRowH   = 34
	ganttTop    = 24
)

func buildGantt(steps []store.Step, now time.Time) gantt {
	g := gantt{Width: ganttWidth}
	if len(steps) == 0 {
		return g
	}
	start, end := steps[0].StartedAt, steps[0].StartedAt
	for _, s := range steps {
		if s.StartedAt.Before(start) {
			start = s.StartedAt
		}
		if f := finish(s, now); f.After(end) {
			end = f
		}
	}
	span := end.Sub(start)
	if span <= 0 {
		span = time.Millisecond
	}
	scale := func(t time.Time) int {
		return ganttLabelW + int(float64(ganttWidth-ganttLabelW)*float64(t.Sub(start))/float64(span))
	}
	for i, s := range steps {
		x := scale(s.StartedAt)
		w := scale(finish(s, now)) - x
		if w < 3 {
			w = 3
		}
		rollback := s.Phase == "compensate"
		row := ganttRow{Y: ganttTop + i*ganttRowH, X: x, W: w, Status: string(s.Status), Rollback: rollback,
			Label: s.Action + " " + s.Address, Duration: seconds(finish(s, now).Sub(s.StartedAt))}
		switch {
		case rollback:
			row.Class, row.Label = "bar rollback", row.Label+" [rollback]"
		case s.Status == store.StepCompensated:
			row.Class, row.Label = "bar undone", row.Label+" [undone by rollback]"
		case s.Status == store.StepFailed:
			row.Class, row.Label = "bar failed", row.Label+" [failed]"
		case s.Status == store.StepStarted:
			row.Class, row.Label = "bar running", row.Label+" [running]"
		default:
			row.Class = "bar done"
		}
		g.Rows = append(g.Rows, row)
	}
	g.Height = ganttTop + len(steps)*ganttRowH + 8
	for i := 0; i <= 4; i++ {
		d := time.Duration(float64(span) * float64(i) / 4)
		g.Ticks = append(g.Ticks, ganttTick{X: ganttLabelW + (ganttWidth-ganttLabelW)*i/4, Label: "+" + seconds(d)})
	}
	g.Total = seconds(span)
	return g
}

func finish(s store.Step, now time.Time) time.Time {
	if s.FinishedAt != nil {
		return *s.FinishedAt
	}
	return now
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }
