package directory

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"

	"github.com/go-ldap/ldap/v3"
)

// User is an AD user account. Groups are the DNs of the groups it is a
// direct member of (memberOf, which excludes the primary group).
type User struct {
	GUID, DN, Name, SAMAccountName, UserPrincipalName string
	DisplayName, Description                          string
	Enabled, PasswordNeverExpires                     bool
	Groups                                            []string
}

var userAttrs = []string{"objectGUID", "cn", "sAMAccountName", "userPrincipalName", "displayName", "description",
	"userAccountControl", "memberOf"}

// EncodePassword is the unicodePwd value: the quoted password in UTF-16LE.
func EncodePassword(pw string) string {
	u := utf16.Encode([]rune(`"` + pw + `"`))
	b := make([]byte, 2*len(u))
	for i, r := range u {
		binary.LittleEndian.PutUint16(b[2*i:], r)
	}
	return string(b)
}

func uacFor(enabled, neverExpires bool, base int64) string {
	v := base | uacNormalAccount
	v &^= uacAccountDisable | uacDontExpirePassword
	if !enabled {
		v |= uacAccountDisable
	}
	if neverExpires {
		v |= uacDontExpirePassword
	}
	return strconv.FormatInt(v, 10)
}

func encrypted(conn *ldap.Conn) bool {
	_, ok := conn.TLSConnectionState()
	return ok
}

// CreateUser creates CN=name under parent with its password and account
// flags in one request (groups are set separately).
func (c *Client) CreateUser(ctx context.Context, parent string, u User, password string) (User, error) {
	dn := Join(RDN("CN", u.Name), parent)
	err := c.do(ctx, func(conn *ldap.Conn) error {
		req := ldap.NewAddRequest(dn, nil)
		req.Attribute("objectClass", []string{"top", "person", "organizationalPerson", "user"})
		req.Attribute("sAMAccountName", []string{u.SAMAccountName})
		addOptional(req, "userPrincipalName", u.UserPrincipalName)
		addOptional(req, "displayName", u.DisplayName)
		addOptional(req, "description", u.Description)
		if password != "" {
			if !encrypted(conn) {
				return ErrNotEncrypted
			}
			req.Attribute("unicodePwd", []string{EncodePassword(password)})
		}
		req.Attribute("userAccountControl", []string{uacFor(u.Enabled, u.PasswordNeverExpires, 0)})
		return conn.Add(req)
	})
	if err != nil {
		return User{}, err
	}
	return readBack(ctx, func() (User, error) { return c.userAt(ctx, dn) })
}

// SetPassword resets a user's password (an administrative reset).
func (c *Client) SetPassword(ctx context.Context, dn, password string) error {
	return c.do(ctx, func(conn *ldap.Conn) error {
		if !encrypted(conn) {
			return ErrNotEncrypted
		}
		req := ldap.NewModifyRequest(dn, nil)
		req.Replace("unicodePwd", []string{EncodePassword(password)})
		return conn.Modify(req)
	})
}

func (c *Client) userAt(ctx context.Context, dn string) (User, error) {
	e, err := c.entryAt(ctx, KindUser, dn, userAttrs)
	if err != nil {
		return User{}, err
	}
	return userFrom(e), nil
}

// GetUser reads a user by GUID.
func (c *Client) GetUser(ctx context.Context, guid string) (User, error) {
	e, err := c.byGUID(ctx, KindUser, guid, userAttrs)
	if err != nil {
		return User{}, err
	}
	return userFrom(e), nil
}

func userFrom(e *ldap.Entry) User {
	uac, _ := strconv.ParseInt(e.GetAttributeValue("userAccountControl"), 10, 64)
	return User{
		GUID: GUIDString(e.GetRawAttributeValue("objectGUID")), DN: e.DN, Name: e.GetAttributeValue("cn"),
		SAMAccountName: e.GetAttributeValue("sAMAccountName"), UserPrincipalName: e.GetAttributeValue("userPrincipalName"),
		DisplayName: e.GetAttributeValue("displayName"), Description: e.GetAttributeValue("description"),
		Enabled: uac&uacAccountDisable == 0, PasswordNeverExpires: uac&uacDontExpirePassword != 0,
		Groups: e.GetAttributeValues("memberOf"),
	}
}

// UpdateUser writes the user's attributes and account flags, keeping the
// userAccountControl bits tenantops does not manage.
func (c *Client) UpdateUser(ctx context.Context, dn string, u User) error {
	want := map[string]string{
		"sAMAccountName": u.SAMAccountName, "userPrincipalName": u.UserPrincipalName,
		"displayName": u.DisplayName, "description": u.Description,
	}
	return c.setAttrs(ctx, dn, KindUser, want, func(e *ldap.Entry, req *ldap.ModifyRequest) error {
		cur := e.GetAttributeValue("userAccountControl")
		n, _ := strconv.ParseInt(cur, 10, 64)
		if v := uacFor(u.Enabled, u.PasswordNeverExpires, n); v != cur {
			req.Replace("userAccountControl", []string{v})
		}
		return nil
	})
}

// SetUserGroups makes the user a direct member of exactly the groups in
// want (DNs), given the groups it is in now.
func (c *Client) SetUserGroups(ctx context.Context, userDN string, have, want []string) error {
	haveN, wantN := normSet(have), normSet(want)
	for _, w := range want {
		if n, _ := NormalizeDN(w); !contains(haveN, n, w) {
			if err := c.AddMember(ctx, w, userDN); err != nil && !errors.Is(err, ErrAlreadyExists) {
				return fmt.Errorf("add to group %q: %w", w, err)
			}
		}
	}
	for _, h := range have {
		if n, _ := NormalizeDN(h); !contains(wantN, n, h) {
			if err := c.RemoveMember(ctx, h, userDN); err != nil {
				return fmt.Errorf("remove from group %q: %w", h, err)
			}
		}
	}
	return nil
}
