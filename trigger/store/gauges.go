package store

import (
	"context"
)

// Gauges are the numbers /metrics reports from the database.
type Gauges struct {
	RunsByState     map[RunState]int
	QueueDepth      int
	CallbackBacklog int
}

// ReadGauges counts runs by state, available River jobs and undelivered callbacks.
func ReadGauges(ctx context.Context, db DB) (Gauges, error) {
	g := Gauges{RunsByState: map[RunState]int{}}
	rows, err := db.Query(ctx, `SELECT state, count(*) FROM runs GROUP BY state`)
	if err != nil {
		return g, err
	}
	for rows.Next() {
		var s RunState
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			rows.Close()
			return g, err
		}
		g.RunsByState[s] = n
	}
	rows.Close()
	if err := db.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE state IN ('available', 'scheduled', 'retryable', 'running')`).Scan(&g.QueueDepth); err != nil {
		return g, err
	}
	err = db.QueryRow(ctx, `SELECT count(*) FROM callbacks WHERE delivered_at IS NULL AND channel = 'crm'`).Scan(&g.CallbackBacklog)
	return g, err
}
