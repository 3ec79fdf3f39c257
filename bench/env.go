package bench

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/sandbox"
	"github.com/tenantops/tenantops/trigger/triggertest"
	"github.com/tenantops/tenantops/trigger/workspace"
)

// Env is one measured installation: the simulators and PostgreSQL (started
// in this process by the sandbox's StartBackends) and the trigger,
// a subprocess of its own so its memory and CPU can be read from /proc.
type Env struct {
	*sandbox.Backends
	Cfg Config
	// Dir holds the binaries, the trigger's work directory and logs.
	Dir          string
	TerraformBin string // the real Terraform
	Mirror       string
	TriggerBin   string
	TriggerURL   string
	APIToken     string
	Pool         *pgxpool.Pool
	// TFLog is written by the timing wrapper around Terraform: one line
	// per command (start, end, exit code, directory, arguments).
	TFLog string
	// CLIConfig points Terraform at Mirror (for the bare runs).
	CLIConfig string
	// PlatformFile holds the platform variables given to the trigger.
	PlatformFile string

	// PrevHWM is the peak RSS of trigger processes replaced by RestartTrigger.
	PrevHWM int64

	trigger *exec.Cmd
	waitErr chan error
	Mon     *Monitor
}

// Start builds the binaries, starts the backends and the trigger.
func Start(ctx context.Context, cfg Config, log io.Writer) (_ *Env, err error) {
	root := testenv.RepoRoot()
	dir, err := os.MkdirTemp("", "tenantops-bench-")
	if err != nil {
		return nil, err
	}
	e := &Env{Cfg: cfg, Dir: dir, APIToken: randomHex(20), waitErr: make(chan error, 1)}
	defer func() {
		if err != nil {
			e.Stop()
		}
	}()
	e.TerraformBin = os.Getenv("TF_ACC_TERRAFORM_PATH")
	if e.TerraformBin == "" {
		e.TerraformBin = filepath.Join(root, "bin", "terraform")
	}
	if _, err := os.Stat(e.TerraformBin); err != nil {
		return nil, fmt.Errorf("terraform: %w (run `make tools`)", err)
	}
	if err := e.build(ctx, root, log); err != nil {
		return nil, err
	}
	e.Backends, err = sandbox.StartBackends(ctx, sandbox.BackendOptions{Directory: sandbox.DirectoryOff, Dir: dir,
		Log: slog.New(slog.NewTextHandler(log, nil))})
	if err != nil {
		return nil, err
	}
	// The bench measures the trigger and Terraform, not the simulators'
	// defaults: start from zero simulated latency everywhere.
	ZeroProfile().Apply(e.Backends)
	if e.Pool, err = pgxpool.New(ctx, e.DatabaseURL); err != nil {
		return nil, err
	}
	if err := e.startTrigger(ctx); err != nil {
		return nil, err
	}
	e.Mon = StartMonitor(e.trigger.Process.Pid)
	return e, nil
}

// build compiles the trigger and the provider into Dir, so the figures are
// those of the working tree (make bench also installs them into bin/).
func (e *Env) build(ctx context.Context, root string, log io.Writer) error {
	e.TriggerBin = filepath.Join(e.Dir, "tenantops-trigger")
	e.Mirror = filepath.Join(e.Dir, "mirror")
	pdir := filepath.Join(e.Mirror, filepath.FromSlash(workspace.ProviderAddress), "0.1.0", runtime.GOOS+"_"+runtime.GOARCH)
	if err := os.MkdirAll(pdir, 0o755); err != nil {
		return err
	}
	for _, b := range []struct{ out, pkg string }{
		{e.TriggerBin, "./trigger"},
		{filepath.Join(pdir, "terraform-provider-tenantops_v0.1.0"), "."},
	} {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", b.out, b.pkg)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", b.pkg, err, out)
		}
	}
	fmt.Fprintf(log, "bench: built trigger and provider into %s\n", e.Dir)
	e.CLIConfig = filepath.Join(e.Dir, "terraformrc")
	return workspace.WriteCLIConfig(e.CLIConfig, e.Mirror)
}

// tfWrapper is put in front of Terraform to time every command the trigger
// runs. bash's EPOCHREALTIME costs no fork.
const tfWrapper = `#!/bin/bash
s=$EPOCHREALTIME
%q "$@"
rc=$?
printf '%%s %%s %%s %%s %%s\n' "$s" "$EPOCHREALTIME" "$rc" "$PWD" "$*" >> %q
exit $rc
`

