package zerto

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Task reads a task (getTask).
func (c *Client) Task(ctx context.Context, id string) (*Task, error) {
	var t Task
	if err := c.do(ctx, http.MethodGet, "/v1/tasks/"+url.PathEscape(id), nil, nil, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// TaskError is a task that ended in Failed or Stopped; Reason is Zerto's
// CompleteReason.
type TaskError struct {
	TaskID string
	Type   string
	State  int
	Reason string
}

func (e *TaskError) Error() string {
	what := "failed"
	if e.State == TaskStopped {
		what = "was stopped"
	}
	r := e.Reason
	if r == "" {
		r = "no reason given"
	}
	return fmt.Sprintf("task %s %s: %s", e.TaskID, what, r)
}

// WaitTask polls a task until it completes, fails or ctx ends. It returns
// the final task; a Failed or Stopped task is a *TaskError.
func (c *Client) WaitTask(ctx context.Context, id string) (*Task, error) {
	for {
		t, err := c.Task(ctx, id)
		if err != nil {
			return nil, err
		}
		switch t.Status.State {
		case TaskCompleted:
			return t, nil
		case TaskFailed, TaskStopped:
			return t, &TaskError{TaskID: id, Type: t.Type, State: t.Status.State, Reason: t.CompleteReason}
		}
		if err := sleep(ctx, c.pollInterval); err != nil {
			return t, fmt.Errorf("waiting for task %s (%d%% done): %w", id, t.Status.Progress, err)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}
