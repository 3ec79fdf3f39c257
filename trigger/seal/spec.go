package seal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// SpecSecrets are the paths, in a stored spec revision (a CRM event), of
// the values that are sealed.
var SpecSecrets = [][]string{
	{"tenant", "sso", "idp", "client_secret"},
}

// specAAD binds a sealed spec value to its tenant and its place in the
// spec: a value moved to another tenant or field does not open. The
// revision is not part of it, so a revision copied from the one before
// (suspension, reactivation) stays readable.
func specAAD(tenant string, path []string) string {
	return "tenantops/spec/v1|" + tenant + "|" + strings.Join(path, ".")
}

// SealSpec returns the spec with every secret sealed under the primary
// key; values already sealed are resealed only when under another key.
// It reports how many values it sealed.
func (k *Keyring) SealSpec(tenant string, raw []byte) ([]byte, int, error) {
	return k.walkSpec(tenant, raw, func(path []string, v any) (any, bool, error) {
		switch v := v.(type) {
		case string:
			s, err := k.Seal(v, specAAD(tenant, path))
			return s, true, err
		case map[string]any:
			s, err := asSealed(v)
			if err != nil {
				return nil, false, err
			}
			if s.KeyID == k.Primary() {
				return nil, false, nil
			}
			plain, err := k.Open(s, specAAD(tenant, path))
			if err != nil {
				return nil, false, err
			}
			s, err = k.Seal(plain, specAAD(tenant, path))
			return s, true, err
		}
		return nil, false, fmt.Errorf("%s: neither a string nor a sealed value", strings.Join(path, "."))
	})
}

// OpenSpec returns the spec with every sealed secret opened, for use in
// memory only. A secret still in plain text (a revision stored before
// encryption was turned on, not yet resealed) is returned as it is.
func (k *Keyring) OpenSpec(tenant string, raw []byte) ([]byte, error) {
	out, _, err := k.walkSpec(tenant, raw, func(path []string, v any) (any, bool, error) {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false, nil
		}
		s, err := asSealed(m)
		if err != nil {
			return nil, false, err
		}
		plain, err := k.Open(s, specAAD(tenant, path))
		return plain, err == nil, err
	})
	return out, err
}

// SealedKeyIDs returns the key id of every sealed secret of a spec, and
// the number of secrets still in plain text.
func SealedKeyIDs(raw []byte) (ids []string, plain int, err error) {
	_, _, err = walk(raw, func(path []string, v any) (any, bool, error) {
		switch v := v.(type) {
		case string:
			plain++
		case map[string]any:
			s, err := asSealed(v)
			if err != nil {
				return nil, false, err
			}
			ids = append(ids, s.KeyID)
		}
		return nil, false, nil
	})
	return ids, plain, err
}

func asSealed(m map[string]any) (Sealed, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return Sealed{}, err
	}
	var s Sealed
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil || s.KeyID == "" || s.Data == "" {
		return Sealed{}, errors.New("a malformed sealed value")
	}
	return s, nil
}

func (k *Keyring) walkSpec(tenant string, raw []byte, f func(path []string, v any) (any, bool, error)) ([]byte, int, error) {
	out, n, err := walk(raw, f)
	if err != nil {
		return nil, 0, fmt.Errorf("spec of %s: %w", tenant, err)
	}
	return out, n, nil
}

// walk calls f on every secret present in the spec; where f returns a
// replacement, the spec is re-encoded with it.
func walk(raw []byte, f func(path []string, v any) (any, bool, error)) ([]byte, int, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, 0, err
	}
	n := 0
	for _, path := range SpecSecrets {
		parent := doc
		for _, p := range path[:len(path)-1] {
			next, _ := parent[p].(map[string]any)
			if next == nil {
				parent = nil
				break
			}
			parent = next
		}
		if parent == nil {
			continue
		}
		leaf := path[len(path)-1]
		v, ok := parent[leaf]
		if !ok || v == nil || v == "" {
			continue
		}
		nv, replace, err := f(path, v)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", strings.Join(path, "."), err)
		}
		if replace {
			parent[leaf] = nv
			n++
		}
	}
	if n == 0 {
		return raw, 0, nil
	}
	out, err := json.Marshal(doc)
	return out, n, err
}
