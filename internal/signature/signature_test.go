package signature

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	key := []byte("k1")
	body := []byte(`{"event_id":"e1"}`)
	good := Sign(key, body, now)

	cases := []struct {
		name   string
		header string
		body   []byte
		at     time.Time
		keys   [][]byte
		want   error
	}{
		{"valid", good, body, now, [][]byte{key}, nil},
		{"valid during rotation", good, body, now, [][]byte{[]byte("new"), key}, nil},
		{"wrong key", good, body, now, [][]byte{[]byte("k2")}, ErrMismatch},
		{"tampered body", good, []byte(`{"event_id":"e2"}`), now, [][]byte{key}, ErrMismatch},
		{"stale", good, body, now.Add(6 * time.Minute), [][]byte{key}, ErrStale},
		{"from the future", good, body, now.Add(-6 * time.Minute), [][]byte{key}, ErrStale},
		{"missing", "", body, now, [][]byte{key}, ErrMissing},
		{"no timestamp", "v1=" + strings.Repeat("00", 32), body, now, [][]byte{key}, ErrMalformed},
		{"short mac", "t=1800000000,v1=abcd", body, now, [][]byte{key}, ErrMalformed},
		{"not hex", "t=1800000000,v1=" + strings.Repeat("zz", 32), body, now, [][]byte{key}, ErrMalformed},
		{"garbage", "hello", body, now, [][]byte{key}, ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Verify(c.header, c.body, c.at, DefaultTolerance, c.keys...)
			if !errors.Is(err, c.want) {
				t.Fatalf("Verify: got %v, want %v", err, c.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add("t=1800000000,v1=" + strings.Repeat("ab", 32))
	f.Add("t=,v1=")
	f.Add("v1=00,t=1,v0=zz,,")
	f.Fuzz(func(t *testing.T, h string) {
		p, err := Parse(h)
		if err == nil && (p.Timestamp <= 0 || len(p.Signatures) == 0) {
			t.Fatalf("accepted incomplete header %q", h)
		}
	})
}
