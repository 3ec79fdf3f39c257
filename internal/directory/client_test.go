package directory

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/internal/tlsutil"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopSamba()
	os.Exit(code)
}

var ouSeq atomic.Int64

// testClient returns a client for the shared DC and a fresh OU of the test's
// own, removed at the end.
func testClient(t *testing.T) (*Client, *testenv.Samba, string) {
	t.Helper()
	s, err := testenv.SambaForTests()
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{URL: s.URL, BindDN: s.BindDN, BindPassword: s.BindPassword, TLS: tlsutil.Options{CAPEM: s.CAPEM}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ou, err := c.CreateOU(ctx, s.BaseDN, OU{Name: fmt.Sprintf("t-%s-%d-%d", t.Name(), os.Getpid(), ouSeq.Add(1))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Delete(ctx, ou.DN, true); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		c.Close()
	})
	return c, s, ou.DN
}

func TestHostileNamesRoundTrip(t *testing.T) {
	c, _, base := testClient(t)
	ctx := context.Background()
	for _, name := range []string{"Smith, John", "a+b=c", `back\slash`, "#hash", " lead", "trail ", `"q"<x>;`, "*)(cn=*", "Müller"} {
		ou, err := c.CreateOU(ctx, base, OU{Name: name})
		if err != nil {
			t.Fatalf("create OU %q: %v", name, err)
		}
		got, err := c.GetOU(ctx, ou.GUID)
		if err != nil || got.Name != name {
			t.Fatalf("OU %q read back as %q (%v)", name, got.Name, err)
		}
		n, _, err := SplitDN(got.DN)
		if err != nil || n != name {
			t.Fatalf("DN %q splits to %q (%v)", got.DN, n, err)
		}
		if g, err := c.Resolve(ctx, KindOU, got.DN); err != nil || g != ou.GUID {
			t.Fatalf("resolve %q = %q, %v", got.DN, g, err)
		}
	}
	// a filter-injection attempt finds nothing rather than everything
	if _, err := c.Resolve(ctx, KindUser, "*"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("resolve \"*\" = %v, want ErrNotFound", err)
	}
}

func TestUserLoginAndDisable(t *testing.T) {
	c, _, base := testClient(t)
	ctx := context.Background()
	sam := fmt.Sprintf("u%d", time.Now().UnixNano()%1e9)
	u, err := c.CreateUser(ctx, base, User{Name: "Login User", SAMAccountName: sam, Enabled: true,
		UserPrincipalName: sam + "@test.local"}, "S3cret-pw!")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CheckBind(u.DN, "S3cret-pw!"); err != nil {
		t.Fatalf("enabled user cannot log in: %v", err)
	}
	if err := c.CheckBind(u.DN, "wrong"); err == nil {
		t.Fatal("wrong password accepted")
	}
	if err := c.SetPassword(ctx, u.DN, "N3w-secret!"); err != nil {
		t.Fatal(err)
	}
	if err := c.CheckBind(u.DN, "N3w-secret!"); err != nil {
		t.Fatalf("reset password does not work: %v", err)
	}
	if err := c.CheckBind(u.DN, "S3cret-pw!"); err == nil {
		t.Fatal("old password still accepted after a reset")
	}
	u.Enabled = false
	if err := c.UpdateUser(ctx, u.DN, u); err != nil {
		t.Fatal(err)
	}
	if err := c.CheckBind(u.DN, "N3w-secret!"); err == nil {
		t.Fatal("disabled user can still log in")
	}
	got, err := c.GetUser(ctx, u.GUID)
	if err != nil || got.Enabled {
		t.Fatalf("user after disable: %+v, %v", got, err)
	}
	for _, key := range []string{u.DN, sam, `TEST\` + sam, sam + "@test.local", u.GUID} {
		if g, err := c.Resolve(ctx, KindUser, key); err != nil || g != u.GUID {
			t.Errorf("resolve %q = %q, %v", key, g, err)
		}
	}
}

func TestGroupMembersAndDeleteNonEmpty(t *testing.T) {
	c, _, base := testClient(t)
	ctx := context.Background()
	ou, err := c.CreateOU(ctx, base, OU{Name: "inner"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := c.CreateGroup(ctx, ou.DN, Group{Name: "G1", SAMAccountName: fmt.Sprintf("g%d", time.Now().UnixNano()%1e9),
		Scope: "universal", Category: "distribution"})
	if err != nil {
		t.Fatal(err)
	}
	if g.Scope != "universal" || g.Category != "distribution" {
		t.Fatalf("group read back as %+v", g)
	}
	u, err := c.CreateUser(ctx, ou.DN, User{Name: "M1", SAMAccountName: fmt.Sprintf("m%d", time.Now().UnixNano()%1e9)}, "pw")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetMembers(ctx, g.DN, nil, []string{u.DN}); err != nil {
		t.Fatal(err)
	}
	g, _ = c.GetGroup(ctx, g.GUID)
	if len(g.Members) != 1 || !EqualDN(g.Members[0], u.DN) {
		t.Fatalf("members = %q", g.Members)
	}
	if err := c.Delete(ctx, ou.DN, false); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("deleting a non-empty OU: %v, want ErrNotEmpty", err)
	}
	if err := c.Delete(ctx, ou.DN, true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetGroup(ctx, g.GUID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("group after recursive delete: %v", err)
	}
}

// TestReconnectAfterDrop cuts every pooled connection (through a proxy) and
// checks that the next call transparently reconnects.
func TestReconnectAfterDrop(t *testing.T) {
	s, err := testenv.SambaForTests()
	if err != nil {
		t.Fatal(err)
	}
	p := newProxy(t, s.Host+":636")
	c, err := New(Config{URL: "ldaps://localhost:" + p.port(), BindDN: s.BindDN, BindPassword: s.BindPassword,
		TLS: tlsutil.Options{CAPEM: s.CAPEM}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if _, err := c.BaseDN(ctx); err != nil {
		t.Fatal(err)
	}
	p.dropAll()
	if _, err := c.Resolve(ctx, KindUser, "Administrator"); err != nil {
		t.Fatalf("after a dropped connection: %v", err)
	}
	if p.accepted.Load() < 2 {
		t.Fatalf("expected a reconnect, proxy saw %d connections", p.accepted.Load())
	}
}

type proxy struct {
	addr     string
	mu       sync.Mutex
	conns    []net.Conn
	accepted atomic.Int64
}

func newProxy(t *testing.T, target string) *proxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	p := &proxy{addr: l.Addr().String()}
	go func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			p.accepted.Add(1)
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(out, in); out.Close() }()
			go func() { _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
	return p
}

func (p *proxy) dropAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	time.Sleep(100 * time.Millisecond) // let the client's reader notice
}

func (p *proxy) port() string {
	_, port, _ := net.SplitHostPort(p.addr)
	return port
}

func TestStartTLSAndPaging(t *testing.T) {
	c0, s, base := testClient(t)
	ctx := context.Background()
	for i := 0; i < 12; i++ {
		if _, err := c0.CreateOU(ctx, base, OU{Name: fmt.Sprintf("page-%02d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	c, err := New(Config{URL: "ldap://" + s.Host + ":389", StartTLS: true, PageSize: 5,
		BindDN: s.BindDN, BindPassword: s.BindPassword, TLS: tlsutil.Options{CAPEM: s.CAPEM}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	all, err := c.Subtree(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 12 {
		t.Fatalf("paged search over StartTLS found %d objects, want 12", len(all))
	}
	// a password travels only over the encrypted connection StartTLS made
	u, err := c.CreateUser(ctx, base, User{Name: "tls user", SAMAccountName: fmt.Sprintf("t%d", time.Now().UnixNano()%1e9), Enabled: true}, "Pw-over-TLS1")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CheckBind(u.DN, "Pw-over-TLS1"); err != nil {
		t.Fatal(err)
	}
}

func TestConfigRefusesCleartext(t *testing.T) {
	if _, err := New(Config{URL: "ldap://dc.example.com:389"}); err == nil {
		t.Fatal("ldap:// without StartTLS accepted")
	}
	if _, err := New(Config{URL: "http://dc.example.com"}); err == nil {
		t.Fatal("http:// accepted")
	}
	if _, err := New(Config{URL: "ldaps://dc.example.com", TLS: tlsutil.Options{CAPEM: "not a cert"}}); err == nil {
		t.Fatal("bad CA accepted")
	}
}

func TestUntrustedCertificateRejected(t *testing.T) {
	s, err := testenv.SambaForTests()
	if err != nil {
		t.Fatal(err)
	}
	// no CA configured: the system pool does not know the test CA
	c, err := New(Config{URL: s.URL, BindDN: s.BindDN, BindPassword: s.BindPassword})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.BaseDN(context.Background()); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("connecting without trusting the CA: %v, want a certificate error", err)
	}
}

func TestBindErrorHidesPassword(t *testing.T) {
	s, err := testenv.SambaForTests()
	if err != nil {
		t.Fatal(err)
	}
	const secret = "Sup3r-secret-value"
	c, err := New(Config{URL: s.URL, BindDN: s.BindDN, BindPassword: secret, TLS: tlsutil.Options{CAPEM: s.CAPEM}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.BaseDN(context.Background())
	if err == nil || !strings.Contains(err.Error(), "Invalid Credentials") {
		t.Fatalf("bind with a wrong password: %v", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Fatalf("error reveals the password: %v", err)
	}
}
