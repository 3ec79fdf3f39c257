// Package signature signs and verifies tenantops webhook and callback
// bodies: X-Tenantops-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
// "<t>.<raw body>">. Several v1 values may be present (secret rotation);
// one match is enough.
package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Header is the HTTP header that carries the signature.
const Header = "X-Tenantops-Signature"

// DefaultTolerance is the allowed clock skew between signer and verifier.
const DefaultTolerance = 5 * time.Minute

// Sentinel errors callers branch on.
var (
	ErrMissing   = errors.New("signature header missing")
	ErrMalformed = errors.New("signature header malformed")
	ErrStale     = errors.New("signature timestamp outside the allowed window")
	ErrMismatch  = errors.New("signature does not match")
)

// Sign returns the header value for body at time now.
func Sign(secret []byte, body []byte, now time.Time) string {
	ts := strconv.FormatInt(now.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Parsed is a decoded header.
type Parsed struct {
	Timestamp  int64
	Signatures [][]byte
}

// Parse decodes a header value without checking it.
func Parse(header string) (Parsed, error) {
	var p Parsed
	if strings.TrimSpace(header) == "" {
		return p, ErrMissing
	}
	if len(header) > 4096 {
		return p, fmt.Errorf("%w: too long", ErrMalformed)
	}
	haveT := false
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return p, fmt.Errorf("%w: %q is not key=value", ErrMalformed, part)
		}
		switch k {
		case "t":
			ts, err := strconv.ParseInt(v, 10, 64)
			if err != nil || ts <= 0 {
				return p, fmt.Errorf("%w: bad timestamp", ErrMalformed)
			}
			p.Timestamp, haveT = ts, true
		case "v1":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != sha256.Size {
				return p, fmt.Errorf("%w: v1 must be %d hex characters", ErrMalformed, 2*sha256.Size)
			}
			p.Signatures = append(p.Signatures, b)
		default:
			// Unknown schemes are ignored so the scheme can grow.
		}
	}
	if !haveT {
		return p, fmt.Errorf("%w: no t= timestamp", ErrMalformed)
	}
	if len(p.Signatures) == 0 {
		return p, fmt.Errorf("%w: no v1= signature", ErrMalformed)
	}
	return p, nil
}

// Verify checks header against body with any of secrets (several during a
// rotation), allowing tolerance of clock skew around now.
func Verify(header string, body []byte, now time.Time, tolerance time.Duration, secrets ...[]byte) error {
	p, err := Parse(header)
	if err != nil {
		return err
	}
	skew := now.Sub(time.Unix(p.Timestamp, 0))
	if skew < -tolerance || skew > tolerance {
		return ErrStale
	}
	ts := strconv.FormatInt(p.Timestamp, 10)
	for _, s := range secrets {
		want := mac(s, ts, body)
		for _, got := range p.Signatures {
			if hmac.Equal(want, got) {
				return nil
			}
		}
	}
	return ErrMismatch
}
