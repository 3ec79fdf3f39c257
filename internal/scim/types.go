package scim

import "time"

// Schema URIs the client speaks.
const (
	UserSchema       = "urn:ietf:params:scim:schemas:core:2.0:User"
	GroupSchema      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	EnterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	PatchOpSchema    = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
)

// Meta is the read-only resource metadata.
type Meta struct {
	ResourceType string     `json:"resourceType,omitempty"`
	Created      *time.Time `json:"created,omitempty"`
	LastModified *time.Time `json:"lastModified,omitempty"`
	Location     string     `json:"location,omitempty"`
	Version      string     `json:"version,omitempty"`
}

// Name holds the components of a user's name.
type Name struct {
	Formatted  string `json:"formatted,omitempty"`
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
}

// Email is one entry of a user's emails.
type Email struct {
	Value   string `json:"value"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

// Manager references another user by id.
type Manager struct {
	Value       string `json:"value,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
}

// EnterpriseUser is the enterprise extension of a user (RFC 7643 §4.3).
type EnterpriseUser struct {
	EmployeeNumber string   `json:"employeeNumber,omitempty"`
	CostCenter     string   `json:"costCenter,omitempty"`
	Organization   string   `json:"organization,omitempty"`
	Division       string   `json:"division,omitempty"`
	Department     string   `json:"department,omitempty"`
	Manager        *Manager `json:"manager,omitempty"`
}

// IsZero reports whether no enterprise attribute is set.
func (e *EnterpriseUser) IsZero() bool {
	return e == nil || (e.EmployeeNumber == "" && e.CostCenter == "" && e.Organization == "" &&
		e.Division == "" && e.Department == "" && (e.Manager == nil || e.Manager.Value == ""))
}

// User is a SCIM user with the attributes tenantops manages.
type User struct {
	Schemas     []string        `json:"schemas,omitempty"`
	ID          string          `json:"id,omitempty"`
	ExternalID  string          `json:"externalId,omitempty"`
	UserName    string          `json:"userName"`
	Name        *Name           `json:"name,omitempty"`
	DisplayName string          `json:"displayName,omitempty"`
	Emails      []Email         `json:"emails,omitempty"`
	Active      *bool           `json:"active,omitempty"`
	Enterprise  *EnterpriseUser `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,omitempty"`
	Meta        *Meta           `json:"meta,omitempty"`
}

// Member is one entry of a group's members.
type Member struct {
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
	Type    string `json:"type,omitempty"`
}

// Group is a SCIM group.
type Group struct {
	Schemas     []string `json:"schemas,omitempty"`
	ID          string   `json:"id,omitempty"`
	ExternalID  string   `json:"externalId,omitempty"`
	DisplayName string   `json:"displayName"`
	Members     []Member `json:"members,omitempty"`
	Meta        *Meta    `json:"meta,omitempty"`
}

// Version returns meta.version, or "".
func (u *User) Version() string {
	if u == nil || u.Meta == nil {
		return ""
	}
	return u.Meta.Version
}

// Version returns meta.version, or "".
func (g *Group) Version() string {
	if g == nil || g.Meta == nil {
		return ""
	}
	return g.Meta.Version
}

// HasMember reports whether id is a member of g.
func (g *Group) HasMember(id string) bool {
	for _, m := range g.Members {
		if m.Value == id {
			return true
		}
	}
	return false
}

// listResponse is the ListResponse envelope of a query.
type listResponse[T any] struct {
	TotalResults int `json:"totalResults"`
	StartIndex   int `json:"startIndex"`
	ItemsPerPage int `json:"itemsPerPage"`
	Resources    []T `json:"Resources"`
}
