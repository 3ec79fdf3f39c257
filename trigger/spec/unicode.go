package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// unicodeErrors reports every string of body that PostgreSQL's jsonb would
// refuse, by the path of the field holding it. Go's decoder turns invalid
// UTF-8 and a lone surrogate escape into U+FFFD without a word, so the
// decoded event cannot tell: the raw bytes of each string are read instead,
// all of them (a duplicate key's dropped value is parsed by PostgreSQL too).
// body is a document the strict decoder has accepted.
func unicodeErrors(body []byte) Errors {
	var errs Errors
	w := walker{}
	dec := json.NewDecoder(bytes.NewReader(body))
	prev := dec.InputOffset()
	for {
		tok, err := dec.Token()
		if err != nil {
			return errs
		}
		end := dec.InputOffset()
		seg := body[prev:end]
		prev = end
		field := w.step(tok)
		if _, ok := tok.(string); !ok {
			continue
		}
		// seg is the token with what precedes it (blanks, ':' or ','):
		// the raw string starts at its first quote.
		if q := bytes.IndexByte(seg, '"'); q >= 0 && len(seg)-q >= 2 {
			if msg := stringProblem(seg[q+1 : len(seg)-1]); msg != "" {
				if field == "" {
					field = "body"
				}
				errs = append(errs, FieldError{Field: field, Message: msg})
			}
		}
	}
}

// walker follows the decoder's tokens and knows the path of the current
// value ("tenant.admins[0].email").
type walker struct{ stack []*frame }

type frame struct {
	object  bool
	wantKey bool
	key     string
	index   int
}

// step consumes one token and returns the path of the key or value it is.
func (w *walker) step(tok json.Token) string {
	top := w.top()
	if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
		w.stack = w.stack[:len(w.stack)-1]
		w.valueDone()
		return w.path()
	}
	if top != nil && top.object && top.wantKey {
		top.key, _ = tok.(string)
		top.wantKey = false
		return w.path()
	}
	if top != nil && !top.object {
		top.index++
	}
	p := w.path()
	if d, ok := tok.(json.Delim); ok {
		w.stack = append(w.stack, &frame{object: d == '{', wantKey: d == '{', index: -1})
		return p
	}
	w.valueDone()
	return p
}

func (w *walker) top() *frame {
	if len(w.stack) == 0 {
		return nil
	}
	return w.stack[len(w.stack)-1]
}

// valueDone notes that the current object member has its value.
func (w *walker) valueDone() {
	if top := w.top(); top != nil && top.object {
		top.wantKey = true
	}
}

func (w *walker) path() string {
	var b strings.Builder
	for _, f := range w.stack {
		switch {
		case f.object && f.key != "":
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(f.key)
		case !f.object && f.index >= 0:
			fmt.Fprintf(&b, "[%d]", f.index)
		}
	}
	return b.String()
}

// stringProblem says what is wrong with the raw bytes of a JSON string
// (between its quotes, escapes as sent), or "" when nothing is.
func stringProblem(raw []byte) string {
	if !utf8.Valid(raw) {
		return "must be valid Unicode: the string holds bytes that are not UTF-8"
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		i++
		if i >= len(raw) || raw[i] != 'u' {
			continue
		}
		r, ok := hex4(raw[i+1:])
		if !ok {
			return "must be valid Unicode: malformed \\u escape"
		}
		i += 4
		switch {
		case r == 0:
			return `must not contain \u0000 (NUL)`
		case r >= 0xD800 && r < 0xDC00:
			// A high surrogate must be followed by a low one.
			if i+2 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
				if lo, ok := hex4(raw[i+3:]); ok && utf16.DecodeRune(r, lo) != utf8.RuneError {
					i += 6
					continue
				}
			}
			return fmt.Sprintf(`must be valid Unicode: lone surrogate \u%04x`, r)
		case r >= 0xDC00 && r < 0xE000:
			return fmt.Sprintf(`must be valid Unicode: lone surrogate \u%04x`, r)
		}
	}
	return ""
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[:4]), 16, 32)
	return rune(n), err == nil
}
