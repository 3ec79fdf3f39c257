package fault

import (
	"bufio"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"
)

// echoServer answers every line it reads with the same line.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if _, err := c.Write([]byte(line)); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// roundTrip connects through addr, sends one line and reads the answer
// within limit.
func roundTrip(addr string, limit time.Duration) (string, error) {
	c, err := net.DialTimeout("tcp", addr, limit)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(limit))
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return "", err
	}
	return bufio.NewReader(c).ReadString('\n')
}

func TestTCPProxy(t *testing.T) {
	p, err := NewTCPProxy("127.0.0.1:0", echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	expectPass := func(what string) {
		t.Helper()
		if got, err := roundTrip(p.Addr, 2*time.Second); err != nil || got != "ping\n" {
			t.Fatalf("%s: got %q, %v; want the echo", what, got, err)
		}
	}
	expectPass("no rule")

	// Reset drops Times connections with a TCP reset, then passes again.
	p.Set(TCPRule{Kind: Reset, Times: 2})
	for i := 0; i < 2; i++ {
		if _, err := roundTrip(p.Addr, 2*time.Second); err == nil {
			t.Fatalf("reset %d: got an answer", i+1)
		}
	}
	expectPass("after two resets")
	if n := p.Fired(); n != 2 {
		t.Fatalf("reset fired %d times, want 2", n)
	}

	// Latency holds a new connection before forwarding it.
	p.Set(TCPRule{Kind: Latency, Delay: 200 * time.Millisecond, Times: 1})
	start := time.Now()
	expectPass("latency")
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Fatalf("latency: answered after %v", d)
	}

	// Hang accepts and never answers: the client's own timeout ends it;
	// with a Delay the proxy drops the connection itself.
	p.Set(TCPRule{Kind: Hang})
	if _, err := roundTrip(p.Addr, 300*time.Millisecond); !isTimeout(err) {
		t.Fatalf("hang: got %v, want the client's timeout", err)
	}
	p.Set(TCPRule{Kind: Hang, Delay: 100 * time.Millisecond})
	if _, err := roundTrip(p.Addr, 2*time.Second); err == nil || isTimeout(err) {
		t.Fatalf("hang with a delay: got %v, want the connection dropped before the client's timeout", err)
	}

	// Refuse stops listening and cuts open connections; Clear listens
	// again on the same address.
	if err := p.Clear(); err != nil {
		t.Fatal(err)
	}
	open, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	r := bufio.NewReader(open)
	_ = open.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := open.Write([]byte("ping\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadString('\n'); err != nil {
		t.Fatalf("open connection: %v", err)
	}
	p.Set(TCPRule{Kind: Refuse})
	if _, err := roundTrip(p.Addr, 2*time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("refuse: got %v, want connection refused", err)
	}
	if _, err := r.ReadByte(); err == nil || isTimeout(err) {
		t.Fatalf("refuse: an open connection survived (%v)", err)
	}
	if n := p.Fired(); n != 1 {
		t.Fatalf("refuse fired %d, want 1", n)
	}
	if err := p.Clear(); err != nil {
		t.Fatal(err)
	}
	expectPass("after the refusal")
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
