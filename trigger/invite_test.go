package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/testenv"
	"github.com/tenantops/tenantops/trigger/runner"
	"github.com/tenantops/tenantops/trigger/store"
)

// A tenant without Active Directory federation, on a platform with a mail
// server: every admin gets a realm account with the realm's first actions
// and an invitation, the mail server's password reaches the realm from the
// trigger's environment and nowhere else, and the offboarding removes the
// accounts.
func TestE2EAdminsWithoutDirectoryAreInvited(t *testing.T) {
	t.Parallel()
	s := startSims(t)
	crm := startCRM(t)
	cfg := testConfig(t, testenv.NewDatabase(t), t.TempDir(), s, crm)
	cfg.Platform = map[string]any{"smtp_host": "smtp.mail.example", "smtp_port": "587", "smtp_from": "no-reply@cloud.example",
		"smtp_user": "mailer", "portal_url": "https://portal.cloud.example"}
	const mailPassword = "mail-pass-e2e-7f3c"
	cfg.ProviderEnv[runner.SMTPPasswordEnv] = mailPassword
	tr := startTrigger(t, cfg)

	r := postWebhook(t, tr.url, event("evt-invite-1", "customer.created", "inviteco", func(tn map[string]any) {
		tn["sso"] = map[string]any{"mfa": "webauthn"}
		tn["admins"] = []any{
			map[string]any{"username": "alice", "email": "alice@inviteco.example", "given_name": "Alice", "family_name": "Admin"},
			map[string]any{"username": "bob", "email": "bob@inviteco.example", "given_name": "Bob", "family_name": "Ops"},
		}
	}))
	run := waitRun(t, tr.url, r.RunID, 2*time.Minute)
	if run.State != store.StateCompleted {
		t.Fatalf("onboarding ended %s: %s", run.State, run.Error)
	}
	mails := s.Keycloak.Mails()
	if len(mails) != 2 {
		t.Fatalf("%d invitations sent, want one per admin: %+v", len(mails), mails)
	}
	for _, m := range mails {
		want := map[string]string{"alice": "alice@inviteco.example", "bob": "bob@inviteco.example"}[m.Username]
		if m.To != want || m.Realm != "inviteco" || m.From != "no-reply@cloud.example" ||
			fmt.Sprint(m.Actions) != "[UPDATE_PASSWORD webauthn-register]" || m.ClientID != "tenant-portal" ||
			m.Redirect != "https://portal.cloud.example/tenant/inviteco/" {
			t.Errorf("invitation %+v", m)
		}
		u := s.Keycloak.User("inviteco", m.Username)
		if u == nil || u["enabled"] != true || fmt.Sprint(u["requiredActions"]) != "[UPDATE_PASSWORD webauthn-register]" {
			t.Errorf("realm account %s: %v", m.Username, u)
		}
	}
	smtp, _ := s.Keycloak.Realm("inviteco")["smtpServer"].(map[string]any)
	if smtp["host"] != "smtp.mail.example" || smtp["password"] != mailPassword || smtp["user"] != "mailer" {
		t.Errorf("realm mail server %v", smtp)
	}
	// The password is in no run record, step or callback.
	var leaks int
	if err := tr.pool.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM runs WHERE coalesce(error, '') || coalesce(outputs::text, '') || coalesce(plan_summary::text, '') LIKE '%' || $1 || '%') +
		(SELECT count(*) FROM run_steps WHERE coalesce(error, '') LIKE '%' || $1 || '%') +
		(SELECT count(*) FROM callbacks WHERE payload::text LIKE '%' || $1 || '%')`, mailPassword).Scan(&leaks); err != nil || leaks != 0 {
		t.Errorf("the mail password appears in %d records (%v)", leaks, err)
	}

	r = postWebhook(t, tr.url, event("evt-invite-2", "customer.deleted", "inviteco", nil))
	if run := waitRun(t, tr.url, r.RunID, 2*time.Minute); run.State != store.StateCompleted {
		t.Fatalf("offboarding ended %s: %s", run.State, run.Error)
	}
	if left := slices.DeleteFunc(s.Keycloak.Inventory(), func(o string) bool { return !strings.Contains(o, "inviteco") }); len(left) != 0 {
		t.Errorf("left in Keycloak after the offboarding: %v", left)
	}
}
