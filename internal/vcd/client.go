// Package vcd is tenantops' small Cloud Director client. It wraps
// go-vcloud-director (govcd) behind methods that speak the domain
// (CreateOrg, CreateVDC, SetOIDC, ...), honours the caller's context on every
// HTTP call and task wait, and turns Cloud Director's error bodies into Go
// errors carrying the server's own message.
//
// govcd's Task.WaitTaskCompletion polls every 3 seconds and ignores any
// context; the exported Task.WaitInspectTaskCompletion takes a custom
// interval but still no context, so this package polls tasks itself with
// Task.Refresh and Config.PollInterval.
package vcd

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vmware/go-vcloud-director/v2/govcd"
	"github.com/vmware/go-vcloud-director/v2/types/v56"

	"github.com/tenantops/tenantops/internal/tlsutil"
)

// ErrNotFound is returned (wrapped) when the object does not exist.
var ErrNotFound = errors.New("not found")

// ErrOrgNotEmpty is returned (wrapped) by DeleteOrg when the organization
// still holds VDCs and recursive deletion was not asked for.
var ErrOrgNotEmpty = errors.New("organization still contains VDCs")

// ErrBusy is returned (wrapped) when the object stays busy with another
// task until the context ends.
var ErrBusy = errors.New("entity busy")

// Error is a failure reported by Cloud Director, with its own message.
type Error struct {
	Status  int    // HTTP status, 0 when unknown
	Code    string // minorErrorCode, when known
	Message string
}

func (e *Error) Error() string { return e.Message }

// TaskError is a Cloud Director task that finished with status error.
type TaskError struct {
	Operation string
	Message   string
}

func (e *TaskError) Error() string {
	return fmt.Sprintf("task %s failed: %s", e.Operation, e.Message)
}

// Config is what the client needs to log in.
type Config struct {
	// URL of Cloud Director, with or without the trailing /api.
	URL string
	// User, Password and Org (default "System") for a session login, or
	// APIToken for an API-token login.
	User, Password, Org, APIToken string
	TLS                           tlsutil.Options
	// HTTPTimeout bounds one HTTP request (default 2 minutes).
	HTTPTimeout time.Duration
	// PollInterval is the task poll interval (default 2 seconds).
	PollInterval time.Duration
	// UserAgent names the caller in every request (default "tenantops").
	UserAgent string
}

// Client is a logged-in Cloud Director client, safe for concurrent use.
type Client struct {
	base *govcd.VCDClient
	tr   http.RoundTripper
	poll time.Duration
}

// New logs in and returns a client.
func New(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.HTTPTimeout <= 0 {
		cfg.HTTPTimeout = 2 * time.Minute
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 2 * time.Second
	}
	if cfg.Org == "" {
		cfg.Org = "System"
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "tenantops"
	}
	u, err := url.Parse(strings.TrimRight(cfg.URL, "/"))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("invalid Cloud Director URL %q", cfg.URL)
	}
	if !strings.HasSuffix(u.Path, "/api") {
		u.Path += "/api"
	}
	hc, err := cfg.TLS.HTTPClient(cfg.HTTPTimeout)
	if err != nil {
		return nil, err
	}
	// govcd builds its own transport and takes no CA; replace it after
	// construction with ours, which carries the configured trust.
	base := govcd.NewVCDClient(*u, cfg.TLS.InsecureSkipVerify, govcd.WithHttpUserAgent(cfg.UserAgent),
		govcd.WithVcloudRequestIdFunc(requestID))
	base.Client.Http.Timeout = cfg.HTTPTimeout
	c := &Client{tr: hc.Transport, poll: cfg.PollInterval}
	base.Client.Http.Transport = c.tr
	c.base = base

	login := c.with(ctx)
	if cfg.APIToken != "" {
		err = login.SetToken(cfg.Org, govcd.ApiTokenHeader, cfg.APIToken)
	} else {
		err = login.Authenticate(cfg.User, cfg.Password, cfg.Org)
	}
	if err != nil {
		return nil, fmt.Errorf("login to %s failed: %w", u.Host, classify(err))
	}
	*c.base = *login
	c.base.Client.Http.Transport = c.tr
	return c, nil
}

var requestSeq atomic.Uint64

// requestID numbers requests for Cloud Director's logs
// (X-VMWARE-VCLOUD-CLIENT-REQUEST-ID). govcd's own builder updates a shared
// counter without synchronisation, which races under concurrent resources.
func requestID() string {
	return fmt.Sprintf("tenantops-%d-%s", requestSeq.Add(1), time.Now().UTC().Format("2006-01-02-15-04-05-000"))
}

// with returns a copy of the logged-in client whose every request carries
// ctx, so cancellation and deadlines reach the HTTP calls govcd makes.
func (c *Client) with(ctx context.Context) *govcd.VCDClient {
	cp := *c.base
	cp.Client.Http.Transport = ctxTransport{ctx: ctx, base: c.tr}
	return &cp
}

type ctxTransport struct {
	ctx  context.Context
	base http.RoundTripper
}

func (t ctxTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return t.base.RoundTrip(r.WithContext(t.ctx))
}

var apiErrRe = regexp.MustCompile(`API Error: (\d+): (?:\[ [^\]]* \] )?(.*)$`)
var openAPIErrRe = regexp.MustCompile(`error in HTTP \w+ request: ([A-Z_]+) - (?:\[ [^\]]* \] )?(.*)$`)

