package zerto

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// NewVpgSettings creates a settings object (newVpgSetting) and returns its id.
// An empty s starts a new VPG; s.VpgIdentifier set makes an editable copy of
// that VPG's current settings.
func (c *Client) NewVpgSettings(ctx context.Context, s VpgSettings) (string, error) {
	var id string
	if err := c.do(ctx, http.MethodPost, "/v1/vpgSettings", nil, s, &id); err != nil {
		return "", err
	}
	if id == "" {
		return "", errors.New("POST /v1/vpgSettings returned no settings identifier")
	}
	return id, nil
}

// CopyVpgSettings opens an editable copy of an existing VPG's settings.
func (c *Client) CopyVpgSettings(ctx context.Context, vpgID string) (string, error) {
	return c.NewVpgSettings(ctx, VpgSettings{VpgIdentifier: vpgID})
}

// GetVpgSettings reads a settings object (getVpgSetting).
func (c *Client) GetVpgSettings(ctx context.Context, id string) (*VpgSettings, error) {
	var s VpgSettings
	if err := c.do(ctx, http.MethodGet, "/v1/vpgSettings/"+url.PathEscape(id), nil, nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// PutVpgSettings replaces a settings object (editVpgSetting).
func (c *Client) PutVpgSettings(ctx context.Context, id string, s VpgSettings) error {
	return c.do(ctx, http.MethodPut, "/v1/vpgSettings/"+url.PathEscape(id), nil, s, nil)
}

// DeleteVpgSettings discards a settings object (removeVpgSetting).
func (c *Client) DeleteVpgSettings(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/v1/vpgSettings/"+url.PathEscape(id), nil, nil, nil)
}

// CommitVpgSettings deploys a settings object (startVpgSettingCommit) and
// returns the task id. The settings object is consumed by the commit.
func (c *Client) CommitVpgSettings(ctx context.Context, id string) (string, error) {
	var task string
	if err := c.do(ctx, http.MethodPost, "/v1/vpgSettings/"+url.PathEscape(id)+"/commit", nil, nil, &task); err != nil {
		return "", err
	}
	return task, nil
}

// CommitNew creates a settings object from s, commits it and waits for the
// commit task. It returns the new VPG's id as soon as Zerto names it (also
// together with an error when the wait fails later), so callers can record
// it and never orphan a VPG. The settings object never outlives the call:
// it is discarded when anything before the commit fails.
func (c *Client) CommitNew(ctx context.Context, s VpgSettings) (vpgID string, err error) {
	s.VpgIdentifier = ""
	return c.commit(ctx, s)
}

// Edit applies change to an editable copy of the VPG's settings and commits
// it, waiting for the commit task.
func (c *Client) Edit(ctx context.Context, vpgID string, change func(*VpgSettings)) error {
	id, err := c.CopyVpgSettings(ctx, vpgID)
	if err != nil {
		return err
	}
	s, err := c.GetVpgSettings(ctx, id)
	if err != nil {
		return c.discardAfter(id, err)
	}
	change(s)
	s.VpgIdentifier = vpgID
	s.VpgSettingsIdentifier = id
	if err := c.PutVpgSettings(ctx, id, *s); err != nil {
		return c.discardAfter(id, err)
	}
	return c.commitSettings(ctx, id, func(string) {})
}

// CurrentSettings reads a VPG's settings through a settings copy that is
// discarded before returning (the ZVM exposes journal, recovery and network
// settings only through settings objects).
func (c *Client) CurrentSettings(ctx context.Context, vpgID string) (*VpgSettings, error) {
	id, err := c.CopyVpgSettings(ctx, vpgID)
	if err != nil {
		return nil, err
	}
	s, err := c.GetVpgSettings(ctx, id)
	if derr := c.discard(id); derr != nil {
		return nil, errors.Join(err, derr)
	}
	return s, err
}

func (c *Client) commit(ctx context.Context, s VpgSettings) (string, error) {
	id, err := c.NewVpgSettings(ctx, VpgSettings{})
	if err != nil {
		return "", err
	}
	s.VpgSettingsIdentifier = id
	if err := c.PutVpgSettings(ctx, id, s); err != nil {
		return "", c.discardAfter(id, err)
	}
	var vpgID string
	err = c.commitSettings(ctx, id, func(v string) { vpgID = v })
	return vpgID, err
}

// commitSettings commits settings object id, reports the VPG id through
// found as soon as the task names it, and waits for the task.
func (c *Client) commitSettings(ctx context.Context, id string, found func(string)) error {
	taskID, err := c.CommitVpgSettings(ctx, id)
	if err != nil {
		// A commit the ZVM refused leaves the settings object behind.
		return c.discardAfter(id, err)
	}
	var progress = -1
	for {
		t, err := c.Task(ctx, taskID)
		if err != nil {
			if progress >= 0 && ctx.Err() != nil {
				return fmt.Errorf("waiting for commit task %s (%d%% done): %w", taskID, progress, ctx.Err())
			}
			return err
		}
		progress = t.Status.Progress
		if len(t.RelatedEntities.Vpgs) > 0 && t.RelatedEntities.Vpgs[0].Identifier != "" {
			found(t.RelatedEntities.Vpgs[0].Identifier)
		}
		switch t.Status.State {
		case TaskCompleted:
			return nil
		case TaskFailed, TaskStopped:
			return &TaskError{TaskID: taskID, Type: t.Type, State: t.Status.State, Reason: t.CompleteReason}
		}
		if err := sleep(ctx, c.pollInterval); err != nil {
			return fmt.Errorf("waiting for commit task %s (%d%% done): %w", taskID, t.Status.Progress, err)
		}
	}
}

// discard removes a settings object on a fresh, short context: it runs on
// error paths where the caller's context may be spent. A ZVM that answers
// 5xx or drops the connection is asked again (0.2, 0.4, ... s, up to 30 s in
// all); gone already (e.g. consumed by a commit) is done. What still fails
// is returned so the caller can name the draft it leaves behind.
func (c *Client) discard(id string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	wait := 200 * time.Millisecond
	for {
		err := c.DeleteVpgSettings(ctx, id)
		if err == nil || IsNotFound(err) {
			return nil
		}
		if !retryableDiscard(err) {
			return fmt.Errorf("discarding VPG settings %s: %w", id, err)
		}
		if serr := sleep(ctx, wait); serr != nil {
			return fmt.Errorf("discarding VPG settings %s (left behind): %w", id, err)
		}
		if wait < 4*time.Second {
			wait *= 2
		}
	}
}

// retryableDiscard tells a passing fault (5xx, throttling, a transport
// error) from a refusal that asking again will not change.
func retryableDiscard(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode >= 500 || apiErr.StatusCode == 429
	}
	return true
}

// discardAfter discards settings object id after err and returns err, with
// the discard's own failure joined to it.
func (c *Client) discardAfter(id string, err error) error {
	if derr := c.discard(id); derr != nil {
		return errors.Join(err, derr)
	}
	return err
}
