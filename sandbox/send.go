package sandbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/tenantops/tenantops/internal/signature"
	"github.com/tenantops/tenantops/internal/tlsutil"
)

// SendMain implements `tenantops-sandbox send`: sign a CRM webhook body with
// the shared secret and POST it to a trigger, the way a CRM would, and print
// the trigger's answer. A non-2xx answer is an error.
func SendMain(ctx context.Context, args []string) error {
	return send(ctx, args, os.Stdout, os.Stderr)
}

func send(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", envOr("TENANTOPS_TRIGGER_URL", "http://127.0.0.1:8080")+"/v1/webhooks/crm",
		"webhook endpoint (env TENANTOPS_TRIGGER_URL names the trigger's base URL)")
	secret := fs.String("secret", "", "webhook secret (default: env TENANTOPS_WEBHOOK_SECRET)")
	caFile := fs.String("ca-file", "", "PEM CA to trust for an https endpoint")
	fresh := fs.Bool("fresh-id", false, "replace event_id with a new random id (send the same file again as a new event)")
	timeout := fs.Duration("timeout", 30*time.Second, "request timeout")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: tenantops-sandbox send [flags] webhook.json\n\nSigns the file with the webhook secret (X-Tenantops-Signature) and posts it.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("send: exactly one webhook file expected")
	}
	if *secret == "" {
		*secret = os.Getenv("TENANTOPS_WEBHOOK_SECRET")
	}
	if *secret == "" {
		return errors.New("send: no secret: pass --secret or set TENANTOPS_WEBHOOK_SECRET")
	}
	body, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	if *fresh {
		if body, err = withFreshEventID(body); err != nil {
			return fmt.Errorf("send: %s: %w", fs.Arg(0), err)
		}
	}
	client, err := tlsutil.Options{CAFile: *caFile}.HTTPClient(*timeout)
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	status, answer, err := PostWebhook(ctx, client, *url, []byte(*secret), body)
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	fmt.Fprintf(stdout, "HTTP %d %s\n%s", status, http.StatusText(status), answer)
	if len(answer) > 0 && answer[len(answer)-1] != '\n' {
		fmt.Fprintln(stdout)
	}
	if status/100 != 2 {
		return fmt.Errorf("send: the trigger answered %d", status)
	}
	return nil
}

// PostWebhook signs body with secret and posts it to url, returning the
// status and the (bounded) answer body.
func PostWebhook(ctx context.Context, client *http.Client, url string, secret, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(signature.Header, signature.Sign(secret, body, time.Now()))
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, answer, err
}

func withFreshEventID(body []byte) ([]byte, error) {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errors.New("not a JSON object")
	}
	m["event_id"] = NewEventID()
	return json.MarshalIndent(m, "", "  ")
}

// NewEventID returns a random event id in the CRM samples' style.
func NewEventID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "evt-" + hex.EncodeToString(b)
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
