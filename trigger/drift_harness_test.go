package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/keycloak"
	"github.com/tenantops/tenantops/internal/signature"
	"github.com/tenantops/tenantops/internal/tlsutil"
	"github.com/tenantops/tenantops/trigger/drift"
	"github.com/tenantops/tenantops/trigger/triggertest"
)

// keycloakAdmin is an administrator's own client of the Keycloak
// simulator: the out-of-band changes go through Keycloak's admin API.
func keycloakAdmin(t *testing.T, s *triggertest.Sims) *keycloak.Client {
	kc, err := keycloak.New(keycloak.Config{URL: s.Keycloak.URL, ClientID: s.Keycloak.ClientID,
		ClientSecret: s.Keycloak.ClientSecret, TLS: tlsutil.Options{CAPEM: s.Keycloak.CAPEM}})
	if err != nil {
		t.Fatal(err)
	}
	return kc
}

func getRealm(t *testing.T, kc *keycloak.Client, name string) *keycloak.Realm {
	t.Helper()
	r, err := kc.GetRealm(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func setIdleTimeout(t *testing.T, kc *keycloak.Client, realm string, seconds int) {
	t.Helper()
	r := getRealm(t, kc, realm)
	r.SSOSessionIdleTimeout = seconds
	if err := kc.UpdateRealm(context.Background(), *r); err != nil {
		t.Fatal(err)
	}
}

func scrape(t *testing.T, base string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+testAPIToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// notifyReceiver is the endpoint of drift notifications: it accepts only
// bodies signed with the drift secret and keeps them.
type notifyReceiver struct {
	URL     string
	mu      sync.Mutex
	got     []drift.Notification
	raw     []string
	refused int
}

func startNotifyReceiver(t *testing.T) *notifyReceiver {
	n := &notifyReceiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		var p drift.Notification
		n.mu.Lock()
		defer n.mu.Unlock()
		if err := signature.Verify(r.Header.Get(signature.Header), body, time.Now(), time.Minute, []byte(testDriftSecret)); err != nil {
			n.refused++
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if err := json.Unmarshal(body, &p); err != nil {
			n.refused++
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		n.got = append(n.got, p)
		n.raw = append(n.raw, string(body))
		w.WriteHeader(http.StatusNoContent)
	}))
	n.URL = srv.URL
	t.Cleanup(srv.Close)
	return n
}

func (n *notifyReceiver) count(tenant, status string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	c := 0
	for _, p := range n.got {
		if p.Tenant == tenant && p.Status == status {
			c++
		}
	}
	return c
}

func (n *notifyReceiver) rawFor(tenant string) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for i, p := range n.got {
		if p.Tenant == tenant {
			out = append(out, n.raw[i])
		}
	}
	return strings.Join(out, "\n")
}

func (n *notifyReceiver) bad() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.refused
}

// waitFor returns the tenant's first notification of status.
func (n *notifyReceiver) waitFor(t *testing.T, tenant, status string) drift.Notification {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		n.mu.Lock()
		for _, p := range n.got {
			if p.Tenant == tenant && p.Status == status {
				n.mu.Unlock()
				return p
			}
		}
		n.mu.Unlock()
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no %s notification for %s", status, tenant)
	return drift.Notification{}
}
