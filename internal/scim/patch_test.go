package scim

import (
	"encoding/json"
	"testing"
)

func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{`alice@acme.example`, `"alice@acme.example"`},
		{`o"brien`, `"o\"brien"`},
		{`dom\user`, `"dom\\user"`},
		{`a\"b`, `"a\\\"b"`},
		{"tab\there", `"tab\u0009here"`},
		{"esc\x1b", `"esc\u001B"`},
		{"ünïcödé/ok", `"ünïcödé/ok"`},
		{"", `""`},
	}
	for _, tt := range tests {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q) = %s, want %s", tt.in, got, tt.want)
		}
		// The literal must decode back to the input under JSON string rules.
		var back string
		if err := json.Unmarshal([]byte(Quote(tt.in)), &back); err != nil || back != tt.in {
			t.Errorf("Quote(%q) does not round-trip: %q, %v", tt.in, back, err)
		}
	}
	if got, want := Filter("userName", `x"y`), `userName eq "x\"y"`; got != want {
		t.Errorf("Filter = %s, want %s", got, want)
	}
}

func TestUserPatch(t *testing.T) {
	yes, no := true, false
	base := func() *User {
		return &User{
			ID: "u1", UserName: "alice", DisplayName: "Alice", ExternalID: "e1",
			Name:       &Name{GivenName: "Alice", FamilyName: "Doe"},
			Emails:     []Email{{Value: "a@x", Type: "work", Primary: true}},
			Active:     &yes,
			Enterprise: &EnterpriseUser{Department: "Ops", Manager: &Manager{Value: "m1"}},
		}
	}
	tests := []struct {
		name   string
		change func(u *User)
		want   string
	}{
		{"no change", func(*User) {}, `null`},
		{"display name", func(u *User) { u.DisplayName = "Al" },
			`[{"op":"replace","path":"displayName","value":"Al"}]`},
		{"clear external id", func(u *User) { u.ExternalID = "" },
			`[{"op":"remove","path":"externalId"}]`},
		{"family name", func(u *User) { u.Name.FamilyName = "Roe" },
			`[{"op":"replace","path":"name.familyName","value":"Roe"}]`},
		{"deactivate", func(u *User) { u.Active = &no },
			`[{"op":"replace","path":"active","value":false}]`},
		{"emails", func(u *User) { u.Emails = append(u.Emails, Email{Value: "b@x", Type: "home"}) },
			`[{"op":"replace","path":"emails","value":[{"value":"a@x","type":"work","primary":true},{"value":"b@x","type":"home"}]}]`},
		{"drop emails", func(u *User) { u.Emails = nil },
			`[{"op":"remove","path":"emails"}]`},
		{"department and manager", func(u *User) { u.Enterprise.Department = "Sec"; u.Enterprise.Manager = &Manager{Value: "m2"} },
			`[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Sec"},` +
				`{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":"m2"}}]`},
		{"drop enterprise", func(u *User) { u.Enterprise = nil },
			`[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"},` +
				`{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := base()
			tt.change(n)
			b, _ := json.Marshal(UserPatch(base(), n))
			if string(b) != tt.want {
				t.Fatalf("ops = %s\nwant  %s", b, tt.want)
			}
		})
	}
}

func TestMemberPatch(t *testing.T) {
	b, _ := json.Marshal(NewPatch(MemberPatch([]string{"u1", "u2"}, []string{`we"ird`})...))
	want := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` +
		`{"op":"add","path":"members","value":[{"value":"u1"},{"value":"u2"}]},` +
		`{"op":"remove","path":"members[value eq \"we\\\"ird\"]"}]}`
	if string(b) != want {
		t.Fatalf("patch = %s\nwant    %s", b, want)
	}
}

func TestDiffMembers(t *testing.T) {
	add, rm := diffMembers([]Member{{Value: "a"}, {Value: "b"}}, []Member{{Value: "b"}, {Value: "c"}, {Value: "c"}})
	if len(add) != 1 || add[0] != "c" || len(rm) != 1 || rm[0] != "a" {
		t.Fatalf("add=%v rm=%v", add, rm)
	}
}
