package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode"
)

// ErrorSchema is the schema URI of a SCIM error response (RFC 7644 §3.12).
const ErrorSchema = "urn:ietf:params:scim:api:messages:2.0:Error"

// Sentinel errors callers branch on; an *Error matches them with errors.Is.
var (
	ErrNotFound           = errors.New("scim: resource not found")
	ErrPreconditionFailed = errors.New("scim: resource version mismatch (ETag)")
	ErrConflict           = errors.New("scim: conflict")
	ErrNotImplemented     = errors.New("scim: operation not supported by the service provider")
	ErrUnauthorized       = errors.New("scim: not authorized")
)

// Error is a failed SCIM request: the HTTP status plus the service provider's
// own scimType and detail when the body was a SCIM error message.
type Error struct {
	Status   int
	ScimType string
	Detail   string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("HTTP ")
	b.WriteString(strconv.Itoa(e.Status))
	if t := http.StatusText(e.Status); t != "" {
		b.WriteString(" " + t)
	}
	if e.ScimType != "" {
		b.WriteString(" (scimType " + e.ScimType + ")")
	}
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	if e.Status == http.StatusPreconditionFailed {
		b.WriteString(" - the resource was changed by someone else since it was read (ETag mismatch); refresh and plan again")
	}
	return b.String()
}

// Is lets errors.Is(err, ErrNotFound) and friends match by status.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrPreconditionFailed:
		return e.Status == http.StatusPreconditionFailed
	case ErrConflict:
		return e.Status == http.StatusConflict
	case ErrNotImplemented:
		return e.Status == http.StatusNotImplemented || e.Status == http.StatusMethodNotAllowed
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
	}
	return false
}

// maxDetail bounds how much of a non-SCIM body ends up in a diagnostic.
const maxDetail = 512

// ParseError builds an *Error from a response status and body. A SCIM error
// body ({"schemas":[Error], "status":"409", "scimType":..., "detail":...})
// contributes scimType and detail; any other body is kept as trimmed,
// printable text. The status in the body wins over the transport status only
// when the transport status is not itself an error.
func ParseError(status int, body []byte) *Error {
	e := &Error{Status: status}
	var raw struct {
		Schemas  []string        `json:"schemas"`
		ScimType string          `json:"scimType"`
		Detail   string          `json:"detail"`
		Status   json.RawMessage `json:"status"`
	}
	if err := json.Unmarshal(body, &raw); err == nil && (raw.ScimType != "" || raw.Detail != "" || len(raw.Status) > 0 || len(raw.Schemas) > 0) {
		e.ScimType = clean(raw.ScimType, 64)
		e.Detail = clean(raw.Detail, maxDetail)
		if s := parseStatus(raw.Status); s >= 400 && s <= 599 && status < 400 {
			e.Status = s
		}
		return e
	}
	e.Detail = clean(string(body), maxDetail)
	return e
}

// parseStatus accepts the status as the RFC's JSON string or, as some
// providers send it, a number.
func parseStatus(raw json.RawMessage) int {
	if len(raw) == 0 {
		return 0
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		n, _ := strconv.Atoi(strings.TrimSpace(s))
		return n
	}
	var n int
	if json.Unmarshal(raw, &n) == nil {
		return n
	}
	return 0
}

// clean collapses whitespace, drops control characters and truncates.
func clean(s string, limit int) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		if !unicode.IsPrint(r) && r != ' ' {
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > limit {
		cut := limit
		for cut > 0 && !utf8RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// describe is used for wrapping transport-level failures.
func describe(method, path string, err error) error {
	return fmt.Errorf("%s %s: %w", method, path, err)
}