// classify turns a govcd error (which carries Cloud Director's error body
// only as text) into ErrNotFound or an *Error with the server's message.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	var te *TaskError
	if errors.As(err, &e) || errors.As(err, &te) || errors.Is(err, ErrNotFound) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err
	}
	if govcd.ContainsNotFound(err) {
		return fmt.Errorf("%w", ErrNotFound)
	}
	msg := err.Error()
	if m := apiErrRe.FindStringSubmatch(msg); m != nil {
		status, _ := strconv.Atoi(m[1])
		if status == http.StatusNotFound {
			return fmt.Errorf("%s: %w", m[2], ErrNotFound)
		}
		return &Error{Status: status, Message: m[2]}
	}
	if m := openAPIErrRe.FindStringSubmatch(msg); m != nil {
		return &Error{Code: m[1], Message: m[2]}
	}
	return &Error{Message: msg}
}

// isForbidden reports whether Cloud Director refused the request with 403.
// For an organization or VDC that no longer exists Cloud Director answers
// 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN ("The VMware Cloud Director entity
// ... does not exist", or "Either you need some or all of the following
// rights ... or the target entity is invalid"), not 404: it does not tell a
// missing entity from one the caller may not see
// (https://github.com/vmware-archive/pyvcloud/issues/796,
// https://github.com/gds-operations/vcloud-core/pull/181). Such a 403 alone
// never means "gone" here; orgGone and vdcGone settle it from the parent's
// listing.
func isForbidden(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusForbidden
}

func isBusy(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "BUSY_ENTITY") || strings.Contains(err.Error(), "is busy completing an operation"))
}

// retryBusy runs fn again while Cloud Director reports the entity busy with
// another task, until ctx ends.
func (c *Client) retryBusy(ctx context.Context, fn func() error) error {
	for {
		err := fn()
		if !isBusy(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %v (gave up: %v)", ErrBusy, classify(err), ctx.Err())
		case <-time.After(c.poll):
		}
	}
}

// wait polls a task until it finishes or ctx ends.
func (c *Client) wait(ctx context.Context, cli *govcd.VCDClient, t *types.Task) error {
	if t == nil || t.HREF == "" {
		return nil
	}
	task := govcd.NewTask(&cli.Client)
	task.Task = t
	op := t.OperationName
	failures := 0
	for {
		switch task.Task.Status {
		case "success", "aborted":
			return nil
		case "error":
			msg := task.Task.Details
			if task.Task.Error != nil && task.Task.Error.Message != "" {
				msg = task.Task.Error.Message
			}
			return &TaskError{Operation: op, Message: msg}
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("timed out waiting for task %s (%s) to finish, it is still %s: %w", op, t.HREF, task.Task.Status, err)
		}
		if err := task.Refresh(); err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("timed out waiting for task %s (%s) to finish: %w", op, t.HREF, ctx.Err())
			}
			// A poll is a read: ride out a few dropped connections or 5xx
			// answers rather than lose track of a task that is still running.
			if failures++; failures > maxPollFailures || !transient(err) {
				return classify(err)
			}
		} else {
			failures = 0
		}
		if task.Task.Status == "success" || task.Task.Status == "error" || task.Task.Status == "aborted" {
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(c.poll):
		}
	}
}

// maxPollFailures is how many task polls in a row may fail transiently.
const maxPollFailures = 3

// transient reports whether err looks like a dropped connection or a 5xx
// answer rather than Cloud Director rejecting the request.
func transient(err error) bool {
	var e *Error
	if errors.As(classify(err), &e) && e.Status != 0 {
		return e.Status >= 500
	}
	return !errors.Is(classify(err), ErrNotFound)
}

// do sends a request govcd has no async helper for and decodes the Task it
// answers with (nil for 204).
func (c *Client) do(cli *govcd.VCDClient, method, href string, params map[string]string) (*types.Task, error) {
	u, err := url.Parse(href)
	if err != nil {
		return nil, err
	}
	req := cli.Client.NewRequest(params, method, *u, nil)
	resp, err := cli.Client.Http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var e types.Error
		if err := decodeXML(resp, &e); err != nil || e.Message == "" {
			return nil, &Error{Status: resp.StatusCode, Message: resp.Status}
		}
		return nil, classify(e)
	}
	if resp.StatusCode == http.StatusNoContent {
		return nil, nil
	}
	var t types.Task
	if err := decodeXML(resp, &t); err != nil {
		return nil, fmt.Errorf("decoding task: %w", err)
	}
	return &t, nil
}

// get fetches href into out.
func get(cli *govcd.VCDClient, href string, out any) error {
	_, err := cli.Client.ExecuteRequest(href, http.MethodGet, "", "%s", nil, out)
	return classify(err)
}

func (c *Client) href(path string) string {
	u := c.base.Client.VCDHREF
	u.Path += path
	return u.String()
}

// uuidOf returns the bare UUID of a URN, HREF or UUID.
func uuidOf(s string) string {
	if i := strings.LastIndex(s, ":"); i >= 0 && !strings.Contains(s, "/") {
		s = s[i+1:]
	}
	if i := strings.LastIndex(s, "/"); i >= 0 {
		s = s[i+1:]
	}
	return strings.ToLower(s)
}

// IsUUIDOrURN reports whether s is an object ID rather than a name.
func IsUUIDOrURN(s string) bool {
	return govcd.IsUuid(strings.ToLower(uuidOf(s))) && (strings.HasPrefix(s, "urn:") || govcd.IsUuid(strings.ToLower(s)))
}
