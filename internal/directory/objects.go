package directory

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

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

// entryAt reads the object of kind at dn; ErrNotFound when there is none.
func (c *Client) entryAt(ctx context.Context, kind Kind, dn string, attrs []string) (*ldap.Entry, error) {
	entries, err := c.search(ctx, dn, ldap.ScopeBaseObject, kind.filter(), attrs)
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("%s %q: %w", kind, dn, ErrNotFound)
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
