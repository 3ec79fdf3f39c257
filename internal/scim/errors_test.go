package scim

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseError(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		want     Error
		sentinel error
	}{
		{"rfc body", 409, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"scimType":"uniqueness","detail":"userName taken","status":"409"}`,
			Error{Status: 409, ScimType: "uniqueness", Detail: "userName taken"}, ErrConflict},
		{"numeric status", 400, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"bad","status":400}`,
			Error{Status: 400, Detail: "bad"}, nil},
		{"precondition", 412, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"version mismatch","status":"412"}`,
			Error{Status: 412, Detail: "version mismatch"}, ErrPreconditionFailed},
		{"not found", 404, `{"detail":"Resource u-1 not found.","status":"404"}`,
			Error{Status: 404, Detail: "Resource u-1 not found."}, ErrNotFound},
		{"plain text", 502, "Bad Gateway\n\n  upstream down", Error{Status: 502, Detail: "Bad Gateway upstream down"}, nil},
		{"html", 503, "<html><body>maintenance</body></html>", Error{Status: 503, Detail: "<html><body>maintenance</body></html>"}, nil},
		{"empty", 500, "", Error{Status: 500}, nil},
		{"not implemented", 501, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"501","detail":"no PATCH"}`,
			Error{Status: 501, Detail: "no PATCH"}, ErrNotImplemented},
		{"control chars stripped", 400, "{\"detail\":\"a\\u0000b\\u001bc\",\"status\":\"400\"}", Error{Status: 400, Detail: "abc"}, nil},
		{"json array is text", 400, `[1,2]`, Error{Status: 400, Detail: "[1,2]"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseError(tt.status, []byte(tt.body))
			if *got != tt.want {
				t.Fatalf("ParseError = %+v, want %+v", *got, tt.want)
			}
			if tt.sentinel != nil && !errors.Is(got, tt.sentinel) {
				t.Fatalf("errors.Is(%v, %v) = false", got, tt.sentinel)
			}
		})
	}
}

func TestParseErrorTruncatesLongBodies(t *testing.T) {
	got := ParseError(500, []byte(strings.Repeat("é", 2000)))
	if len(got.Detail) > maxDetail+len("…") || !utf8.ValidString(got.Detail) {
		t.Fatalf("detail not truncated on a rune boundary: %d bytes", len(got.Detail))
	}
}

func TestErrorMessage(t *testing.T) {
	e := &Error{Status: 409, ScimType: "uniqueness", Detail: "userName taken"}
	if got, want := e.Error(), "HTTP 409 Conflict (scimType uniqueness): userName taken"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	if !strings.Contains((&Error{Status: 412}).Error(), "ETag mismatch") {
		t.Fatal("412 message does not explain the ETag conflict")
	}
}

func FuzzParseError(f *testing.F) {
	seeds := []struct {
		status int
		body   string
	}{
		{409, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"scimType":"uniqueness","detail":"taken","status":"409"}`},
		{400, `{"status":400,"detail":"x"}`},
		{412, `{"status":"412"}`},
		{500, `not json at all`},
		{200, `{"status":"404","detail":"status only in body"}`},
		{429, ``},
		{400, `{"detail":"\u0000\u001b[31mred"}`},
		{400, `{"scimType":123}`},
		{502, "\xff\xfe\xfd"},
	}
	for _, s := range seeds {
		f.Add(s.status, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := ParseError(status, body)
		if e == nil {
			t.Fatal("nil error")
		}
		msg := e.Error()
		if strings.ContainsAny(msg, "\n\r\x00") {
			t.Fatalf("message carries control characters: %q", msg)
		}
		if len(e.Detail) > maxDetail+len("…") {
			t.Fatalf("detail too long: %d", len(e.Detail))
		}
		if status >= 400 && e.Status != status {
			t.Fatalf("transport status %d replaced by %d", status, e.Status)
		}
	})
}
