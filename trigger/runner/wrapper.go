package runner

import (
	"os"
	"path/filepath"
)

// wrapperBinEnv names the real Terraform binary for the wrapper.
const wrapperBinEnv = "TENANTOPS_TERRAFORM_BIN"

// wrapperScript runs Terraform in a session of its own. terraform-exec
// kills Terraform when its parent dies (Pdeathsig); for an apply that would
// lose the state of objects already created. Detached, Terraform finishes
// the apply and saves its state in PostgreSQL even when the trigger is
// killed, and the resumed run waits for its state lock (-lock-timeout).
// Output goes through a file that is followed until Terraform exits (tail
// notices the exit within 20 ms); an interrupt (terraform-exec's
// cancellation) is forwarded to Terraform. Only apply and destroy, the
// commands that write state object by object, are detached; the wrapper
// execs every other command in place.
const wrapperScript = `#!/bin/sh
case "$1" in
apply|destroy) ;;
*) exec "$` + wrapperBinEnv + `" "$@" ;;
esac
out=$(mktemp "${TMPDIR:-/tmp}/tenantops-tf.XXXXXX") || exit 1
err="$out.err"
: >"$err"
setsid "$` + wrapperBinEnv + `" "$@" >"$out" 2>"$err" </dev/null &
pid=$!
trap 'kill -INT $pid 2>/dev/null' INT TERM
tail -s 0.02 --pid=$pid -f "$out" &
tpid=$!
rc=
while [ -z "$rc" ]; do
  wait $pid
  s=$?
  if kill -0 $pid 2>/dev/null; then continue; fi
  rc=$s
done
wait $tpid
cat "$err" >&2
rm -f "$out" "$err"
exit $rc
`

func writeWrapper(workDir string) (string, error) {
	dir := filepath.Join(workDir, "bin")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	p := filepath.Join(dir, "terraform-detached")
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, []byte(wrapperScript), 0o700); err != nil {
		return "", err
	}
	return p, os.Rename(tmp, p)
}
