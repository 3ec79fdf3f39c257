package scim

import (
	"reflect"
	"strings"
)

// PatchOperation is one operation of a PatchOp request (RFC 7644 §3.5.2).
type PatchOperation struct {
	Op    string `json:"op"`
	Path  string `json:"path,omitempty"`
	Value any    `json:"value,omitempty"`
}

// PatchRequest is the body of a PATCH request.
type PatchRequest struct {
	Schemas    []string         `json:"schemas"`
	Operations []PatchOperation `json:"Operations"`
}

// NewPatch wraps operations in a PatchOp message.
func NewPatch(ops ...PatchOperation) PatchRequest {
	return PatchRequest{Schemas: []string{PatchOpSchema}, Operations: ops}
}

// Filter returns the filter expression `attr eq "value"` with value quoted
// and escaped per the SCIM filter grammar (RFC 7644 §3.4.2.2, JSON string
// rules): quotes and backslashes are escaped and control characters become
// \uXXXX with upper-case hex digits, which every grammar accepts.
func Filter(attr, value string) string {
	return attr + " eq " + Quote(value)
}

// Quote renders s as a SCIM filter string literal.
func Quote(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\u00`)
			b.WriteByte(hex[r>>4])
			b.WriteByte(hex[r&0xF])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// UserPatch returns the operations that turn old into new. Attributes are
// addressed by path so that attributes tenantops does not manage are left
// alone; a cleared attribute becomes a "remove".
func UserPatch(old, new *User) []PatchOperation {
	var ops []PatchOperation
	str := func(path, o, n string) {
		switch {
		case o == n:
		case n == "":
			ops = append(ops, PatchOperation{Op: "remove", Path: path})
		default:
			ops = append(ops, PatchOperation{Op: "replace", Path: path, Value: n})
		}
	}
	str("userName", old.UserName, new.UserName)
	str("externalId", old.ExternalID, new.ExternalID)
	str("displayName", old.DisplayName, new.DisplayName)

	on, nn := nameOrZero(old.Name), nameOrZero(new.Name)
	str("name.givenName", on.GivenName, nn.GivenName)
	str("name.familyName", on.FamilyName, nn.FamilyName)
	str("name.formatted", on.Formatted, nn.Formatted)

	if !reflect.DeepEqual(normEmails(old.Emails), normEmails(new.Emails)) {
		if len(new.Emails) == 0 {
			ops = append(ops, PatchOperation{Op: "remove", Path: "emails"})
		} else {
			ops = append(ops, PatchOperation{Op: "replace", Path: "emails", Value: new.Emails})
		}
	}
	oa, na := old.Active, new.Active
	if na != nil && (oa == nil || *oa != *na) {
		ops = append(ops, PatchOperation{Op: "replace", Path: "active", Value: *na})
	}

	oe, ne := entOrZero(old.Enterprise), entOrZero(new.Enterprise)
	ext := EnterpriseSchema + ":"
	str(ext+"employeeNumber", oe.EmployeeNumber, ne.EmployeeNumber)
	str(ext+"costCenter", oe.CostCenter, ne.CostCenter)
	str(ext+"organization", oe.Organization, ne.Organization)
	str(ext+"division", oe.Division, ne.Division)
	str(ext+"department", oe.Department, ne.Department)
	om, nm := managerID(oe.Manager), managerID(ne.Manager)
	switch {
	case om == nm:
	case nm == "":
		ops = append(ops, PatchOperation{Op: "remove", Path: ext + "manager"})
	default:
		ops = append(ops, PatchOperation{Op: "replace", Path: ext + "manager", Value: map[string]any{"value": nm}})
	}
	return ops
}

// MemberPatch returns the operations that add and remove the given member ids.
func MemberPatch(add, remove []string) []PatchOperation {
	var ops []PatchOperation
	if len(add) > 0 {
		vals := make([]map[string]string, 0, len(add))
		for _, id := range add {
			vals = append(vals, map[string]string{"value": id})
		}
		ops = append(ops, PatchOperation{Op: "add", Path: "members", Value: vals})
	}
	for _, id := range remove {
		ops = append(ops, PatchOperation{Op: "remove", Path: "members[value eq " + Quote(id) + "]"})
	}
	return ops
}

func nameOrZero(n *Name) Name {
	if n == nil {
		return Name{}
	}
	return *n
}

func entOrZero(e *EnterpriseUser) EnterpriseUser {
	if e == nil {
		return EnterpriseUser{}
	}
	return *e
}

func managerID(m *Manager) string {
	if m == nil {
		return ""
	}
	return m.Value
}

func normEmails(e []Email) []Email {
	if len(e) == 0 {
		return nil
	}
	return e
}
