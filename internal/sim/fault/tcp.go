package fault

import (
	"io"
	"net"
	"sync"
	"time"
)

// Refuse makes a TCPProxy stop listening until the rule is cleared: new
// connections are refused and open ones are cut, as when the server is
// down. It applies to TCPProxy only.
const Refuse Kind = "refuse"

// TCPRule is a fault of a TCPProxy. It applies to new connections:
// Latency holds each one for Delay before forwarding it; Reset accepts it
// and drops it with a TCP reset; Hang accepts it and never forwards a
// byte, dropping it after Delay when set, else when the client gives up;
// Refuse stops listening. Times limits how many connections the rule hits
// (0 means all of them); Refuse ignores it.
type TCPRule struct {
	Kind  Kind
	Delay time.Duration
	Times int
}

// TCPProxy forwards TCP connections to a server and breaks new ones by
// its current rule. It sees bytes only, so TLS passes through untouched
// and the client still verifies the server's own certificate; that is how
// the reliability campaign breaks the LDAPS connections to the directory.
type TCPProxy struct {
	// Addr is where clients connect (host:port); it stays the same across
	// a Refuse.
	Addr   string
	target string

	mu     sync.Mutex
	ln     net.Listener // nil while refusing
	rule   *TCPRule
	fired  int
	conns  map[net.Conn]struct{} // open connections, both sides
	closed bool
	stop   chan struct{} // closed by Close: ends waits and hangs
	wg     sync.WaitGroup
}

// NewTCPProxy listens on listen (host:port, port 0 picks one) and
// forwards every connection to target until a rule is set.
func NewTCPProxy(listen, target string) (*TCPProxy, error) {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, err
	}
	p := &TCPProxy{Addr: ln.Addr().String(), target: target, conns: map[net.Conn]struct{}{}, stop: make(chan struct{})}
	p.mu.Lock()
	p.serve(ln)
	p.mu.Unlock()
	return p, nil
}

// Set replaces the current rule; it does not touch open connections,
// except that Refuse cuts them.
func (p *TCPProxy) Set(r TCPRule) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rule, p.fired = &r, 0
	if r.Kind == Refuse && p.ln != nil {
		p.ln.Close()
		p.ln = nil
		for c := range p.conns {
			c.Close()
		}
		p.fired = 1
	}
}

// Clear removes the rule and, after a Refuse, listens again on Addr.
func (p *TCPProxy) Clear() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rule, p.fired = nil, 0
	if p.ln != nil || p.closed {
		return nil
	}
	// The port was ours a moment ago; retry briefly in case the kernel
	// has not let go of it yet.
	var err error
	for i := 0; i < 50; i++ {
		var ln net.Listener
		if ln, err = net.Listen("tcp", p.Addr); err == nil {
			p.serve(ln)
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

// Fired reports how many connections the current rule has hit (1 for a
// Refuse in force).
func (p *TCPProxy) Fired() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fired
}

// Close stops listening and cuts every connection.
func (p *TCPProxy) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.stop)
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// serve accepts on ln until it is closed; p.mu is held.
func (p *TCPProxy) serve(ln net.Listener) {
	p.ln = ln
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				p.handle(c)
			}()
		}
	}()
}

// take returns the rule that hits a new connection, counting it, or nil.
func (p *TCPProxy) take() *TCPRule {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.rule
	if r == nil || r.Kind == Refuse || (r.Times > 0 && p.fired >= r.Times) {
		return nil
	}
	p.fired++
	cp := *r
	return &cp
}

// track records an open connection; false when the proxy is closed or
// refusing (the connection was accepted just before).
func (p *TCPProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || (p.rule != nil && p.rule.Kind == Refuse) {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *TCPProxy) forget(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *TCPProxy) handle(c net.Conn) {
	if !p.track(c) {
		c.Close()
		return
	}
	defer p.forget(c)
	if r := p.take(); r != nil {
		switch r.Kind {
		case Reset:
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // close with RST, not FIN
			}
			return
		case Hang:
			if r.Delay > 0 {
				_ = c.SetReadDeadline(time.Now().Add(r.Delay))
			}
			// Swallow what the client sends until it gives up, the
			// delay ends or the proxy closes.
			_, _ = io.Copy(io.Discard, c)
			return
		case Latency:
			t := time.NewTimer(r.Delay)
			defer t.Stop()
			select {
			case <-t.C:
			case <-p.stop:
				return
			}
		}
	}
	up, err := net.DialTimeout("tcp", p.target, 10*time.Second)
	if err != nil {
		return
	}
	if !p.track(up) {
		up.Close()
		return
	}
	defer p.forget(up)
	// Copy both ways; when either side ends, end the other.
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go cp(up, c)
	go cp(c, up)
	<-done
	c.Close()
	up.Close()
	<-done
}
