package scim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

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
	return c.deleteResource(ctx, c.endpoint(ctx, "Group", "/Groups")+"/"+url.PathEscape(id))
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
