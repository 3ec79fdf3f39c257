package zerto

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// Vpg reads a VPG by identifier (getVpg).
func (c *Client) Vpg(ctx context.Context, id string) (*Vpg, error) {
	var v Vpg
	if err := c.do(ctx, http.MethodGet, "/v1/vpgs/"+url.PathEscape(id), nil, nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// VpgByName finds a VPG by name (getVpgAll with the name filter).
func (c *Client) VpgByName(ctx context.Context, name string) (*Vpg, error) {
	var out []Vpg
	if err := c.do(ctx, http.MethodGet, "/v1/vpgs", url.Values{"name": {name}}, nil, &out); err != nil {
		return nil, err
	}
	for _, v := range out {
		if v.VpgName == name {
			return &v, nil
		}
	}
	return nil, fmt.Errorf("VPG %q: %w", name, ErrNotFound)
}

// DeleteVpg starts a VPG deletion (startVpgDelete) and returns the task id.
func (c *Client) DeleteVpg(ctx context.Context, id string, d VpgDeleteData) (string, error) {
	var task string
	if err := c.do(ctx, http.MethodDelete, "/v1/vpgs/"+url.PathEscape(id), nil, d, &task); err != nil {
		return "", err
	}
	return task, nil
}

// WaitVpgStatus polls a VPG until its status is want, or ctx ends.
func (c *Client) WaitVpgStatus(ctx context.Context, id string, want int) (*Vpg, error) {
	var last *Vpg
	stillNot := func(err error) error {
		return fmt.Errorf("VPG %q is %s (%.0f%% synchronized), still not %s: %w",
			last.VpgName, StatusName(last.Status), last.ProgressPercentage, StatusName(want), err)
	}
	for {
		v, err := c.Vpg(ctx, id)
		if err != nil {
			// The deadline may end a poll in flight as well as a pause:
			// either way, say where the VPG was when it last answered.
			if last != nil && ctx.Err() != nil {
				return last, stillNot(ctx.Err())
			}
			return nil, err
		}
		if v.Status == want {
			return v, nil
		}
		last = v
		if err := sleep(ctx, c.pollInterval); err != nil {
			return v, stillNot(err)
		}
	}
}

// Delete starts the deletion of a VPG and waits for its task. A VPG that is
// already gone is not an error.
func (c *Client) Delete(ctx context.Context, vpgID string, d VpgDeleteData) error {
	taskID, err := c.DeleteVpg(ctx, vpgID, d)
	if IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = c.WaitTask(ctx, taskID)
	return err
}
