package console_test

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tenantops/tenantops/internal/sim/keycloak"
	"github.com/tenantops/tenantops/trigger/store"
	"github.com/tenantops/tenantops/trigger/triggertest"
)

// screenshotDir is docs/images of the repository: the browser tests keep
// the screenshots docs/console.md shows up to date.
const screenshotDir = "../../docs/images"

// chromium finds Debian's chromium (make tools installs it), or the
// binary TENANTOPS_CHROMIUM names.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("TENANTOPS_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium not found: run `make tools` (apt-get install chromium) or set TENANTOPS_CHROMIUM")
	return ""
}

// newBrowser starts a headless chromium that trusts the Keycloak
// simulator's certificate (by its public key hash, nothing else) and
// returns a tab context of the given viewport width.
func (e *env) newBrowser(t *testing.T, width int) context.Context {
	t.Helper()
	block, _ := pem.Decode([]byte(e.kc.CAPEM))
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	spki := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium(t)), chromedp.NoSandbox,
		chromedp.Flag("ignore-certificate-errors-spki-list", base64.StdEncoding.EncodeToString(spki[:])),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(width, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), 900)); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// browserSignIn signs in through the simulator's login form.
func (e *env) browserSignIn(t *testing.T, ctx context.Context, u keycloak.StaffUser) {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.url+"/ui/"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), u.Username),
		chromedp.SendKeys(chromedp.ID("password"), u.Password),
		chromedp.Click(chromedp.ID("kc-login")),
		// The login page has a "main h1" of its own: wait for the
		// console's, or a slow redirect reads as a failed sign-in.
		chromedp.WaitVisible(`//main//h1[normalize-space(.)="Tenants"] | //main//h1[contains(., "Error")] | //*[@id="input-error"]`),
	); err != nil {
		t.Fatalf("sign-in as %s: %v", u.Username, err)
	}
	h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main h1")))
	if err != nil {
		t.Fatal(err)
	}
	if h1 != "Tenants" {
		t.Fatalf("sign-in as %s landed on %q", u.Username, h1)
	}
}

func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// text returns the visible text of the page's main element.
func text(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// postWithoutButton submits a form the page does not offer (built in the
// page by script): what a viewer or a forged page could send.
func postWithoutButton(t *testing.T, ctx context.Context, action string, withCSRF bool) string {
	t.Helper()
	script := `(() => { const f = document.createElement('form'); f.method = 'post'; f.action = ` + "`" + action + "`" + `;
		const c = document.querySelector('input[name=csrf]');
		if (` + map[bool]string{true: "true", false: "false"}[withCSRF] + ` && c) { const i = document.createElement('input'); i.type = 'hidden'; i.name = 'csrf'; i.value = c.value; f.appendChild(i); }
		document.body.appendChild(f); f.submit(); return true; })()`
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](script)); err != nil {
		t.Fatalf("posting %s: %v", action, err)
	}
	if err := chromedp.Do(ctx, chromedp.Sleep(300*time.Millisecond), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
		t.Fatalf("posting %s: %v", action, err)
	}
	h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main h1")))
	if err != nil {
		t.Fatal(err)
	}
	return h1 + "\n" + text(t, ctx)
}

