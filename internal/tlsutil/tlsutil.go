// Package tlsutil builds the TLS settings every backend client shares:
// verification on by default, a private CA from a file or PEM text, and an
// explicit, never-default opt-out.
package tlsutil

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"
)

// Options are the TLS knobs of one backend block.
type Options struct {
	CAFile             string
	CAPEM              string
	InsecureSkipVerify bool
}

// Config returns a *tls.Config that trusts the system pool plus the
// configured CA, if any.
func (o Options) Config() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.InsecureSkipVerify {
		cfg.InsecureSkipVerify = true //nolint:gosec // explicit user opt-out, never the default
		return cfg, nil
	}
	if o.CAFile == "" && o.CAPEM == "" {
		return cfg, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if o.CAFile != "" {
		b, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ca_file: %w", err)
		}
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("ca_file %s: no PEM certificate found", o.CAFile)
		}
	}
	if o.CAPEM != "" {
		if !pool.AppendCertsFromPEM([]byte(o.CAPEM)) {
			return nil, errors.New("ca_pem: no PEM certificate found")
		}
	}
	cfg.RootCAs = pool
	return cfg, nil
}

// HTTPClient returns an *http.Client using Config and the given timeout.
func (o Options) HTTPClient(timeout time.Duration) (*http.Client, error) {
	cfg, err := o.Config()
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = cfg
	return &http.Client{Transport: tr, Timeout: timeout}, nil
}
