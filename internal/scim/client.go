// Package scim is a small SCIM 2.0 client (RFC 7643/7644) for user and group
// provisioning: capability discovery, create/get/replace/patch/delete, lookup
// by filter, ETag preconditions, SCIM error bodies and 429 back-off.
package scim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Client.
type Options struct {
	// URL is the SCIM base URL, e.g. https://idm.example.com/scim/v2.
	URL string
	// Token is sent as a bearer token when set.
	Token string
	// HTTPClient carries TLS settings and the request timeout.
	HTTPClient *http.Client
	// MaxRetries bounds the retries of a request the service provider
	// throttled (429, or 503 with Retry-After). Default 4.
	MaxRetries int
	// MaxRetryWait caps a single wait, whatever Retry-After asks. Default 30s.
	MaxRetryWait time.Duration
	// UserAgent names the caller in every request; "tenantops-scim" when empty.
	UserAgent string
}

// Client talks to one SCIM service provider. It is safe for concurrent use.
type Client struct {
	base     string
	token    string
	hc       *http.Client
	retries  int
	maxWait  time.Duration
	mu       sync.Mutex
	caps     *Capabilities
	userAgnt string
	// noPatch is set once the provider refused a PATCH it advertised.
	noPatch atomic.Bool
}

// New returns a client; no request is made until the first call.
func New(o Options) (*Client, error) {
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("scim: invalid base URL %q: want https://host/path", o.URL)
	}
	c := &Client{
		base:     strings.TrimRight(o.URL, "/"),
		token:    o.Token,
		hc:       o.HTTPClient,
		retries:  o.MaxRetries,
		maxWait:  o.MaxRetryWait,
		userAgnt: o.UserAgent,
	}
	if c.userAgnt == "" {
		c.userAgnt = "tenantops-scim"
	}
	if c.hc == nil {
		c.hc = &http.Client{Timeout: 60 * time.Second}
	}
	if c.retries <= 0 {
		c.retries = 4
	}
	if c.maxWait <= 0 {
		c.maxWait = 30 * time.Second
	}
	return c, nil
}

func (c *Client) rawGet(ctx context.Context, ep string) (map[string]any, http.Header, error) {
	var cur map[string]any
	h, err := c.do(ctx, http.MethodGet, ep, nil, nil, "", &cur)
	return cur, h, err
}

// deleteResource deletes the resource at ep; one already gone is not an error.
func (c *Client) deleteResource(ctx context.Context, ep string) error {
	_, err := c.do(ctx, http.MethodDelete, ep, nil, nil, "", nil)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

func (c *Client) query(ctx context.Context, ep, filter string, out any) error {
	caps, err := c.Capabilities(ctx)
	if err != nil {
		return err
	}
	if !caps.Filter {
		return errors.New("scim: the service provider does not support filtering (ServiceProviderConfig filter.supported=false); use the resource id")
	}
	q := url.Values{"filter": {filter}}
	_, err = c.do(ctx, http.MethodGet, ep, q, nil, "", out)
	return err
}

// do sends one request, retrying while the provider throttles, and decodes a
// successful JSON answer into out. A failure answer becomes an *Error.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body any, ifMatch string, out any) (http.Header, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return nil, err
		}
	}
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(payload))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "application/scim+json, application/json")
		req.Header.Set("User-Agent", c.userAgnt)
		if body != nil {
			req.Header.Set("Content-Type", "application/scim+json")
		}
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		if ifMatch != "" {
			req.Header.Set("If-Match", ifMatch)
		}
		resp, err := c.hc.Do(req)
		if err != nil {
			return nil, describe(method, path, err)
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
		_ = resp.Body.Close()
		if err != nil {
			return nil, describe(method, path, err)
		}
		if wait, ok := c.retryAfter(resp, attempt); ok {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, describe(method, path, ctx.Err())
			case <-t.C:
			}
			continue
		}
		if resp.StatusCode >= 400 {
			return resp.Header, ParseError(resp.StatusCode, data)
		}
		if out != nil && len(bytes.TrimSpace(data)) > 0 && resp.StatusCode != http.StatusNoContent {
			if err := json.Unmarshal(data, out); err != nil {
				return resp.Header, fmt.Errorf("%s %s: decoding response: %w", method, path, err)
			}
		}
		return resp.Header, nil
	}
}

// retryAfter decides whether a throttled answer is retried and how long to
// wait: Retry-After (seconds or an HTTP date) when given, else exponential
// back-off from 500ms; always capped by MaxRetryWait and MaxRetries.
func (c *Client) retryAfter(resp *http.Response, attempt int) (time.Duration, bool) {
	ra := resp.Header.Get("Retry-After")
	throttled := resp.StatusCode == http.StatusTooManyRequests ||
		(resp.StatusCode == http.StatusServiceUnavailable && ra != "")
	if !throttled || attempt >= c.retries {
		return 0, false
	}
	wait := (500 * time.Millisecond) << attempt
	if ra != "" {
		if s, err := strconv.Atoi(strings.TrimSpace(ra)); err == nil && s >= 0 {
			wait = time.Duration(s) * time.Second
		} else if t, err := http.ParseTime(ra); err == nil {
			wait = time.Until(t)
		}
	}
	if wait < 0 {
		wait = 0
	}
	if wait > c.maxWait {
		wait = c.maxWait
	}
	return wait, true
}

func fillVersion(m **Meta, h http.Header) {
	if *m == nil {
		*m = &Meta{}
	}
	if (*m).Version == "" && h != nil {
		(*m).Version = h.Get("ETag")
	}
}

func etagOf(cur map[string]any, h http.Header) string {
	if meta, ok := cur["meta"].(map[string]any); ok {
		if v, ok := meta["version"].(string); ok && v != "" {
			return v
		}
	}
	return h.Get("ETag")
}

func remarshal(in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}
