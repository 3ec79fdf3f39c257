package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantops/tenantops/trigger/store"
)

// Live updates of a run's page, as server-sent events
// (GET /ui/runs/{id}/events, text/event-stream): the console looks at the
// run every livePoll and sends
//
//	event: changed   when its state, its steps or its callbacks changed
//	event: done      once it is final and its callbacks are settled
//
// and a comment line every liveKeepAlive so that proxies keep the
// connection. live.js reloads the page's content on "changed" and closes
// the stream on "done"; without JavaScript the page is the same, only
// static. A stream ends after liveMax; the browser's EventSource then
// connects again by itself.
const (
	livePoll      = time.Second
	liveKeepAlive = 15 * time.Second
	liveMax       = 30 * time.Minute
)

// runMark is what, changed, makes a run's page worth reloading.
type runMark struct {
	state                     store.RunState
	updated                   time.Time
	steps, stepsDone, pending int
}

func (c *Console) runMark(ctx context.Context, id int64) (runMark, error) {
	var m runMark
	err := c.Pool.QueryRow(ctx, `SELECT r.state, r.updated_at,
		(SELECT count(*) FROM run_steps s WHERE s.run_id = r.id),
		(SELECT count(*) FROM run_steps s WHERE s.run_id = r.id AND s.finished_at IS NOT NULL),
		(SELECT count(*) FROM callbacks b WHERE b.run_id = r.id AND b.delivered_at IS NULL)
		FROM runs r WHERE r.id = $1`, id).Scan(&m.state, &m.updated, &m.steps, &m.stepsDone, &m.pending)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, store.ErrNotFound
	}
	return m, err
}

// settledForGood: nothing about the run will change any more.
func (m runMark) settledForGood() bool {
	return store.Terminal(m.state) && m.pending == 0
}

func (c *Console) runEvents(w http.ResponseWriter, r *http.Request, _ Session) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	last, err := c.runMark(ctx, id)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			http.NotFound(w, r)
			return
		}
		c.Log.Error("console live updates", "run", id, "error", err.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(event, data string) bool {
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, data); err != nil {
			return false
		}
		flusher.Flush()
		return true
	}
	// Retry after 5 s when the stream breaks; the first event says where
	// the run stands, so a page rendered before a change catches up.
	if _, err := fmt.Fprint(w, "retry: 5000\n"); err != nil {
		return
	}
	if !send("state", string(last.state)) {
		return
	}
	if last.settledForGood() {
		send("done", string(last.state))
		return
	}
	poll, keep := time.NewTicker(c.livePoll()), time.NewTicker(liveKeepAlive)
	defer poll.Stop()
	defer keep.Stop()
	end := time.After(liveMax)
	for {
		select {
		case <-ctx.Done():
			return
		case <-end:
			return
		case <-keep.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
			flusher.Flush()
		case <-poll.C:
			m, err := c.runMark(ctx, id)
			if err != nil {
				return
			}
			if m != last {
				last = m
				if !send("changed", string(m.state)) {
					return
				}
			}
			if m.settledForGood() {
				send("done", string(m.state))
				return
			}
		}
	}
}

// livePoll is how often a stream looks at its run (Config.LivePoll, or
// a second).
func (c *Console) livePoll() time.Duration {
	if c.cfg.LivePoll > 0 {
		return c.cfg.LivePoll
	}
	return livePoll
}

func serveLiveJS(w http.ResponseWriter, _ *http.Request) {
	b, _ := templateFS.ReadFile("templates/live.js")
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "max-age=300")
	_, _ = w.Write(b)
}
