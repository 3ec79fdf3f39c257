package directory

import (
	"context"

	"github.com/go-ldap/ldap/v3"
)

// OU is an organizational unit.
type OU struct {
	GUID, DN, Name, Description string
}

var ouAttrs = []string{"objectGUID", "ou", "description"}

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

func (c *Client) ouAt(ctx context.Context, dn string) (OU, error) {
	e, err := c.entryAt(ctx, KindOU, dn, ouAttrs)
	if err != nil {
		return OU{}, err
	}
	return ouFrom(e), nil
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
