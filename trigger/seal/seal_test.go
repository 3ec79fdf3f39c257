package seal

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func ring(t *testing.T, ids ...string) *Keyring {
	t.Helper()
	var lines []string
	for _, id := range ids {
		l, err := NewKeyLine(id)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, l)
	}
	k, err := Parse(strings.Join(lines, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestParseRefusesBadKeyrings(t *testing.T) {
	good, _ := NewKeyLine("k1")
	for text, want := range map[string]string{
		"":                                "no key",
		"# only a comment\n":              "no key",
		"k1":                              "key 1: want <id>:<base64 key>",
		"../x:" + strings.Repeat("A", 44): "key 1: want <id>:<base64 key>",
		"k1:not base64!":                  `key "k1": the key is not base64`,
		"k1:c2hvcnQ=":                     `key "k1": the key is 5 bytes, want 32`,
		good + "\n" + good:                `key "k1": listed twice`,
		good + ",k2:" + "c2hvcnQ=" + "\n": `key "k2": the key is 5 bytes`,
	} {
		_, err := Parse(text)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want %q", text, err, want)
		}
		if err != nil && len(text) > 10 && strings.Contains(err.Error(), strings.SplitN(good, ":", 2)[1]) {
			t.Errorf("the error shows the key: %v", err)
		}
	}
}

func TestLoadRefusesAFileOthersCanRead(t *testing.T) {
	line, _ := NewKeyLine("k1")
	f := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(f, []byte(line+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(f, ""); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("Load of a 0644 file = %v, want a refusal", err)
	}
	if err := os.Chmod(f, 0o600); err != nil {
		t.Fatal(err)
	}
	env, _ := NewKeyLine("k2")
	k, err := Load(f, env)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(k.IDs(), ","); got != "k1,k2" || k.Primary() != "k2" {
		t.Fatalf("ids %s primary %s, want k1,k2 and k2", got, k.Primary())
	}
}

// A systemd credential may show group read (the ACL that grants the
// unit's user read access); others may still not read it, and the same
// mode elsewhere is refused.
func TestLoadTakesASystemdCredential(t *testing.T) {
	line, _ := NewKeyLine("k1")
	creds := t.TempDir()
	f := filepath.Join(creds, "encryption.keys")
	if err := os.WriteFile(f, []byte(line+"\n"), 0o440); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(f, 0o440); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(f, ""); err == nil {
		t.Fatal("a 0440 file outside $CREDENTIALS_DIRECTORY was taken")
	}
	t.Setenv("CREDENTIALS_DIRECTORY", creds)
	if _, err := Load(f, ""); err != nil {
		t.Fatalf("a 0440 credential: %v", err)
	}
	if err := os.Chmod(f, 0o444); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(f, ""); err == nil {
		t.Fatal("a credential others may read was taken")
	}
}

func TestSealOpensOnlyWithTheSameKeyAndPlace(t *testing.T) {
	k := ring(t, "k1")
	s, err := k.Seal("s3cret-value", "acme|a")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s.Data, "s3cret") || s.KeyID != "k1" || s.Alg != Alg {
		t.Fatalf("sealed = %+v", s)
	}
	if got, err := k.Open(s, "acme|a"); err != nil || got != "s3cret-value" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := k.Open(s, "globex|a"); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("Open for another tenant = %v, want ErrWrongKey", err)
	}
	other := ring(t, "k1") // the same id, another key
	if _, err := other.Open(s, "acme|a"); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("Open with another key of the same id = %v, want ErrWrongKey", err)
	}
	if _, err := ring(t, "k2").Open(s, "acme|a"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("Open without the key = %v, want ErrUnknownKey", err)
	}
	s2, _ := k.Seal("s3cret-value", "acme|a")
	if s2.Nonce == s.Nonce || s2.Data == s.Data {
		t.Fatal("two seals of one value are equal: the nonce is reused")
	}
}

const specJSON = `{"event_id":"e1","event_type":"customer.created","tenant":{"id":"acme","quotas":{"cpu_mhz":2000},
	"sso":{"mfa":"required","idp":{"type":"oidc","client_id":"c","client_secret":"idp-secret-123"}}}}`

func TestSealSpecRotatesAndOpens(t *testing.T) {
	old := ring(t, "k1")
	sealed, n, err := old.SealSpec("acme", []byte(specJSON))
	if err != nil || n != 1 {
		t.Fatalf("SealSpec = %d, %v", n, err)
	}
	if strings.Contains(string(sealed), "idp-secret-123") {
		t.Fatalf("the sealed spec holds the secret: %s", sealed)
	}
	if ids, plain, err := SealedKeyIDs(sealed); err != nil || plain != 0 || len(ids) != 1 || ids[0] != "k1" {
		t.Fatalf("SealedKeyIDs = %v %d %v", ids, plain, err)
	}
	// Sealing again under the same key changes nothing.
	if _, n, err := old.SealSpec("acme", sealed); err != nil || n != 0 {
		t.Fatalf("SealSpec of a sealed spec = %d, %v, want 0", n, err)
	}
	// A second key: the rotation reseals under it, both keys open.
	line1 := keyLine(old, "k1")
	line2, _ := NewKeyLine("k2")
	both, err := Parse(line1 + "\n" + line2)
	if err != nil {
		t.Fatal(err)
	}
	rotated, n, err := both.SealSpec("acme", sealed)
	if err != nil || n != 1 {
		t.Fatalf("rotation = %d, %v", n, err)
	}
	if ids, _, _ := SealedKeyIDs(rotated); ids[0] != "k2" {
		t.Fatalf("rotated under %v, want k2", ids)
	}
	onlyNew, _ := Parse(line2)
	opened, err := onlyNew.OpenSpec("acme", rotated)
	if err != nil {
		t.Fatal(err)
	}
	var ev struct {
		Tenant struct {
			Quotas struct {
				CPUMHz int64 `json:"cpu_mhz"`
			} `json:"quotas"`
			SSO struct {
				IdP struct {
					ClientSecret string `json:"client_secret"`
				} `json:"idp"`
			} `json:"sso"`
		} `json:"tenant"`
	}
	if err := json.Unmarshal(opened, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Tenant.SSO.IdP.ClientSecret != "idp-secret-123" || ev.Tenant.Quotas.CPUMHz != 2000 {
		t.Fatalf("opened %s", opened)
	}
	if _, err := onlyNew.OpenSpec("acme", sealed); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("opening the k1 revision without k1 = %v, want ErrUnknownKey", err)
	}
	if _, err := both.OpenSpec("globex", rotated); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("another tenant's sealed secret opened: %v", err)
	}
	// A spec without secrets passes through untouched.
	plain := []byte(`{"tenant":{"id":"acme","sso":{"mfa":"required"}}}`)
	if out, n, err := both.SealSpec("acme", plain); err != nil || n != 0 || string(out) != string(plain) {
		t.Fatalf("SealSpec without secrets = %s %d %v", out, n, err)
	}
}

func keyLine(k *Keyring, id string) string {
	for _, key := range k.keys {
		if key.ID == id {
			l, _ := json.Marshal(key.secret) // base64 in JSON
			return id + ":" + strings.Trim(string(l), `"`)
		}
	}
	return ""
}