func (e *Env) startTrigger(ctx context.Context) error {
	e.TFLog = filepath.Join(e.Dir, "terraform-commands.log")
	wrapper := filepath.Join(e.Dir, "terraform-timed")
	if err := os.WriteFile(wrapper, []byte(fmt.Sprintf(tfWrapper, e.TerraformBin, e.TFLog)), 0o755); err != nil {
		return err
	}
	caFile, err := e.WriteCA()
	if err != nil {
		return err
	}
	e.PlatformFile = filepath.Join(e.Dir, "platform.json")
	pb, _ := json.Marshal(e.Platform())
	if err := os.WriteFile(e.PlatformFile, pb, 0o600); err != nil {
		return err
	}
	workers := e.Cfg.Workers
	if workers < 1 {
		workers = 4
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + e.Dir,
		"TMPDIR=" + os.TempDir(),
		"CHECKPOINT_DISABLE=1",
		// The callback client trusts the system roots plus this directory.
		"SSL_CERT_DIR=" + filepath.Dir(caFile) + ":/etc/ssl/certs",
		"TENANTOPS_TRIGGER_LISTEN=127.0.0.1:0",
		"TENANTOPS_TRIGGER_DATABASE_URL=" + e.DatabaseURL,
		"TENANTOPS_TRIGGER_MIGRATE=true",
		"TENANTOPS_TRIGGER_ENCRYPTION_KEYS=" + triggertest.EncryptionKeys,
		"TENANTOPS_TRIGGER_API_TOKEN=" + e.APIToken,
		"TENANTOPS_TRIGGER_WEBHOOK_SECRET=" + e.Secret(),
		"TENANTOPS_TRIGGER_CALLBACK_URL=" + e.CRM.CallbackURL,
		"TENANTOPS_TRIGGER_CALLBACK_SECRET=" + e.Secret(),
		"TENANTOPS_TRIGGER_CALLBACK_BACKOFF=1s",
		"TENANTOPS_TRIGGER_TERRAFORM_BIN=" + wrapper,
		"TENANTOPS_TRIGGER_TEMPLATES=" + filepath.Join(testenv.RepoRoot(), "templates", "tenants"),
		"TENANTOPS_TRIGGER_WORK_DIR=" + filepath.Join(e.Dir, "work"),
		"TENANTOPS_TRIGGER_PROVIDER_MIRROR=" + e.Mirror,
		"TENANTOPS_TRIGGER_PLATFORM_VARS=" + e.PlatformFile,
		"TENANTOPS_TRIGGER_DIRECTORY=false",
		"TENANTOPS_TRIGGER_WORKERS=" + strconv.Itoa(workers),
		"TENANTOPS_TRIGGER_RETRIES=1",
		"TENANTOPS_TRIGGER_RETRY_BACKOFF=1s",
		"TENANTOPS_TRIGGER_JOB_TIMEOUT=15m",
		"TENANTOPS_TRIGGER_POLL_INTERVAL=200ms",
		"TENANTOPS_TRIGGER_RESUME_AFTER=20m",
		"TENANTOPS_TRIGGER_DETACH_TERRAFORM=" + strconv.FormatBool(e.Cfg.Detach),
	}
	for k, v := range e.ProviderEnv() {
		env = append(env, k+"="+v)
	}
	if _, err := os.Stat(filepath.Join(e.Dir, "trigger.log")); err == nil {
		_ = os.Rename(filepath.Join(e.Dir, "trigger.log"), filepath.Join(e.Dir, fmt.Sprintf("trigger-%d.log", time.Now().UnixNano())))
	}
	logFile, err := os.Create(filepath.Join(e.Dir, "trigger.log"))
	if err != nil {
		return err
	}
	cmd := exec.Command(e.TriggerBin, "serve")
	cmd.Env = env
	cmd.Stdout = logFile
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	e.trigger = cmd
	addr := make(chan string, 1)
	go func() {
		// The trigger logs JSON; its "trigger serving" line carries the address.
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		sent := false
		for sc.Scan() {
			line := sc.Bytes()
			_, _ = logFile.Write(append(line, '\n'))
			if sent {
				continue
			}
			var rec struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal(line, &rec) == nil && rec.Msg == "trigger serving" && rec.Addr != "" {
				addr <- rec.Addr
				sent = true
			}
		}
		e.waitErr <- cmd.Wait()
		logFile.Close()
	}()
	select {
	case a := <-addr:
		e.TriggerURL = "http://" + a
	case err := <-e.waitErr:
		e.waitErr <- err
		b, _ := os.ReadFile(filepath.Join(e.Dir, "trigger.log"))
		return fmt.Errorf("trigger exited at start: %v\n%s", err, tail(string(b), 2000))
	case <-time.After(60 * time.Second):
		return errors.New("trigger did not start within 60s")
	case <-ctx.Done():
		return ctx.Err()
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(e.TriggerURL + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("trigger not ready within 30s")
}

// Stop ends the trigger (SIGTERM, then kill), the backends and removes Dir
// unless BENCH_KEEP is set.
func (e *Env) Stop() {
	if e.Mon != nil {
		e.Mon.Stop()
	}
	if e.trigger != nil && e.trigger.Process != nil {
		e.stopTrigger(20 * time.Second)
	}
	if e.Pool != nil {
		e.Pool.Close()
	}
	if e.Backends != nil {
		e.Backends.Close()
	}
	if os.Getenv("BENCH_KEEP") == "" {
		os.RemoveAll(e.Dir)
	}
}

// stopTrigger sends the trigger SIGTERM and kills it when it has not
// exited after grace.
func (e *Env) stopTrigger(grace time.Duration) {
	_ = e.trigger.Process.Signal(syscall.SIGTERM)
	select {
	case <-e.waitErr:
	case <-time.After(grace):
		_ = e.trigger.Process.Kill()
		<-e.waitErr
	}
}

// RestartTrigger stops the trigger gracefully and starts it again with
// detach as its detach-terraform setting, on the same database and
// backends. The peak RSS of the old process is kept in PrevHWM.
func (e *Env) RestartTrigger(ctx context.Context, detach bool) error {
	e.Mon.Stop()
	e.PrevHWM = max(e.PrevHWM, HWM(e.trigger.Process.Pid))
	e.stopTrigger(30 * time.Second)
	e.Cfg.Detach = detach
	if err := e.startTrigger(ctx); err != nil {
		return err
	}
	e.Mon = StartMonitor(e.trigger.Process.Pid)
	return nil
}

// TriggerLogTail returns the end of the trigger's log (for failures).
func (e *Env) TriggerLogTail(n int) string {
	b, _ := os.ReadFile(filepath.Join(e.Dir, "trigger.log"))
	return tail(string(b), n)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
