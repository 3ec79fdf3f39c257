package console_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/sim/keycloak"
	"github.com/tenantops/tenantops/trigger/store"
	"github.com/tenantops/tenantops/trigger/triggertest"
)

var (
	formAction = regexp.MustCompile(`id="kc-form-login" action="([^"]+)"`)
	csrfField  = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
)

// signIn goes through the authorization code flow as a browser would and
// returns the page it lands on.
func (e *env) signIn(t *testing.T, c *http.Client, u keycloak.StaffUser, path string) (int, string) {
	t.Helper()
	code, body := get(t, c, e.url+path)
	m := formAction.FindStringSubmatch(body)
	if code != http.StatusOK || m == nil {
		t.Fatalf("GET %s did not lead to the login form: %d %s", path, code, body)
	}
	action := e.kc.URL + strings.ReplaceAll(m[1], "&amp;", "&")
	resp, err := c.PostForm(action, url.Values{"username": {u.Username}, "password": {u.Password}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (int, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Sign-in, roles and CSRF: a viewer sees but may not decide, an approver
// approves and rejects with a reason, a POST without the token is refused,
// a wrong password and an account without a role get no session, and the
// API keeps answering its bearer token.
func TestConsoleSignInRolesCSRF(t *testing.T) {
	e := startConsole(t, 60)
	waiting, waiting2 := e.runs[triggertest.SeedTenantWaiting], e.runs[triggertest.SeedTenantWaiting2]

	anon := e.browser(t)
	anon.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if resp, err := anon.Get(e.url + "/ui/approvals"); err != nil || resp.StatusCode != http.StatusFound ||
		!strings.HasPrefix(resp.Header.Get("Location"), "/ui/login") {
		t.Fatalf("anonymous GET: %v %v", resp, err)
	}

	bad := e.browser(t)
	if code, body := e.signIn(t, bad, keycloak.StaffUser{Username: viewer.Username, Password: "wrong"}, "/ui/"); code != http.StatusOK ||
		!strings.Contains(body, "Invalid username or password.") {
		t.Fatalf("wrong password: %d %s", code, body)
	}
	if code, body := e.signIn(t, e.browser(t), nobody, "/ui/"); code != http.StatusForbidden || !strings.Contains(body, "no console role") {
		t.Fatalf("account without a role: %d %s", code, body)
	}

	v := e.browser(t)
	code, body := e.signIn(t, v, viewer, "/ui/approvals")
	if code != http.StatusOK || !strings.Contains(body, "Run "+itoa(waiting)) || strings.Contains(body, "Approve run") {
		t.Fatalf("viewer's approvals page: %d %s", code, body)
	}
	csrf := csrfField.FindStringSubmatch(body)[1]
	if code, body := post(t, v, e.url+"/ui/runs/"+itoa(waiting)+"/approve", url.Values{"csrf": {csrf}}); code != http.StatusForbidden ||
		!strings.Contains(body, "approver role") {
		t.Fatalf("viewer approving: %d %s", code, body)
	}

	a := e.browser(t)
	_, body = e.signIn(t, a, approver, "/ui/approvals")
	if !strings.Contains(body, "Approve run "+itoa(waiting)) {
		t.Fatalf("approver's approvals page lacks the form: %s", body)
	}
	csrf = csrfField.FindStringSubmatch(body)[1]
	if code, _ := post(t, a, e.url+"/ui/runs/"+itoa(waiting)+"/approve", url.Values{}); code != http.StatusForbidden {
		t.Fatalf("approve without CSRF token: %d, want 403", code)
	}
	if code, _ := post(t, a, e.url+"/ui/runs/"+itoa(waiting)+"/approve", url.Values{"csrf": {csrf + "x"}}); code != http.StatusForbidden {
		t.Fatalf("approve with a wrong CSRF token: %d, want 403", code)
	}
	if s := e.runState(t, waiting); s != store.StateAwaitingApproval {
		t.Fatalf("refused posts changed the run to %s", s)
	}
	code, body = post(t, a, e.url+"/ui/runs/"+itoa(waiting)+"/approve", url.Values{"csrf": {csrf}})
	if code != http.StatusOK || !strings.Contains(body, "approved.") {
		t.Fatalf("approve: %d %s", code, body)
	}
	if s := e.runState(t, waiting); s != store.StateApplying {
		t.Fatalf("approved run is %s, want APPLYING", s)
	}
	if n := e.count(t, `SELECT count(*) FROM river_job WHERE kind = 'tenantops_run'`); n != 1 {
		t.Fatalf("%d run jobs enqueued by the approval, want 1", n)
	}
	if code, _ := post(t, a, e.url+"/ui/runs/"+itoa(waiting)+"/approve", url.Values{"csrf": {csrf}}); code != http.StatusConflict {
		t.Fatalf("second approval: %d, want 409", code)
	}
	if code, _ := post(t, a, e.url+"/ui/runs/"+itoa(waiting2)+"/reject", url.Values{"csrf": {csrf}, "reason": {" "}}); code != http.StatusBadRequest {
		t.Fatalf("reject without a reason: %d, want 400", code)
	}
	code, _ = post(t, a, e.url+"/ui/runs/"+itoa(waiting2)+"/reject", url.Values{"csrf": {csrf}, "reason": {"contract not signed yet"}})
	if code != http.StatusOK || e.runState(t, waiting2) != store.StateRejected {
		t.Fatalf("reject: %d, run %s", code, e.runState(t, waiting2))
	}
	if n := e.count(t, `SELECT count(*) FROM callbacks WHERE run_id = $1 AND payload->>'outcome' = 'REJECTED'
		AND payload->>'error' LIKE '%arno-approver: contract not signed yet'`, waiting2); n != 1 {
		t.Fatalf("%d REJECTED callbacks naming the approver and reason, want 1", n)
	}

	// Sign-out ends the session.
	if code, _ := post(t, a, e.url+"/ui/logout", url.Values{"csrf": {csrf}}); code != http.StatusOK {
		t.Fatalf("logout: %d", code)
	}
	if code, body := get(t, a, e.url+"/ui/approvals"); code != http.StatusOK || !strings.Contains(body, "kc-form-login") {
		t.Fatalf("after sign-out the console must ask to sign in again: %d", code)
	}

	// Machines keep using the bearer token on /v1.
	req, _ := http.NewRequest(http.MethodGet, e.url+"/v1/runs/"+itoa(waiting2), nil)
	req.Header.Set("Authorization", "Bearer "+apiToken)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("API with the bearer token: %v %v", resp, err)
	}
}

// The pages: search, filters and keyset paging; a tenant's spec with its
// secret redacted and its history; a rolled-back run's Gantt chart with its
// rollback steps, redacted error and delivered callback.
func TestConsolePages(t *testing.T) {
	e := startConsole(t, 120)
	c := e.browser(t)
	code, body := e.signIn(t, c, viewer, "/ui/?q=initech")
	if code != http.StatusOK || !strings.Contains(body, `href="/ui/tenants/initech"`) || strings.Contains(body, `href="/ui/tenants/acme"`) {
		t.Fatalf("search for initech: %d %s", code, body)
	}
	_, body = get(t, c, e.url+"/ui/?status=ROLLED_BACK")
	if !strings.Contains(body, "initech") || strings.Contains(body, "tenant-0005") {
		t.Fatalf("status filter: %s", body)
	}
	// Keyset paging: 50 a page, the cursor is the last id shown.
	_, body = get(t, c, e.url+"/ui/?tier=standard")
	next := regexp.MustCompile(`href="(/ui/\?[^"]+)" rel="next"`).FindStringSubmatch(body)
	if next == nil || strings.Count(body, `<th scope="row">`) != 50 {
		t.Fatalf("first page of standard tenants: %d rows, next %v", strings.Count(body, `<th scope="row">`), next)
	}
	_, page2 := get(t, c, e.url+strings.ReplaceAll(next[1], "&amp;", "&"))
	if strings.Count(page2, `<th scope="row">`) == 0 || strings.Contains(page2, "premium-dr</td>") {
		t.Fatalf("second page: %s", page2)
	}

	_, body = get(t, c, e.url+"/ui/tenants/acme")
	for _, want := range []string{"(sensitive)", "evt-seed-acme", "portal_url", "Revision history"} {
		if !strings.Contains(body, want) {
			t.Errorf("tenant page lacks %q", want)
		}
	}
	if strings.Contains(body, triggertest.SeedIDPSecret) {
		t.Error("tenant page shows the IdP client secret")
	}

	code, body = get(t, c, e.url+"/ui/runs/"+itoa(e.runs[triggertest.SeedTenantRolledBack]))
	if code != http.StatusOK {
		t.Fatalf("run page: %d", code)
	}
	for _, want := range []string{"ROLLED_BACK", "<svg", "[rollback]", "[undone by rollback]", "[failed]",
		"<strong>rollback</strong>", "Insufficient storage", "<strong>Delivered</strong>", "5 to create"} {
		if !strings.Contains(body, want) {
			t.Errorf("rolled-back run page lacks %q", want)
		}
	}
	if strings.Contains(body, triggertest.SeedIDPSecret) {
		t.Error("run page shows the IdP client secret from the error")
	}
	if n := strings.Count(body, `class="rollback-row"`); n != 4 {
		t.Errorf("%d rollback rows in the step table, want 4", n)
	}
	for _, p := range []string{"/ui/drift", "/ui/rollouts"} {
		if code, body := get(t, c, e.url+p); code != http.StatusOK || !strings.Contains(body, "No ") {
			t.Errorf("%s: %d %s", p, code, body)
		}
	}
	if code, _ := get(t, c, e.url+"/ui/runs/99999"); code != http.StatusNotFound {
		t.Errorf("unknown run: %d, want 404", code)
	}
}

// A run's page follows the run over server-sent events while anything
// about it can change, and not once it is final with its callbacks
// delivered; the stream says where the run stands, each change, and when
// it is done.
func TestRunPageLiveUpdates(t *testing.T) {
	e := startConsole(t, 10)
	waiting, rolledBack := e.runs[triggertest.SeedTenantWaiting], e.runs[triggertest.SeedTenantRolledBack]
	v := e.browser(t)
	events := "/ui/runs/" + itoa(waiting) + "/events"
	if code, body := e.signIn(t, v, viewer, "/ui/runs/"+itoa(waiting)); code != http.StatusOK ||
		!strings.Contains(body, `data-events="`+events+`"`) || !strings.Contains(body, `src="/ui/live.js"`) {
		t.Fatalf("a waiting run's page should follow the run: %d %s", code, body)
	}
	if _, body := get(t, v, e.url+"/ui/runs/"+itoa(rolledBack)); strings.Contains(body, "data-events") {
		t.Fatalf("a rolled-back run with its callback delivered has nothing to follow: %s", body)
	}
	if code, _ := get(t, v, e.url+"/ui/runs/987654/events"); code != http.StatusNotFound {
		t.Fatalf("events of a run that does not exist: %d, want 404", code)
	}
	anon := e.browser(t)
	anon.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if resp, err := anon.Get(e.url + events); err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("events without a session: %v %v, want a redirect to sign in", resp, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.url+events, nil)
	stream := *v
	stream.Timeout = 0
	resp, err := stream.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || ct != "text/event-stream" {
		t.Fatalf("events: %d %s", resp.StatusCode, ct)
	}
	lines := bufio.NewScanner(resp.Body)
	next := func() (event, data string) {
		t.Helper()
		for lines.Scan() {
			l := lines.Text()
			switch {
			case strings.HasPrefix(l, "event: "):
				event = strings.TrimPrefix(l, "event: ")
			case strings.HasPrefix(l, "data: "):
				data = strings.TrimPrefix(l, "data: ")
			case l == "" && event != "":
				return event, data
			}
		}
		t.Fatalf("the stream ended early: %v", lines.Err())
		return "", ""
	}
	exec := func(sql string) {
		t.Helper()
		if _, err := e.pool.Exec(ctx, sql, waiting); err != nil {
			t.Fatal(err)
		}
	}
	if ev, data := next(); ev != "state" || data != string(store.StateAwaitingApproval) {
		t.Fatalf("first event %s %s, want state %s", ev, data, store.StateAwaitingApproval)
	}
	exec(`UPDATE runs SET state = 'APPLYING', updated_at = now() WHERE id = $1`)
	if ev, data := next(); ev != "changed" || data != "APPLYING" {
		t.Fatalf("after the approval: %s %s, want changed APPLYING", ev, data)
	}
	// Final, but its callback is still on its way: not done yet.
	exec(`INSERT INTO callbacks (run_id, event_id, payload) VALUES ($1, 'evt-live', '{}')`)
	exec(`UPDATE runs SET state = 'COMPLETED', finished_at = now(), updated_at = now() WHERE id = $1`)
	if ev, data := next(); ev != "changed" || data != "COMPLETED" {
		t.Fatalf("after the apply: %s %s, want changed COMPLETED", ev, data)
	}
	exec(`UPDATE callbacks SET delivered_at = now(), attempts = 1 WHERE run_id = $1`)
	if ev, data := next(); ev != "changed" {
		t.Fatalf("after the callback: %s %s, want changed", ev, data)
	}
	if ev, data := next(); ev != "done" || data != "COMPLETED" {
		t.Fatalf("last event %s %s, want done COMPLETED", ev, data)
	}
}
