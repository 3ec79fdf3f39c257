package keycloak

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/Nerzal/gocloak/v13"
)

// User is the part of a realm user tenantops manages.
type User struct {
	ID              string // Keycloak's internal id
	Username        string // Keycloak keeps it in lower case
	Email           string
	FirstName       string
	LastName        string
	Enabled         bool
	EmailVerified   bool
	RequiredActions []string
}

func (u User) apply(rep *gocloak.User) {
	actions := append([]string{}, u.RequiredActions...)
	rep.Username = sp(strings.ToLower(u.Username))
	rep.Email = sp(u.Email)
	rep.FirstName = sp(u.FirstName)
	rep.LastName = sp(u.LastName)
	rep.Enabled = bp(u.Enabled)
	rep.EmailVerified = bp(u.EmailVerified)
	rep.RequiredActions = &actions
}

func fromUser(rep *gocloak.User) *User {
	u := &User{ID: gocloak.PString(rep.ID), Username: gocloak.PString(rep.Username), Email: gocloak.PString(rep.Email),
		FirstName: gocloak.PString(rep.FirstName), LastName: gocloak.PString(rep.LastName),
		Enabled: gocloak.PBool(rep.Enabled), EmailVerified: gocloak.PBool(rep.EmailVerified)}
	if rep.RequiredActions != nil {
		u.RequiredActions = *rep.RequiredActions
	}
	return u
}

// CreateUser creates a realm user (no credentials: the user sets them
// through the required actions) and returns its internal id.
func (c *Client) CreateUser(ctx context.Context, realm string, u User) (string, error) {
	var rep gocloak.User
	u.apply(&rep)
	var id string
	err := c.do(ctx, func(tok string) (err error) {
		id, err = c.gc.CreateUser(ctx, tok, realm, rep)
		return err
	})
	return id, err
}

// GetUser reads a user by internal id.
func (c *Client) GetUser(ctx context.Context, realm, id string) (*User, error) {
	var rep *gocloak.User
	if err := c.do(ctx, func(tok string) (err error) {
		rep, err = c.gc.GetUserByID(ctx, tok, realm, id)
		return err
	}); err != nil {
		return nil, err
	}
	return fromUser(rep), nil
}

// FindUser looks a user up by username (exactly, case-insensitively, as
// Keycloak compares usernames).
func (c *Client) FindUser(ctx context.Context, realm, username string) (*User, error) {
	var list []*gocloak.User
	if err := c.do(ctx, func(tok string) (err error) {
		list, err = c.gc.GetUsers(ctx, tok, realm, gocloak.GetUsersParams{Username: sp(username), Exact: bp(true)})
		return err
	}); err != nil {
		return nil, err
	}
	for _, x := range list {
		if strings.EqualFold(gocloak.PString(x.Username), username) {
			return fromUser(x), nil
		}
	}
	return nil, &Error{Status: 404, Message: fmt.Sprintf("user %q not found in realm %q", username, realm)}
}

// UpdateUser reads the user, changes only the fields tenantops manages and
// writes it back, so attributes and settings made elsewhere survive.
func (c *Client) UpdateUser(ctx context.Context, realm string, u User) error {
	var rep *gocloak.User
	if err := c.do(ctx, func(tok string) (err error) {
		rep, err = c.gc.GetUserByID(ctx, tok, realm, u.ID)
		return err
	}); err != nil {
		return err
	}
	u.apply(rep)
	return c.do(ctx, func(tok string) error { return c.gc.UpdateUser(ctx, tok, realm, *rep) })
}

// DeleteUser deletes a user; one already gone is not an error.
func (c *Client) DeleteUser(ctx context.Context, realm, id string) error {
	err := c.do(ctx, func(tok string) error { return c.gc.DeleteUser(ctx, tok, realm, id) })
	if IsNotFound(err) {
		return nil
	}
	return err
}

// Invitation is an execute-actions e-mail: a link, valid for Lifespan, that
// takes the user through Actions (set a password, enrol MFA, ...) and then,
// with ClientID and RedirectURI, to that client.
type Invitation struct {
	Actions               []string
	Lifespan              time.Duration
	ClientID, RedirectURI string
}

// SendInvitation has Keycloak e-mail the user the invitation. Keycloak needs
// the realm's SMTP server, the user's e-mail and the user enabled.
func (c *Client) SendInvitation(ctx context.Context, realm, id string, inv Invitation) error {
	actions := append([]string{}, inv.Actions...)
	params := gocloak.ExecuteActionsEmail{UserID: sp(id), Actions: &actions}
	if inv.Lifespan > 0 {
		params.Lifespan = ip(int(inv.Lifespan.Seconds()))
	}
	if inv.ClientID != "" {
		params.ClientID = sp(inv.ClientID)
	}
	if inv.RedirectURI != "" {
		params.RedirectURI = sp(inv.RedirectURI)
	}
	return c.do(ctx, func(tok string) error { return c.gc.ExecuteActionsEmail(ctx, tok, realm, params) })
}
