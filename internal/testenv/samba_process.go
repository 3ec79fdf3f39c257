package testenv

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// run starts the DC on conf in a process group of its own, its output in
// the directory's samba.out, and waits until it answers.
func (s *Samba) run(conf string) error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	logFile, err := os.Create(filepath.Join(s.dir, "samba.out"))
	if err != nil {
		return err
	}
	cmd := exec.Command(sambaBin(), "-s", conf, "--foreground", "--no-process-group", "--debug-stdout")
	cmd.Stdin = r
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		logFile.Close()
		return fmt.Errorf("start samba: %w", err)
	}
	r.Close()
	s.cmd, s.stdin = cmd, w
	go func() {
		_ = cmd.Wait()
		logFile.Close()
		close(s.done)
	}()
	return s.waitReady(60 * time.Second)
}

// waitReady polls until the DC answers an LDAPS bind as the administrator.
func (s *Samba) waitReady(limit time.Duration) error {
	cfg, err := s.TLSConfig()
	if err != nil {
		return err
	}
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			out, _ := os.ReadFile(filepath.Join(s.dir, "samba.out"))
			return fmt.Errorf("samba exited during start-up:\n%s", tail(out))
		default:
		}
		c, err := ldap.DialURL(s.URL, ldap.DialWithTLSConfig(cfg),
			ldap.DialWithDialer(&net.Dialer{Timeout: 2 * time.Second}))
		if err == nil {
			err = c.Bind(s.BindDN, s.BindPassword)
			c.Close()
			if err == nil {
				return nil
			}
		}
		last = err
		time.Sleep(250 * time.Millisecond)
	}
	out, _ := os.ReadFile(filepath.Join(s.dir, "samba.out"))
	return fmt.Errorf("samba did not answer an LDAPS bind within %s (last error: %v):\n%s", limit, last, tail(out))
}

// Close stops the DC (the whole process group), removes its directory and
// releases the loopback address. It is safe to call more than once.
func (s *Samba) Close() {
	if s == nil {
		return
	}
	s.once.Do(func() {
		if s.cmd != nil && s.cmd.Process != nil {
			pgid := s.cmd.Process.Pid
			_ = syscall.Kill(-pgid, syscall.SIGTERM)
			select {
			case <-s.done:
			case <-time.After(10 * time.Second):
				_ = syscall.Kill(-pgid, syscall.SIGKILL)
				<-s.done
			}
			// children that outlived the parent share its group
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			logf("samba: DC %s stopped at %s", s.URL, time.Now().UTC().Format(time.RFC3339))
		}
		if s.stdin != nil {
			s.stdin.Close()
		}
		if s.dir != "" {
			os.RemoveAll(s.dir)
		}
		if s.lock != nil {
			s.lock.Close() // releases the flock
		}
	})
}

// lockLoopback takes an exclusive lock on the first free address of
// 127.0.0.10..40 whose LDAP ports are not in use, so several test processes
// can each run a DC.
func lockLoopback() (*os.File, string, error) {
	for n := 10; n <= 40; n++ {
		host := fmt.Sprintf("127.0.0.%d", n)
		f, err := os.OpenFile(fmt.Sprintf("/tmp/tenantops-samba-%s.lock", host), os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			return nil, "", err
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			continue
		}
		if portsFree(host) {
			return f, host, nil
		}
		f.Close() // a leftover server still holds the ports: skip it
	}
	return nil, "", errors.New("samba: no free loopback address in 127.0.0.10..40 (all locked or in use)")
}

func portsFree(host string) bool {
	for _, p := range []string{"389", "636"} {
		l, err := net.Listen("tcp", net.JoinHostPort(host, p))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}
