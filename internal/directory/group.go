package directory

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/go-ldap/ldap/v3"
)

// GroupScopes and GroupCategories are the accepted values.
var (
	GroupScopes     = []string{groupScopeGlobal, groupScopeDomainLocal, groupScopeUniversal}
	GroupCategories = []string{groupCategorySecurity, groupCategoryDistribution}
)

// Group is an AD group. Members are DNs.
type Group struct {
	GUID, DN, Name, SAMAccountName, Description string
	Scope, Category                             string
	Members                                     []string
}

var groupAttrs = []string{"objectGUID", "cn", "sAMAccountName", "description", "groupType", "member"}

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
	e, err := c.entryAt(ctx, KindGroup, dn, groupAttrs)
	if err != nil {
		return Group{}, err
	}
	return groupFrom(e)
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
