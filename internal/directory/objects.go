package directory

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/go-ldap/ldap/v3"
)

// Kind selects the object class a lookup accepts.
type Kind string

// The object kinds tenantops manages.
const (
	KindOU    Kind = "organizational unit"
	KindGroup Kind = "group"
	KindUser  Kind = "user"
	KindAny   Kind = "object"
)

func (k Kind) filter() string {
	switch k {
	case KindOU:
		return "(objectClass=organizationalUnit)"
	case KindGroup:
		return "(objectClass=group)"
	case KindAny:
		return "(objectClass=*)"
	default:
		return "(&(objectCategory=person)(objectClass=user))"
	}
}

// userAccountControl bits (MS-ADTS 2.2.16) and groupType bits (2.2.12).
const (
	uacAccountDisable         = 0x2
	uacNormalAccount          = 0x200
	uacDontExpirePassword     = 0x10000
	groupTypeGlobal           = 0x2
	groupTypeDomainLocal      = 0x4
	groupTypeUniversal        = 0x8
	groupTypeSecurityFlag     = 0x80000000
	groupScopeGlobal          = "global"
	groupScopeDomainLocal     = "domain_local"
	groupScopeUniversal       = "universal"
	groupCategorySecurity     = "security"
	groupCategoryDistribution = "distribution"
)

// GroupScopes and GroupCategories are the accepted values.
var (
	GroupScopes     = []string{groupScopeGlobal, groupScopeDomainLocal, groupScopeUniversal}
	GroupCategories = []string{groupCategorySecurity, groupCategoryDistribution}
)

// OU is an organizational unit.
type OU struct {
	GUID, DN, Name, Description string
}

// Group is an AD group. Members are DNs.
type Group struct {
	GUID, DN, Name, SAMAccountName, Description string
	Scope, Category                             string
	Members                                     []string
}

// User is an AD user account. Groups are the DNs of the groups it is a
// direct member of (memberOf, which excludes the primary group).
type User struct {
	GUID, DN, Name, SAMAccountName, UserPrincipalName string
	DisplayName, Description                          string
	Enabled, PasswordNeverExpires                     bool
	Groups                                            []string
}

var (
	ouAttrs    = []string{"objectGUID", "ou", "description"}
	groupAttrs = []string{"objectGUID", "cn", "sAMAccountName", "description", "groupType", "member"}
	userAttrs  = []string{"objectGUID", "cn", "sAMAccountName", "userPrincipalName", "displayName", "description",
		"userAccountControl", "memberOf"}
)

// ---- GUIDs -------------------------------------------------------------

var guidRE = regexp.MustCompile(`^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$`)

// IsGUID reports whether s is a GUID in its usual string form.
func IsGUID(s string) bool { return guidRE.MatchString(s) }

// GUIDString formats a raw objectGUID the way AD tools show it (the first
// three fields are little-endian on the wire).
func GUIDString(b []byte) string {
	if len(b) != 16 {
		return ""
	}
	return fmt.Sprintf("%08x-%04x-%04x-%x-%x",
		binary.LittleEndian.Uint32(b[0:4]), binary.LittleEndian.Uint16(b[4:6]), binary.LittleEndian.Uint16(b[6:8]),
		b[8:10], b[10:16])
}

// GUIDBytes is the inverse of GUIDString.
func GUIDBytes(s string) ([]byte, error) {
	if !IsGUID(s) {
		return nil, fmt.Errorf("%q is not a GUID", s)
	}
	h, err := hex.DecodeString(strings.ReplaceAll(strings.Trim(s, "{}"), "-", ""))
	if err != nil {
		return nil, err
	}
	b := make([]byte, 16)
	binary.LittleEndian.PutUint32(b[0:4], binary.BigEndian.Uint32(h[0:4]))
	binary.LittleEndian.PutUint16(b[4:6], binary.BigEndian.Uint16(h[4:6]))
	binary.LittleEndian.PutUint16(b[6:8], binary.BigEndian.Uint16(h[6:8]))
	copy(b[8:], h[8:])
	return b, nil
}

