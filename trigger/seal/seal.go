// Package seal encrypts the secrets of stored spec revisions with
// AES-256-GCM under keys the operator holds outside the database
// (envelope encryption: each sealed value names the key it was sealed
// with, so several keys can be in use during a rotation).
//
// A keyring is read from text, one key per line:
//
//	# id:base64 of 32 random bytes; the last key seals, all of them open
//	2026-06:3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
//	2026-12:Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5Cg==
//
// `tenantops-trigger new-key` prints such a line.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// KeySize is the size of an AES-256 key.
const KeySize = 32

// Alg names the algorithm in every sealed value.
const Alg = "A256GCM"

// Key is one named key of a keyring.
type Key struct {
	ID     string
	secret []byte
}

// Keyring holds the keys that open sealed values; the newest (last) one
// seals.
type Keyring struct {
	keys []Key
}

var keyID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// Parse reads a keyring: lines (or comma-separated entries) of
// "<id>:<base64 of 32 bytes>"; blank lines and lines starting with # are
// ignored. Errors name the entry by its position, never its key.
func Parse(text string) (*Keyring, error) {
	var k Keyring
	seen := map[string]bool{}
	n := 0
	for _, line := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == ',' }) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		n++
		id, b64, ok := strings.Cut(line, ":")
		id = strings.TrimSpace(id)
		if !ok || !keyID.MatchString(id) {
			return nil, fmt.Errorf("key %d: want <id>:<base64 key>, the id of letters, digits, '_' or '-' (at most 64)", n)
		}
		if seen[id] {
			return nil, fmt.Errorf("key %q: listed twice", id)
		}
		seen[id] = true
		secret, err := decodeKey(strings.TrimSpace(b64))
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", id, err)
		}
		k.keys = append(k.keys, Key{ID: id, secret: secret})
	}
	if len(k.keys) == 0 {
		return nil, errors.New("no key")
	}
	return &k, nil
}

func decodeKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != KeySize {
				return nil, fmt.Errorf("the key is %d bytes, want %d (an AES-256 key)", len(b), KeySize)
			}
			return b, nil
		}
	}
	return nil, errors.New("the key is not base64")
}

// Load reads a keyring from file (when set) and from the text of an
// environment variable (when set); keys of the file come first. A file
// that others than its owner may read is refused, as ssh refuses such a
// private key. A systemd credential (LoadCredential=, a file in
// $CREDENTIALS_DIRECTORY) may show group read: that directory is private
// to the unit, and systemd may grant the unit's user read access with an
// ACL whose mask shows in the group bits.
func Load(file, env string) (*Keyring, error) {
	var text string
	if file != "" {
		st, err := os.Stat(file)
		if err != nil {
			return nil, err
		}
		others := os.FileMode(0o077)
		if inCredentialsDir(file) {
			others = 0o007
		}
		if st.Mode().Perm()&others != 0 {
			return nil, fmt.Errorf("%s: mode %04o lets others read the keys; chmod 600 it", file, st.Mode().Perm())
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		text = string(b)
	}
	if env != "" {
		text += "\n" + env
	}
	k, err := Parse(text)
	if err != nil && file != "" {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return k, err
}

// inCredentialsDir reports whether file is one of the credentials systemd
// passed the process.
func inCredentialsDir(file string) bool {
	dir := os.Getenv("CREDENTIALS_DIRECTORY")
	if dir == "" {
		return false
	}
	abs, err := filepath.Abs(file)
	return err == nil && filepath.Dir(abs) == filepath.Clean(dir)
}

// NewKeyLine returns a keyring line holding a fresh random key.
func NewKeyLine(id string) (string, error) {
	if !keyID.MatchString(id) {
		return "", fmt.Errorf("key id %q: letters, digits, '_' or '-' (at most 64)", id)
	}
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return id + ":" + base64.StdEncoding.EncodeToString(b), nil
}

// Primary is the key new values are sealed with: the last one listed.
func (k *Keyring) Primary() string { return k.keys[len(k.keys)-1].ID }

// IDs lists the key ids, oldest first.
func (k *Keyring) IDs() []string {
	ids := make([]string, len(k.keys))
	for i, key := range k.keys {
		ids[i] = key.ID
	}
	return ids
}

// Has reports whether the keyring holds a key of that id.
func (k *Keyring) Has(id string) bool {
	_, ok := k.key(id)
	return ok
}

func (k *Keyring) key(id string) ([]byte, bool) {
	for _, key := range k.keys {
		if key.ID == id {
			return key.secret, true
		}
	}
	return nil, false
}

// Derive returns a value derived from key id for one purpose (HMAC-SHA256
// of the purpose under the key, hex): a passphrase for another system that
// must never see the key itself.
func (k *Keyring) Derive(id, purpose string) (string, bool) {
	secret, ok := k.key(id)
	if !ok {
		return "", false
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	return hex.EncodeToString(m.Sum(nil)), true
}

// Sealed is one encrypted value as stored: the algorithm, the key id, the
// nonce and the ciphertext with its tag (base64).
type Sealed struct {
	Alg   string `json:"alg"`
	KeyID string `json:"kid"`
	Nonce string `json:"iv"`
	Data  string `json:"ct"`
}

// ErrUnknownKey: the value was sealed with a key the keyring lacks.
var ErrUnknownKey = errors.New("sealed with a key the keyring does not hold")

// ErrWrongKey: the keyring has a key of that id, but it does not open the
// value (another key under the same id, or a value changed in storage).
var ErrWrongKey = errors.New("the key of that id does not open it (a wrong key, or the value was changed)")

// Seal encrypts plain under the primary key, bound to aad (what the value
// is and whose: a sealed value copied elsewhere does not open).
func (k *Keyring) Seal(plain, aad string) (Sealed, error) {
	id := k.Primary()
	secret, _ := k.key(id)
	gcm, err := newGCM(secret)
	if err != nil {
		return Sealed{}, err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return Sealed{}, err
	}
	ct := gcm.Seal(nil, nonce, []byte(plain), []byte(aad))
	return Sealed{Alg: Alg, KeyID: id, Nonce: base64.StdEncoding.EncodeToString(nonce),
		Data: base64.StdEncoding.EncodeToString(ct)}, nil
}

// Open decrypts s, which must have been sealed with the same aad.
func (k *Keyring) Open(s Sealed, aad string) (string, error) {
	if s.Alg != Alg {
		return "", fmt.Errorf("sealed with %q, want %q", s.Alg, Alg)
	}
	secret, ok := k.key(s.KeyID)
	if !ok {
		return "", fmt.Errorf("key %q: %w", s.KeyID, ErrUnknownKey)
	}
	gcm, err := newGCM(secret)
	if err != nil {
		return "", err
	}
	nonce, err1 := base64.StdEncoding.DecodeString(s.Nonce)
	ct, err2 := base64.StdEncoding.DecodeString(s.Data)
	if err := errors.Join(err1, err2); err != nil || len(nonce) != gcm.NonceSize() {
		return "", fmt.Errorf("key %q: a malformed sealed value", s.KeyID)
	}
	plain, err := gcm.Open(nil, nonce, ct, []byte(aad))
	if err != nil {
		return "", fmt.Errorf("key %q: %w", s.KeyID, ErrWrongKey)
	}
	return string(plain), nil
}

func newGCM(secret []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(secret)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
