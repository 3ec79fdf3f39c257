// Package directory is tenantops' Active Directory client: verified LDAPS (or
// StartTLS), a small pool of bound connections that reconnects after a drop,
// paged searches, and the AD objects the provider manages (OUs, groups,
// users) addressed by their objectGUID. Every user-supplied value that meets
// a DN or a search filter is escaped here.
package directory

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/tenantops/tenantops/internal/tlsutil"
)

// Sentinel errors callers branch on.
var (
	ErrNotFound      = errors.New("no such object")
	ErrAlreadyExists = errors.New("object already exists")
	ErrNotEmpty      = errors.New("object has children")
	ErrNotEncrypted  = errors.New("the connection is not encrypted: AD accepts passwords only over LDAPS or StartTLS")
	// ErrLogin is matched by a failed bind as the configured bind_dn.
	ErrLogin = errors.New("bind failed")
)

// loginError marks a failed bind without changing its message.
type loginError struct{ err error }

func (e loginError) Error() string        { return e.err.Error() }
func (e loginError) Unwrap() error        { return e.err }
func (e loginError) Is(target error) bool { return target == ErrLogin }

// Config says how to reach and authenticate to the directory.
type Config struct {
	URL          string // ldaps://host:636, or ldap://host:389 with StartTLS
	BindDN       string
	BindPassword string
	StartTLS     bool
	TLS          tlsutil.Options
	// BaseDN bounds searches by sAMAccountName or GUID; empty means the
	// domain's defaultNamingContext from the RootDSE.
	BaseDN   string
	PoolSize int           // idle connections kept; default 4
	PageSize uint32        // search page size; default 500
	Timeout  time.Duration // per request; default 30s
}

// Client is safe for concurrent use.
type Client struct {
	cfg    Config
	tlsCfg *tls.Config
	idle   chan *ldap.Conn

	baseMu sync.Mutex
	baseDN string
}

// New validates cfg; the first connection is made on first use.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("directory url: %w", err)
	}
	switch u.Scheme {
	case "ldaps":
		if cfg.StartTLS {
			return nil, errors.New("directory: start_tls applies to ldap:// URLs, not ldaps://")
		}
	case "ldap":
		if !cfg.StartTLS {
			return nil, errors.New("directory: an ldap:// URL needs start_tls = true (passwords never travel unencrypted)")
		}
	default:
		return nil, fmt.Errorf("directory url %q: scheme must be ldaps or ldap", cfg.URL)
	}
	tlsCfg, err := cfg.TLS.Config()
	if err != nil {
		return nil, fmt.Errorf("directory TLS: %w", err)
	}
	if tlsCfg.ServerName == "" {
		tlsCfg.ServerName = u.Hostname()
	}
	if cfg.PoolSize <= 0 {
		cfg.PoolSize = 4
	}
	if cfg.PageSize == 0 {
		cfg.PageSize = 500
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &Client{cfg: cfg, tlsCfg: tlsCfg, idle: make(chan *ldap.Conn, cfg.PoolSize), baseDN: cfg.BaseDN}, nil
}

// Close closes the idle connections.
func (c *Client) Close() {
	for {
		select {
		case conn := <-c.idle:
			conn.Close()
		default:
			return
		}
	}
}

// Dial opens a new encrypted connection without binding.
func (c *Client) Dial() (*ldap.Conn, error) {
	conn, err := ldap.DialURL(c.cfg.URL, ldap.DialWithTLSConfig(c.tlsCfg),
		ldap.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}))
	if err != nil {
		return nil, wrap(err)
	}
	if c.cfg.StartTLS {
		if err := conn.StartTLS(c.tlsCfg); err != nil {
			conn.Close()
			return nil, wrap(err)
		}
	}
	conn.SetTimeout(c.cfg.Timeout)
	return conn, nil
}

// CheckBind reports whether dn can bind with password (a real login check).
func (c *Client) CheckBind(dn, password string) error {
	conn, err := c.Dial()
	if err != nil {
		return err
	}
	defer conn.Close()
	return wrap(conn.Bind(dn, password))
}

func (c *Client) connect() (*ldap.Conn, error) {
	conn, err := c.Dial()
	if err != nil {
		return nil, err
	}
	if err := conn.Bind(c.cfg.BindDN, c.cfg.BindPassword); err != nil {
		conn.Close()
		return nil, loginError{fmt.Errorf("bind as %q: %w", c.cfg.BindDN, wrap(err))}
	}
	return conn, nil
}

