// Package pgcluster starts and stops a throwaway PostgreSQL cluster from
// Debian's postgresql package: initdb -A trust plus pg_ctl -w on a free
// loopback port with a short unix-socket directory. Tests and the trigger's
// dev mode use it; nothing in it is test-only.
package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Options tune Start. The zero value is fine.
type Options struct {
	// BinDir holds initdb, pg_ctl and postgres. Default: the newest
	// /usr/lib/postgresql/<ver>/bin.
	BinDir string
	// Dir is the parent directory of the cluster. Default: a new temp dir.
	Dir string
	// Install runs `apt-get install -y postgresql` when no binaries are
	// found (needs root and the Debian archive).
	Install bool
}

// Cluster is a running PostgreSQL server.
type Cluster struct {
	// URL connects as the superuser "postgres" to database "postgres".
	URL  string
	Port int

	dir, data, binDir string
	runAs             *user.User
	stopOnce          sync.Once
}

// Start initialises and starts a cluster. Call Stop when done.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	bin := opts.BinDir
	if bin == "" {
		var err error
		bin, err = FindBinDir()
		if err != nil && opts.Install {
			if out, ierr := exec.CommandContext(ctx, "apt-get", "install", "-y", "-q", "postgresql").CombinedOutput(); ierr != nil {
				return nil, fmt.Errorf("pgcluster: apt-get install postgresql: %v: %s", ierr, tail(out))
			}
			bin, err = FindBinDir()
		}
		if err != nil {
			return nil, err
		}
	}
	parent := opts.Dir
	if parent == "" {
		parent = os.TempDir()
	}
	// A short path keeps the unix socket under the 107-byte limit.
	dir, err := os.MkdirTemp(parent, "pg")
	if err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	c := &Cluster{dir: dir, data: filepath.Join(dir, "data"), binDir: bin}
	if os.Geteuid() == 0 {
		// initdb refuses to run as root: run the server as the postgres
		// account the Debian package creates, on a directory it owns.
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pgcluster: running as root needs the postgres user: %w", err)
		}
		c.runAs = u
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chmod(dir, 0o755); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pgcluster: %w", err)
		}
	}
	if out, err := c.run(ctx, "initdb", "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "-D", c.data); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgcluster: initdb: %v: %s", err, tail(out))
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		o := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", port, dir)
		out, err := c.run(ctx, "pg_ctl", "-w", "-t", "60", "-D", c.data, "-l", filepath.Join(dir, "log"), "-o", o, "start")
		if err == nil {
			c.Port = port
			c.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
			return c, nil
		}
		lastErr = fmt.Errorf("pgcluster: pg_ctl start: %v: %s", err, tail(out))
	}
	os.RemoveAll(dir)
	return nil, lastErr
}

// Stop shuts the server down (fast mode) and removes its files.
func (c *Cluster) Stop() error {
	var err error
	c.stopOnce.Do(func() {
		var out []byte
		out, err = c.run(context.Background(), "pg_ctl", "-w", "-m", "fast", "-D", c.data, "stop")
		if err != nil {
			err = fmt.Errorf("pgcluster: pg_ctl stop: %v: %s", err, tail(out))
		}
		if rerr := os.RemoveAll(c.dir); err == nil {
			err = rerr
		}
	})
	return err
}

func (c *Cluster) run(ctx context.Context, tool string, args ...string) ([]byte, error) {
	path := filepath.Join(c.binDir, tool)
	var cmd *exec.Cmd
	if c.runAs != nil {
		cmd = exec.CommandContext(ctx, "setpriv", append([]string{"--reuid=" + c.runAs.Uid, "--regid=" + c.runAs.Gid, "--init-groups", path}, args...)...)
		cmd.Env = append(os.Environ(), "HOME="+c.runAs.HomeDir)
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	cmd.Dir = c.dir
	return cmd.CombinedOutput()
}

// FindBinDir returns the newest /usr/lib/postgresql/<ver>/bin holding initdb.
func FindBinDir() (string, error) {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p), nil
		}
		return "", errors.New("pgcluster: no PostgreSQL binaries in /usr/lib/postgresql/<ver>/bin: apt-get install postgresql")
	}
	sort.Slice(matches, func(i, j int) bool { return ver(matches[i]) > ver(matches[j]) })
	return filepath.Dir(matches[0]), nil
}

func ver(p string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(p))))
	return n
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 2000 {
		s = s[len(s)-2000:]
	}
	return s
}
