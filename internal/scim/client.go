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

// Capabilities is what discovery learned about the service provider.
type Capabilities struct {
	Patch, ETag, Filter, Bulk, Sort bool
	FilterMaxResults                int
	BulkMaxOperations               int
	// UserExtensions lists the schema extensions of the User resource type.
	UserExtensions []string
	// Schemas lists the schema URIs /Schemas returned.
	Schemas []string
	// Endpoints maps a resource type name (User, Group) to its endpoint.
	Endpoints map[string]string
}

// SupportsEnterprise reports whether users carry the enterprise extension.
// A provider that does not publish resource types is given the benefit of
// the doubt.
func (c *Capabilities) SupportsEnterprise() bool {
	if len(c.Endpoints) == 0 {
		return true
	}
	for _, e := range c.UserExtensions {
		if e == EnterpriseSchema {
			return true
		}
	}
	return false
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
		userAgnt: "tenantops-scim",
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

// Capabilities runs discovery once (ServiceProviderConfig, ResourceTypes,
// Schemas) and caches the result. A provider that does not implement the
// optional ResourceTypes/Schemas endpoints is tolerated.
func (c *Client) Capabilities(ctx context.Context) (*Capabilities, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.caps != nil {
		return c.caps, nil
	}
	var spc struct {
		Patch  struct{ Supported bool } `json:"patch"`
		ETag   struct{ Supported bool } `json:"etag"`
		Sort   struct{ Supported bool } `json:"sort"`
		Filter struct {
			Supported  bool
			MaxResults int `json:"maxResults"`
		} `json:"filter"`
		Bulk struct {
			Supported     bool
			MaxOperations int `json:"maxOperations"`
		} `json:"bulk"`
	}
	if _, err := c.do(ctx, http.MethodGet, "/ServiceProviderConfig", nil, nil, "", &spc); err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	caps := &Capabilities{
		Patch: spc.Patch.Supported, ETag: spc.ETag.Supported, Filter: spc.Filter.Supported,
		Bulk: spc.Bulk.Supported, Sort: spc.Sort.Supported,
		FilterMaxResults: spc.Filter.MaxResults, BulkMaxOperations: spc.Bulk.MaxOperations,
		Endpoints: map[string]string{},
	}
	var rts listResponse[struct {
		Name             string `json:"name"`
		Endpoint         string `json:"endpoint"`
		Schema           string `json:"schema"`
		SchemaExtensions []struct {
			Schema string `json:"schema"`
		} `json:"schemaExtensions"`
	}]
	if _, err := c.do(ctx, http.MethodGet, "/ResourceTypes", nil, nil, "", &rts); err == nil {
		for _, rt := range rts.Resources {
			caps.Endpoints[rt.Name] = rt.Endpoint
			if rt.Schema == UserSchema {
				for _, e := range rt.SchemaExtensions {
					caps.UserExtensions = append(caps.UserExtensions, e.Schema)
				}
			}
		}
	} else if !optionalEndpoint(err) {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	var schemas listResponse[struct {
		ID string `json:"id"`
	}]
	if _, err := c.do(ctx, http.MethodGet, "/Schemas", nil, nil, "", &schemas); err == nil {
		for _, s := range schemas.Resources {
			caps.Schemas = append(caps.Schemas, s.ID)
		}
	} else if !optionalEndpoint(err) {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	c.caps = caps
	return caps, nil
}

func optionalEndpoint(err error) bool {
	return errors.Is(err, ErrNotFound) || errors.Is(err, ErrNotImplemented)
}

func (c *Client) endpoint(ctx context.Context, typ, def string) string {
	if caps, err := c.Capabilities(ctx); err == nil {
		if e := caps.Endpoints[typ]; e != "" {
			return "/" + strings.TrimLeft(e, "/")
		}
	}
	return def
}

// ---- users ----

// CreateUser creates u and returns what the provider stored.
func (c *Client) CreateUser(ctx context.Context, u *User) (*User, error) {
	body := *u
	body.ID, body.Meta = "", nil
	body.Schemas = userSchemas(u)
	var out User
	h, err := c.do(ctx, http.MethodPost, c.endpoint(ctx, "User", "/Users"), nil, body, "", &out)
	if err != nil {
		return nil, err
	}
	fillVersion(&out.Meta, h)
	return &out, nil
}

// GetUser reads a user by id; a missing user is ErrNotFound.
func (c *Client) GetUser(ctx context.Context, id string) (*User, error) {
	var out User
	h, err := c.do(ctx, http.MethodGet, c.endpoint(ctx, "User", "/Users")+"/"+url.PathEscape(id), nil, nil, "", &out)
	if err != nil {
		return nil, err
	}
	fillVersion(&out.Meta, h)
	return &out, nil
}

// FindUserByName looks a user up with the filter userName eq "...". No
// match is ErrNotFound.
func (c *Client) FindUserByName(ctx context.Context, userName string) (*User, error) {
	var list listResponse[User]
	if err := c.query(ctx, c.endpoint(ctx, "User", "/Users"), Filter("userName", userName), &list); err != nil {
		return nil, err
	}
	var found []User
	for _, u := range list.Resources {
		// userName is case-insensitive (RFC 7643 §4.1.1).
		if strings.EqualFold(u.UserName, userName) {
			found = append(found, u)
		}
	}
	switch len(found) {
	case 0:
		return nil, &Error{Status: http.StatusNotFound, Detail: fmt.Sprintf("no user with userName %q", userName)}
	case 1:
		return c.GetUser(ctx, found[0].ID)
	}
	return nil, fmt.Errorf("scim: %d users match userName %q", len(found), userName)
}

// UpdateUser changes the user from old to new: with PATCH when the provider
// supports it, otherwise with a PUT of the current resource overlaid with
// the managed attributes. version, when set and the provider supports ETags,
// is sent as If-Match. It returns the stored user and the method used.
func (c *Client) UpdateUser(ctx context.Context, old, new *User, version string) (*User, string, error) {
	caps, err := c.Capabilities(ctx)
	if err != nil {
		return nil, "", err
	}
	ep := c.endpoint(ctx, "User", "/Users") + "/" + url.PathEscape(old.ID)
	ifMatch := ""
	if caps.ETag {
		ifMatch = version
	}
	if caps.Patch && !c.noPatch.Load() {
		ops := UserPatch(old, new)
		if len(ops) == 0 {
			u, err := c.GetUser(ctx, old.ID)
			return u, "", err
		}
		var out User
		h, err := c.do(ctx, http.MethodPatch, ep, nil, NewPatch(ops...), ifMatch, &out)
		if err == nil {
			if out.ID == "" { // 204: re-read
				u, err := c.GetUser(ctx, old.ID)
				return u, http.MethodPatch, err
			}
			fillVersion(&out.Meta, h)
			return &out, http.MethodPatch, nil
		}
		if !errors.Is(err, ErrNotImplemented) {
			return nil, http.MethodPatch, err
		}
		// Advertised but refused: use PUT for the life of the client.
		c.noPatch.Store(true)
	}
	var cur map[string]any
	h, err := c.do(ctx, http.MethodGet, ep, nil, nil, "", &cur)
	if err != nil {
		return nil, http.MethodPut, err
	}
	if ifMatch == "" && caps.ETag {
		ifMatch = etagOf(cur, h)
	}
	body := overlayUser(cur, new)
	var out User
	h, err = c.do(ctx, http.MethodPut, ep, nil, body, ifMatch, &out)
	if err != nil {
		return nil, http.MethodPut, err
	}
	fillVersion(&out.Meta, h)
	return &out, http.MethodPut, nil
}

// DeleteUser deletes a user; an already missing user is not an error.
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	_, err := c.do(ctx, http.MethodDelete, c.endpoint(ctx, "User", "/Users")+"/"+url.PathEscape(id), nil, nil, "", nil)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// ---- groups ----

// CreateGroup creates g.
func (c *Client) CreateGroup(ctx context.Context, g *Group) (*Group, error) {
	body := *g
	body.ID, body.Meta = "", nil
	body.Schemas = []string{GroupSchema}
	var out Group
	h, err := c.do(ctx, http.MethodPost, c.endpoint(ctx, "Group", "/Groups"), nil, body, "", &out)
	if err != nil {
		return nil, err
	}
	fillVersion(&out.Meta, h)
	return &out, nil
}

// GetGroup reads a group by id; a missing group is ErrNotFound.
func (c *Client) GetGroup(ctx context.Context, id string) (*Group, error) {
	var out Group
	h, err := c.do(ctx, http.MethodGet, c.endpoint(ctx, "Group", "/Groups")+"/"+url.PathEscape(id), nil, nil, "", &out)
	if err != nil {
		return nil, err
	}
	fillVersion(&out.Meta, h)
	return &out, nil
}

// FindGroupByName looks a group up by displayName.
func (c *Client) FindGroupByName(ctx context.Context, displayName string) (*Group, error) {
	var list listResponse[Group]
	if err := c.query(ctx, c.endpoint(ctx, "Group", "/Groups"), Filter("displayName", displayName), &list); err != nil {
		return nil, err
	}
	var found []Group
	for _, g := range list.Resources {
		if g.DisplayName == displayName {
			found = append(found, g)
		}
	}
	switch len(found) {
	case 0:
		return nil, &Error{Status: http.StatusNotFound, Detail: fmt.Sprintf("no group with displayName %q", displayName)}
	case 1:
		return c.GetGroup(ctx, found[0].ID)
	}
	return nil, fmt.Errorf("scim: %d groups match displayName %q; import by id instead", len(found), displayName)
}

// UpdateGroup changes displayName and, when manageMembers is set, the member
// list from old to new. Members are added and removed by PATCH where
// supported; otherwise the group is replaced (PUT) keeping the members it
// has when manageMembers is false.
func (c *Client) UpdateGroup(ctx context.Context, old, new *Group, version string, manageMembers bool) (*Group, string, error) {
	caps, err := c.Capabilities(ctx)
	if err != nil {
		return nil, "", err
	}
	ep := c.endpoint(ctx, "Group", "/Groups") + "/" + url.PathEscape(old.ID)
	ifMatch := ""
	if caps.ETag {
		ifMatch = version
	}
	if caps.Patch && !c.noPatch.Load() {
		var ops []PatchOperation
		if old.DisplayName != new.DisplayName {
			ops = append(ops, PatchOperation{Op: "replace", Path: "displayName", Value: new.DisplayName})
		}
		if old.ExternalID != new.ExternalID {
			if new.ExternalID == "" {
				ops = append(ops, PatchOperation{Op: "remove", Path: "externalId"})
			} else {
				ops = append(ops, PatchOperation{Op: "replace", Path: "externalId", Value: new.ExternalID})
			}
		}
		if manageMembers {
			add, rm := diffMembers(old.Members, new.Members)
			ops = append(ops, MemberPatch(add, rm)...)
		}
		if len(ops) == 0 {
			g, err := c.GetGroup(ctx, old.ID)
			return g, "", err
		}
		g, err := c.patchGroup(ctx, ep, ops, ifMatch)
		if err == nil || !errors.Is(err, ErrNotImplemented) {
			return g, http.MethodPatch, err
		}
		c.noPatch.Store(true)
	}
	cur, h, err := c.rawGet(ctx, ep)
	if err != nil {
		return nil, http.MethodPut, err
	}
	if ifMatch == "" && caps.ETag {
		ifMatch = etagOf(cur, h)
	}
	cur["displayName"] = new.DisplayName
	setOrDelete(cur, "externalId", new.ExternalID)
	if manageMembers {
		cur["members"] = memberValues(new.Members)
	}
	g, err := c.putGroup(ctx, ep, cur, ifMatch)
	return g, http.MethodPut, err
}

// AddMembers adds user ids to a group (idempotent); RemoveMembers takes them
// out. Without PATCH both are a read-modify-write PUT guarded by If-Match
// when the provider has ETags, retried on a version race.
func (c *Client) AddMembers(ctx context.Context, groupID string, ids ...string) error {
	return c.changeMembers(ctx, groupID, ids, nil)
}

// RemoveMembers removes user ids from a group; absent members are ignored.
func (c *Client) RemoveMembers(ctx context.Context, groupID string, ids ...string) error {
	return c.changeMembers(ctx, groupID, nil, ids)
}

func (c *Client) changeMembers(ctx context.Context, groupID string, add, rm []string) error {
	caps, err := c.Capabilities(ctx)
	if err != nil {
		return err
	}
	ep := c.endpoint(ctx, "Group", "/Groups") + "/" + url.PathEscape(groupID)
	if caps.Patch && !c.noPatch.Load() {
		_, err := c.patchGroup(ctx, ep, MemberPatch(add, rm), "")
		if err == nil || !errors.Is(err, ErrNotImplemented) {
			return err
		}
		c.noPatch.Store(true)
	}
	for attempt := 0; ; attempt++ {
		cur, h, err := c.rawGet(ctx, ep)
		if err != nil {
			return err
		}
		var g Group
		if err := remarshal(cur, &g); err != nil {
			return err
		}
		members := map[string]bool{}
		var ids []string
		for _, m := range g.Members {
			if !members[m.Value] {
				members[m.Value] = true
				ids = append(ids, m.Value)
			}
		}
		changed := false
		for _, id := range add {
			if !members[id] {
				members[id], changed = true, true
				ids = append(ids, id)
			}
		}
		for _, id := range rm {
			if members[id] {
				delete(members, id)
				changed = true
			}
		}
		if !changed {
			return nil
		}
		var keep []Member
		for _, id := range ids {
			if members[id] {
				keep = append(keep, Member{Value: id})
			}
		}
		cur["members"] = memberValues(keep)
		ifMatch := ""
		if caps.ETag {
			ifMatch = etagOf(cur, h)
		}
		_, err = c.putGroup(ctx, ep, cur, ifMatch)
		if errors.Is(err, ErrPreconditionFailed) && attempt < 3 {
			continue // someone else changed the group in between: re-read
		}
		return err
	}
}

// DeleteGroup deletes a group; an already missing group is not an error.
func (c *Client) DeleteGroup(ctx context.Context, id string) error {
	_, err := c.do(ctx, http.MethodDelete, c.endpoint(ctx, "Group", "/Groups")+"/"+url.PathEscape(id), nil, nil, "", nil)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

func (c *Client) patchGroup(ctx context.Context, ep string, ops []PatchOperation, ifMatch string) (*Group, error) {
	var out Group
	h, err := c.do(ctx, http.MethodPatch, ep, nil, NewPatch(ops...), ifMatch, &out)
	if err != nil {
		return nil, err
	}
	if out.ID == "" {
		var g Group
		h, err = c.do(ctx, http.MethodGet, ep, nil, nil, "", &g)
		if err != nil {
			return nil, err
		}
		out = g
	}
	fillVersion(&out.Meta, h)
	return &out, nil
}

func (c *Client) putGroup(ctx context.Context, ep string, body map[string]any, ifMatch string) (*Group, error) {
	delete(body, "meta")
	body["schemas"] = []string{GroupSchema}
	var out Group
	h, err := c.do(ctx, http.MethodPut, ep, nil, body, ifMatch, &out)
	if err != nil {
		return nil, err
	}
	fillVersion(&out.Meta, h)
	return &out, nil
}

func (c *Client) rawGet(ctx context.Context, ep string) (map[string]any, http.Header, error) {
	var cur map[string]any
	h, err := c.do(ctx, http.MethodGet, ep, nil, nil, "", &cur)
	return cur, h, err
}

// ---- transport ----

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

// ---- helpers ----

func userSchemas(u *User) []string {
	s := []string{UserSchema}
	if !u.Enterprise.IsZero() {
		s = append(s, EnterpriseSchema)
	}
	return s
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

// overlayUser sets the attributes tenantops manages on the provider's
// current representation, leaving every other attribute as it is.
func overlayUser(cur map[string]any, u *User) map[string]any {
	delete(cur, "meta")
	cur["userName"] = u.UserName
	setOrDelete(cur, "externalId", u.ExternalID)
	setOrDelete(cur, "displayName", u.DisplayName)
	name, _ := cur["name"].(map[string]any)
	if name == nil {
		name = map[string]any{}
	}
	n := nameOrZero(u.Name)
	setOrDelete(name, "givenName", n.GivenName)
	setOrDelete(name, "familyName", n.FamilyName)
	setOrDelete(name, "formatted", n.Formatted)
	if len(name) == 0 {
		delete(cur, "name")
	} else {
		cur["name"] = name
	}
	if len(u.Emails) == 0 {
		delete(cur, "emails")
	} else {
		var emails []any
		_ = remarshal(u.Emails, &emails)
		cur["emails"] = emails
	}
	if u.Active != nil {
		cur["active"] = *u.Active
	}
	ext, _ := cur[EnterpriseSchema].(map[string]any)
	if ext == nil {
		ext = map[string]any{}
	}
	e := entOrZero(u.Enterprise)
	setOrDelete(ext, "employeeNumber", e.EmployeeNumber)
	setOrDelete(ext, "costCenter", e.CostCenter)
	setOrDelete(ext, "organization", e.Organization)
	setOrDelete(ext, "division", e.Division)
	setOrDelete(ext, "department", e.Department)
	if id := managerID(e.Manager); id != "" {
		ext["manager"] = map[string]any{"value": id}
	} else {
		delete(ext, "manager")
	}
	schemas := []string{UserSchema}
	if len(ext) == 0 {
		delete(cur, EnterpriseSchema)
	} else {
		cur[EnterpriseSchema] = ext
		schemas = append(schemas, EnterpriseSchema)
	}
	cur["schemas"] = schemas
	return cur
}

func setOrDelete(m map[string]any, k, v string) {
	if v == "" {
		delete(m, k)
	} else {
		m[k] = v
	}
}

func memberValues(ms []Member) []any {
	out := make([]any, 0, len(ms))
	for _, m := range ms {
		out = append(out, map[string]any{"value": m.Value})
	}
	return out
}

func diffMembers(old, new []Member) (add, rm []string) {
	o, n := map[string]bool{}, map[string]bool{}
	for _, m := range old {
		o[m.Value] = true
	}
	for _, m := range new {
		n[m.Value] = true
		if !o[m.Value] {
			add = append(add, m.Value)
			o[m.Value] = true
		}
	}
	for _, m := range old {
		if !n[m.Value] {
			rm = append(rm, m.Value)
			n[m.Value] = true
		}
	}
	return add, rm
}

func remarshal(in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}
