package runner

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/tenantops/tenantops/trigger/seal"
)

// StateEncryptionEnv is the variable OpenTofu reads its encryption
// configuration from, merged into the workspace's: the keys never touch a
// file in the workspace.
const StateEncryptionEnv = "TF_ENCRYPTION"

// statePurpose derives, from each key of the trigger's keyring, the
// passphrase OpenTofu's key provider is given: OpenTofu never sees the
// keys that seal the spec secrets.
const statePurpose = "tenantops/opentofu-state/v1"

// StateKeyProvider is the name OpenTofu records, in an encrypted state's
// metadata, for the key provider of key id ("key_provider.pbkdf2.<name>").
func StateKeyProvider(id string) string { return "tenantops_" + id }

// StateEncryptionConfig returns OpenTofu's encryption configuration
// (TF_ENCRYPTION) for the keyring: state and plan files are encrypted with
// AES-GCM under a PBKDF2 key derived from the newest key, and the older
// keys, newest first, remain fallbacks for reading. With readPlaintext a
// state or plan still in plain text is read too (and written back
// encrypted): the migration of states written before encryption was on.
// Without it, encryption is enforced.
func StateEncryptionConfig(k *seal.Keyring, readPlaintext bool) string {
	var b strings.Builder
	ids := k.IDs()
	for _, id := range ids {
		pass, _ := k.Derive(id, statePurpose)
		name := StateKeyProvider(id)
		// The passphrase is 256 bits of derived key, not a human's: the
		// minimum iteration count is plenty and keeps each command fast.
		fmt.Fprintf(&b, "key_provider \"pbkdf2\" %q {\n  passphrase = %q\n  iterations = 200000\n}\n", name, pass)
		fmt.Fprintf(&b, "method \"aes_gcm\" %q {\n  keys = key_provider.pbkdf2.%s\n}\n", name, name)
	}
	if readPlaintext {
		b.WriteString("method \"unencrypted\" \"plaintext\" {}\n")
	}
	var target strings.Builder
	for i := len(ids) - 1; i >= 0; i-- {
		if i < len(ids)-1 {
			target.WriteString("fallback {\n")
		}
		fmt.Fprintf(&target, "method = method.aes_gcm.%s\n", StateKeyProvider(ids[i]))
	}
	if readPlaintext {
		target.WriteString("fallback {\nmethod = method.unencrypted.plaintext\n}\n")
	}
	target.WriteString(strings.Repeat("}\n", len(ids)-1))
	for _, kind := range []string{"state", "plan"} {
		fmt.Fprintf(&b, "%s {\nenforced = %t\n%s}\n", kind, !readPlaintext, target.String())
	}
	return b.String()
}

var statePassphrase = regexp.MustCompile(`passphrase = "([0-9a-f]{64})"`)

// StateSecrets are the passphrases of the encryption configuration, which
// an engine error could quote.
func StateSecrets(cfg string) []string {
	var out []string
	for _, m := range statePassphrase.FindAllStringSubmatch(cfg, -1) {
		out = append(out, m[1])
	}
	return out
}