// ---- generic -------------------------------------------------------------

// byGUID fetches one object of kind by its GUID; ErrNotFound when absent.
func (c *Client) byGUID(ctx context.Context, kind Kind, guid string, attrs []string) (*ldap.Entry, error) {
	raw, err := GUIDBytes(guid)
	if err != nil {
		return nil, err
	}
	base, err := c.BaseDN(ctx)
	if err != nil {
		return nil, err
	}
	entries, err := c.search(ctx, base, ldap.ScopeWholeSubtree,
		"(&"+kind.filter()+"(objectGUID="+EscapeFilterBytes(raw)+"))", attrs)
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("%s %s: %w", kind, guid, ErrNotFound)
	}
	return entries[0], nil
}

// Resolve finds the GUID of an object of kind from an import key: a DN, a
// GUID, a sAMAccountName (optionally DOMAIN\name) or, for users, a
// userPrincipalName.
func (c *Client) Resolve(ctx context.Context, kind Kind, key string) (string, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return "", errors.New("empty key")
	}
	var entries []*ldap.Entry
	var err error
	switch {
	case IsGUID(key):
		var e *ldap.Entry
		if e, err = c.byGUID(ctx, kind, key, []string{"objectGUID"}); err == nil {
			entries = []*ldap.Entry{e}
		}
	case strings.Contains(key, "="):
		if _, perr := ldap.ParseDN(key); perr != nil {
			return "", fmt.Errorf("invalid DN %q: %w", key, perr)
		}
		entries, err = c.search(ctx, key, ldap.ScopeBaseObject, kind.filter(), []string{"objectGUID"})
	case kind == KindOU:
		return "", fmt.Errorf("an %s is found by DN or GUID, not %q", kind, key)
	default:
		base, berr := c.BaseDN(ctx)
		if berr != nil {
			return "", berr
		}
		attr, val := "sAMAccountName", key
		if i := strings.LastIndex(key, `\`); i >= 0 {
			val = key[i+1:]
		} else if kind == KindUser && strings.Contains(key, "@") {
			attr = "userPrincipalName"
		}
		entries, err = c.search(ctx, base, ldap.ScopeWholeSubtree,
			"(&"+kind.filter()+"("+attr+"="+EscapeFilter(val)+"))", []string{"objectGUID"})
	}
	if err != nil {
		return "", err
	}
	switch len(entries) {
	case 0:
		return "", fmt.Errorf("no %s matches %q: %w", kind, key, ErrNotFound)
	case 1:
		return GUIDString(entries[0].GetRawAttributeValue("objectGUID")), nil
	default:
		return "", fmt.Errorf("%d objects match %q", len(entries), key)
	}
}

// MoveRename gives dn a new RDN value (of rdnType) and/or parent, returning
// the new DN.
func (c *Client) MoveRename(ctx context.Context, dn, rdnType, name, parent string) (string, error) {
	rdn := RDN(rdnType, name)
	err := c.do(ctx, func(conn *ldap.Conn) error {
		return conn.ModifyDN(ldap.NewModifyDNRequest(dn, rdn, true, parent))
	})
	if err != nil {
		return "", err
	}
	return Join(rdn, parent), nil
}

// Delete removes dn; with recursive it removes the whole subtree (tree
// delete control). Deleting a non-empty container without recursive fails
// with ErrNotEmpty. A missing object is not an error.
func (c *Client) Delete(ctx context.Context, dn string, recursive bool) error {
	err := c.do(ctx, func(conn *ldap.Conn) error {
		req := ldap.NewDelRequest(dn, nil)
		if recursive {
			req.Controls = []ldap.Control{ldap.NewControlSubtreeDelete()}
		}
		return conn.Del(req)
	})
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// setAttrs writes the single-valued string attributes in want whose value
// differs from what dn holds now; an empty value removes the attribute.
// Only changed attributes are sent: AD refuses to clear an absent one.
func (c *Client) setAttrs(ctx context.Context, dn string, kind Kind, want map[string]string, extra func(*ldap.Entry, *ldap.ModifyRequest) error) error {
	return c.do(ctx, func(conn *ldap.Conn) error {
		attrs := []string{"userAccountControl"}
		for k := range want {
			attrs = append(attrs, k)
		}
		res, err := conn.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false,
			kind.filter(), attrs, nil))
		if err != nil {
			return err
		}
		if len(res.Entries) == 0 {
			return fmt.Errorf("%s %q: %w", kind, dn, ErrNotFound)
		}
		e := res.Entries[0]
		req := ldap.NewModifyRequest(dn, nil)
		for k, v := range want {
			cur := e.GetAttributeValue(k)
			switch {
			case cur == v:
			case v == "":
				req.Delete(k, nil)
			default:
				req.Replace(k, []string{v})
			}
		}
		if extra != nil {
			if err := extra(e, req); err != nil {
				return err
			}
		}
		if len(req.Changes) == 0 {
			return nil
		}
		return conn.Modify(req)
	})
}

func addOptional(req *ldap.AddRequest, attr, v string) {
	if v != "" {
		req.Attribute(attr, []string{v})
	}
}

// ---- OUs -----------------------------------------------------------------

// CreateOU creates OU=name under parent and returns it with its GUID.
func (c *Client) CreateOU(ctx context.Context, parent string, ou OU) (OU, error) {
	dn := Join(RDN("OU", ou.Name), parent)
	err := c.do(ctx, func(conn *ldap.Conn) error {
		req := ldap.NewAddRequest(dn, nil)
		req.Attribute("objectClass", []string{"top", "organizationalUnit"})
		addOptional(req, "description", ou.Description)
		return conn.Add(req)
	})
	if err != nil {
		return OU{}, err
	}
	return readBack(ctx, func() (OU, error) { return c.ouAt(ctx, dn) })
}

// readBack reads an object the directory has just added. The add went
// through, so a dropped connection now must not fail the create (that
// would leave an object no state records): the read is asked again, on a
// fresh connection, for up to about 4 s.
func readBack[T any](ctx context.Context, read func() (T, error)) (T, error) {
	wait := 250 * time.Millisecond
	for attempt := 0; ; attempt++ {
		v, err := read()
		if err == nil || attempt >= 4 || !transportError(err) {
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// transportError tells a lost or refused connection from an answer.
func transportError(err error) bool {
	var own *Error
	if errors.As(err, &own) {
		switch own.Code {
		case ldap.ErrorNetwork, ldap.LDAPResultServerDown, ldap.LDAPResultUnavailable, ldap.LDAPResultBusy:
			return true
		}
	}
	if ldap.IsErrorAnyOf(err, ldap.ErrorNetwork, ldap.LDAPResultServerDown, ldap.LDAPResultUnavailable, ldap.LDAPResultBusy) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}

func (c *Client) ouAt(ctx context.Context, dn string) (OU, error) {
	entries, err := c.search(ctx, dn, ldap.ScopeBaseObject, KindOU.filter(), ouAttrs)
	if err != nil {
		return OU{}, err
	}
	if len(entries) == 0 {
		return OU{}, fmt.Errorf("%s %q: %w", KindOU, dn, ErrNotFound)
	}
	return ouFrom(entries[0]), nil
}

// GetOU reads an OU by GUID.
func (c *Client) GetOU(ctx context.Context, guid string) (OU, error) {
	e, err := c.byGUID(ctx, KindOU, guid, ouAttrs)
	if err != nil {
		return OU{}, err
	}
	return ouFrom(e), nil
}

func ouFrom(e *ldap.Entry) OU {
	return OU{
		GUID: GUIDString(e.GetRawAttributeValue("objectGUID")), DN: e.DN,
		Name: e.GetAttributeValue("ou"), Description: e.GetAttributeValue("description"),
	}
}

// SetOUDescription replaces (or clears) the description.
func (c *Client) SetOUDescription(ctx context.Context, dn, description string) error {
	return c.setAttrs(ctx, dn, KindOU, map[string]string{"description": description}, nil)
}

// ---- groups --------------------------------------------------------------

// GroupType encodes scope and category as AD's signed 32-bit groupType.
func GroupType(scope, category string) (string, error) {
	var v uint32
	switch scope {
	case groupScopeGlobal:
		v = groupTypeGlobal
	case groupScopeDomainLocal:
		v = groupTypeDomainLocal
	case groupScopeUniversal:
		v = groupTypeUniversal
	default:
		return "", fmt.Errorf("unknown group scope %q", scope)
	}
	switch category {
	case groupCategorySecurity:
		v |= groupTypeSecurityFlag
	case groupCategoryDistribution:
	default:
		return "", fmt.Errorf("unknown group category %q", category)
	}
	return strconv.FormatInt(int64(int32(v)), 10), nil
}

// ParseGroupType is the inverse of GroupType.
func ParseGroupType(s string) (scope, category string, err error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return "", "", fmt.Errorf("groupType %q: %w", s, err)
	}
	v := uint32(n)
	switch {
	case v&groupTypeGlobal != 0:
		scope = groupScopeGlobal
	case v&groupTypeDomainLocal != 0:
		scope = groupScopeDomainLocal
	case v&groupTypeUniversal != 0:
		scope = groupScopeUniversal
	default:
		return "", "", fmt.Errorf("groupType %q has no known scope", s)
	}
	category = groupCategoryDistribution
	if v&groupTypeSecurityFlag != 0 {
		category = groupCategorySecurity
	}
	return scope, category, nil
}

// CreateGroup creates CN=name under parent (members are set separately).
func (c *Client) CreateGroup(ctx context.Context, parent string, g Group) (Group, error) {
	gt, err := GroupType(g.Scope, g.Category)
	if err != nil {
		return Group{}, err
	}
	dn := Join(RDN("CN", g.Name), parent)
	err = c.do(ctx, func(conn *ldap.Conn) error {
		req := ldap.NewAddRequest(dn, nil)
		req.Attribute("objectClass", []string{"top", "group"})
		req.Attribute("groupType", []string{gt})
		addOptional(req, "sAMAccountName", g.SAMAccountName)
		addOptional(req, "description", g.Description)
		return conn.Add(req)
	})
	if err != nil {
		return Group{}, err
	}
	return readBack(ctx, func() (Group, error) { return c.groupAt(ctx, dn) })
}

func (c *Client) groupAt(ctx context.Context, dn string) (Group, error) {
	entries, err := c.search(ctx, dn, ldap.ScopeBaseObject, KindGroup.filter(), groupAttrs)
	if err != nil {
		return Group{}, err
	}
	if len(entries) == 0 {
		return Group{}, fmt.Errorf("%s %q: %w", KindGroup, dn, ErrNotFound)
	}
	return groupFrom(entries[0])
}

// GetGroup reads a group by GUID.
func (c *Client) GetGroup(ctx context.Context, guid string) (Group, error) {
	e, err := c.byGUID(ctx, KindGroup, guid, groupAttrs)
	if err != nil {
		return Group{}, err
	}
	return groupFrom(e)
}

func groupFrom(e *ldap.Entry) (Group, error) {
	scope, cat, err := ParseGroupType(e.GetAttributeValue("groupType"))
	if err != nil {
		return Group{}, err
	}
	return Group{
		GUID: GUIDString(e.GetRawAttributeValue("objectGUID")), DN: e.DN, Name: e.GetAttributeValue("cn"),
		SAMAccountName: e.GetAttributeValue("sAMAccountName"), Description: e.GetAttributeValue("description"),
		Scope: scope, Category: cat, Members: e.GetAttributeValues("member"),
	}, nil
}

// UpdateGroup writes sAMAccountName, description and groupType.
func (c *Client) UpdateGroup(ctx context.Context, dn string, g Group) error {
	gt, err := GroupType(g.Scope, g.Category)
	if err != nil {
		return err
	}
	attrs := map[string]string{"description": g.Description, "groupType": gt}
	if g.SAMAccountName != "" {
		attrs["sAMAccountName"] = g.SAMAccountName
	}
	return c.setAttrs(ctx, dn, KindGroup, attrs, nil)
}

// SetMembers makes the group's direct members exactly want (DNs compared
// case- and spacing-insensitively), adding and removing only the difference.
func (c *Client) SetMembers(ctx context.Context, groupDN string, have, want []string) error {
	haveN, wantN := normSet(have), normSet(want)
	var add, del []string
	for _, w := range want {
		if n, _ := NormalizeDN(w); !contains(haveN, n, w) {
			add = append(add, w)
		}
	}
	for _, h := range have {
		if n, _ := NormalizeDN(h); !contains(wantN, n, h) {
			del = append(del, h)
		}
	}
	if len(add) == 0 && len(del) == 0 {
		return nil
	}
	return c.do(ctx, func(conn *ldap.Conn) error {
		req := ldap.NewModifyRequest(groupDN, nil)
		if len(add) > 0 {
			req.Add("member", add)
		}
		if len(del) > 0 {
			req.Delete("member", del)
		}
		return conn.Modify(req)
	})
}

func contains(set map[string]struct{}, norm, raw string) bool {
	if norm == "" {
		norm = raw
	}
	_, ok := set[norm]
	return ok
}

// AddMember adds one member DN to a group; ErrAlreadyExists if it is one.
func (c *Client) AddMember(ctx context.Context, groupDN, memberDN string) error {
	return c.do(ctx, func(conn *ldap.Conn) error {
		req := ldap.NewModifyRequest(groupDN, nil)
		req.Add("member", []string{memberDN})
		return conn.Modify(req)
	})
}

// RemoveMember removes one member DN; removing a non-member is not an error.
func (c *Client) RemoveMember(ctx context.Context, groupDN, memberDN string) error {
	err := c.do(ctx, func(conn *ldap.Conn) error {
		req := ldap.NewModifyRequest(groupDN, nil)
		req.Delete("member", []string{memberDN})
		return conn.Modify(req)
	})
	var le *Error
	if errors.As(err, &le) && (le.Code == ldap.LDAPResultNoSuchAttribute || le.Code == ldap.LDAPResultUnwillingToPerform) {
		return nil
	}
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// ---- users ---------------------------------------------------------------

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
	entries, err := c.search(ctx, dn, ldap.ScopeBaseObject, KindUser.filter(), userAttrs)
	if err != nil {
		return User{}, err
	}
	if len(entries) == 0 {
		return User{}, fmt.Errorf("%s %q: %w", KindUser, dn, ErrNotFound)
	}
	return userFrom(entries[0]), nil
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

// Subtree lists the DNs of every object below base (not base itself), so
// tests and tools can check that nothing was left behind.
func (c *Client) Subtree(ctx context.Context, base string) ([]string, error) {
	entries, err := c.search(ctx, base, ldap.ScopeWholeSubtree, "(objectClass=*)", []string{"1.1"})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if !EqualDN(e.DN, base) {
			out = append(out, e.DN)
		}
	}
	return out, nil
}

// DNOf returns the current DN of any object by GUID.
func (c *Client) DNOf(ctx context.Context, guid string) (string, error) {
	e, err := c.byGUID(ctx, KindAny, guid, []string{"1.1"})
	if err != nil {
		return "", err
	}
	return e.DN, nil
}

// DeleteByGUID deletes the object with that GUID wherever it is now (it may
// have been moved outside Terraform) and returns the DN it had. A missing
// object is not an error.
func (c *Client) DeleteByGUID(ctx context.Context, guid string, recursive bool) (string, error) {
	dn, err := c.DNOf(ctx, guid)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return dn, c.Delete(ctx, dn, recursive)
}