// In a real browser: sign in, find a tenant, open its rolled-back run and
// see the rollback steps, approve a waiting run as approver, be refused as
// viewer, and have a POST without the CSRF token refused.
func TestBrowserConsole(t *testing.T) {
	e := startConsole(t, 40)
	waiting := e.runs[triggertest.SeedTenantWaiting]
	rolledBack := e.runs[triggertest.SeedTenantRolledBack]

	ctx := e.newBrowser(t, 1280)
	e.browserSignIn(t, ctx, approver)
	shoot(t, ctx, "console-tenants.png")

	// Find a tenant by searching.
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("q"), "initech"),
		chromedp.Submit(chromedp.ID("q")),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/ui/tenants/initech"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/ui/tenants/initech"]`)),
		chromedp.WaitVisible(`//h1[contains(., "Tenant initech")]`),
	); err != nil {
		t.Fatalf("finding initech: %v", err)
	}
	if s := text(t, ctx); !strings.Contains(s, "ROLLED_BACK") || strings.Contains(s, triggertest.SeedIDPSecret) {
		t.Fatalf("tenant page: %s", s)
	}
	shoot(t, ctx, "console-tenant.png")

	// Its rolled-back run, with the rollback steps in chart and table.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a[href="/ui/runs/`+itoa(rolledBack)+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`figure.gantt svg`)),
	); err != nil {
		t.Fatalf("opening the rolled-back run: %v", err)
	}
	svgText, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(`figure.gantt svg`)))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(svgText, "[rollback] ·") != 4 || strings.Count(svgText, "[undone by rollback] ·") != 4 || !strings.Contains(svgText, "[failed]") {
		t.Fatalf("the chart should mark 4 rollback steps and the failed one: %q", svgText)
	}
	if s := text(t, ctx); !strings.Contains(s, "Delivered") || !strings.Contains(s, "Insufficient storage") {
		t.Fatalf("run page: %s", s)
	}
	shoot(t, ctx, "console-run-rolled-back.png")

	// Approve a waiting run.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.url+"/ui/approvals"),
		chromedp.WaitVisible(`//button[contains(., "Approve run `+itoa(waiting)+`")]`),
	); err != nil {
		t.Fatalf("approvals page: %v", err)
	}
	shoot(t, ctx, "console-approvals.png")
	if err := chromedp.Do(ctx,
		chromedp.Click(`//button[contains(., "Approve run `+itoa(waiting)+`")]`),
		chromedp.WaitVisible(chromedp.CSS(`p.notice`)),
	); err != nil {
		t.Fatalf("approving: %v", err)
	}
	if s := e.runState(t, waiting); s != store.StateApplying {
		t.Fatalf("approved run is %s, want APPLYING", s)
	}

	// The approved run's page follows it: the run finishes in the
	// database, and the page shows it without a reload.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.url+"/ui/runs/"+itoa(waiting)),
		chromedp.WaitVisible(`//span[@id="run-state" and contains(., "APPLYING")]`),
		chromedp.WaitVisible(chromedp.ID("live-status")),
	); err != nil {
		t.Fatalf("the approved run's page: %v", err)
	}
	if _, err := e.pool.Exec(context.Background(), `UPDATE runs SET state = 'COMPLETED', finished_at = now(), updated_at = now() WHERE id = $1`, waiting); err != nil {
		t.Fatal(err)
	}
	liveCtx, cancelLive := context.WithTimeout(ctx, 15*time.Second)
	err = chromedp.Do(liveCtx, chromedp.WaitVisible(`//span[@id="run-state" and contains(., "COMPLETED")]`))
	cancelLive()
	if err != nil {
		t.Fatalf("the run page did not follow the run to COMPLETED: %v", err)
	}

	// A POST without the CSRF token is refused, even for an approver.
	other := e.runs[triggertest.SeedTenantWaiting2]
	if s := postWithoutButton(t, ctx, e.url+"/ui/runs/"+itoa(other)+"/approve", false); !strings.Contains(s, "403") || !strings.Contains(s, "security token") {
		t.Fatalf("CSRF-less approval: %s", s)
	}
	shoot(t, ctx, "console-csrf-refused.png")
	if s := e.runState(t, other); s != store.StateAwaitingApproval {
		t.Fatalf("CSRF-less approval changed the run to %s", s)
	}

	// A viewer sees no approve button, and a forged approval is refused.
	vctx := e.newBrowser(t, 1280)
	e.browserSignIn(t, vctx, viewer)
	if err := chromedp.Do(vctx, chromedp.Navigate(e.url+"/ui/approvals"), chromedp.WaitVisible(chromedp.CSS(`main h1`))); err != nil {
		t.Fatal(err)
	}
	if s := text(t, vctx); strings.Contains(s, "Approve run") || !strings.Contains(s, "You are a viewer") {
		t.Fatalf("viewer's approvals page: %s", s)
	}
	if s := postWithoutButton(t, vctx, e.url+"/ui/runs/"+itoa(other)+"/approve", true); !strings.Contains(s, "403") || !strings.Contains(s, "approver role") {
		t.Fatalf("viewer's approval: %s", s)
	}
	shoot(t, vctx, "console-viewer-refused.png")
	if s := e.runState(t, other); s != store.StateAwaitingApproval {
		t.Fatalf("the viewer's approval changed the run to %s", s)
	}

	// Phone width: the run page still reads.
	pctx := e.newBrowser(t, 390)
	e.browserSignIn(t, pctx, viewer)
	if err := chromedp.Do(pctx, chromedp.Navigate(e.url+"/ui/runs/"+itoa(rolledBack)), chromedp.WaitVisible(chromedp.CSS(`figure.gantt svg`))); err != nil {
		t.Fatal(err)
	}
	scrollW, err := chromedp.Run(pctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if scrollW > 400 {
		t.Errorf("at 390 px the run page is %d px wide: it should not scroll sideways", scrollW)
	}
	shoot(t, pctx, "console-run-phone.png")
}
