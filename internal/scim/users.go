package scim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

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
	return c.deleteResource(ctx, c.endpoint(ctx, "User", "/Users")+"/"+url.PathEscape(id))
}

func userSchemas(u *User) []string {
	s := []string{UserSchema}
	if !u.Enterprise.IsZero() {
		s = append(s, EnterpriseSchema)
	}
	return s
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