// do runs fn on a bound connection. A pooled connection that turns out to
// have been dropped (server restart, idle timeout, network) is discarded and
// fn is retried once on a fresh one.
func (c *Client) do(ctx context.Context, fn func(*ldap.Conn) error) error {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		var conn *ldap.Conn
		pooled := false
		select {
		case conn = <-c.idle:
			pooled = true
			if conn.IsClosing() {
				conn.Close()
				continue
			}
		default:
			var err error
			if conn, err = c.connect(); err != nil {
				return err
			}
		}
		err := fn(conn)
		if err != nil && isConnError(err, conn) {
			conn.Close()
			if pooled && attempt < c.cfg.PoolSize+1 {
				continue
			}
			return wrap(err)
		}
		select {
		case c.idle <- conn:
		default:
			conn.Close()
		}
		return wrap(err)
	}
}

func isConnError(err error, conn *ldap.Conn) bool {
	if conn.IsClosing() {
		return true
	}
	if ldap.IsErrorAnyOf(err, ldap.ErrorNetwork, ldap.LDAPResultServerDown, ldap.LDAPResultUnavailable) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}

// wrap turns an LDAP error into "Active Directory: <result>: <server
// message>", keeping the sentinel for the codes callers branch on.
func wrap(err error) error {
	if err == nil {
		return nil
	}
	var own *Error
	if errors.As(err, &own) {
		return err
	}
	var le *ldap.Error
	if !errors.As(err, &le) {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return &Error{Message: err.Error(), cause: err}
	}
	msg := ldap.LDAPResultCodeMap[le.ResultCode]
	if le.Err != nil && le.Err.Error() != "" {
		msg += ": " + strings.TrimRight(le.Err.Error(), "\x00 \n")
	}
	var sentinel error
	switch le.ResultCode {
	case ldap.LDAPResultNoSuchObject:
		sentinel = ErrNotFound
	case ldap.LDAPResultEntryAlreadyExists:
		sentinel = ErrAlreadyExists
	case ldap.LDAPResultNotAllowedOnNonLeaf:
		sentinel = ErrNotEmpty
	}
	if sentinel != nil {
		return &Error{Code: le.ResultCode, Message: msg, sentinel: sentinel}
	}
	return &Error{Code: le.ResultCode, Message: msg}
}

// Error is a directory failure: an LDAP result from the server (Code > 0)
// or a connection problem, worded for a diagnostic.
type Error struct {
	Code     uint16
	Message  string
	sentinel error
	cause    error
}

func (e *Error) Error() string { return "Active Directory: " + e.Message }

// Unwrap returns the underlying non-LDAP error, if any.
func (e *Error) Unwrap() error { return e.cause }

// Is matches the package's sentinel errors.
func (e *Error) Is(target error) bool { return e.sentinel != nil && target == e.sentinel }

// BaseDN returns the configured base DN or the domain's naming context
// (looked up once; a failed lookup is retried on the next call).
func (c *Client) BaseDN(ctx context.Context) (string, error) {
	c.baseMu.Lock()
	defer c.baseMu.Unlock()
	if c.baseDN != "" {
		return c.baseDN, nil
	}
	var base string
	err := c.do(ctx, func(conn *ldap.Conn) error {
		res, err := conn.Search(ldap.NewSearchRequest("", ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false,
			"(objectClass=*)", []string{"defaultNamingContext"}, nil))
		if err != nil {
			return err
		}
		if len(res.Entries) == 1 {
			base = res.Entries[0].GetAttributeValue("defaultNamingContext")
		}
		if base == "" {
			return errors.New("the RootDSE has no defaultNamingContext")
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	c.baseDN = base
	return base, nil
}

// search runs a paged subtree (or other scope) search.
func (c *Client) search(ctx context.Context, base string, scope int, filter string, attrs []string) ([]*ldap.Entry, error) {
	var out []*ldap.Entry
	err := c.do(ctx, func(conn *ldap.Conn) error {
		res, err := conn.SearchWithPaging(ldap.NewSearchRequest(base, scope, ldap.NeverDerefAliases, 0, 0, false,
			filter, attrs, nil), c.cfg.PageSize)
		if err != nil {
			return err
		}
		out = res.Entries
		return nil
	})
	if err != nil {
		return nil, wrap(err)
	}
	return out, nil
}
