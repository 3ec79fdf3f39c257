package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tenantops/tenantops/trigger/rollout"
	"github.com/tenantops/tenantops/trigger/store"
)

// rolloutOutput is where `fleet rollout` prints (tests replace it).
var rolloutOutput io.Writer = os.Stdout

const rolloutUsage = `usage: tenantops-trigger fleet rollout <action> [flags]

  start --tier T [--revision R] [--canary 1] [--factor 2 | --sizes 2,5,10]
        [--max-failures 0 | --max-failures 10%] [--pause 10m]
  list [--tier T]
  status ID
  pause ID | resume ID | abort ID

Every action takes --url (env TENANTOPS_TRIGGER_URL, default http://127.0.0.1:8080),
--token (env TENANTOPS_TRIGGER_API_TOKEN) and --json (print the API's answer).`

// rolloutClient talks to the rollout API.
type rolloutClient struct {
	url, token string
	json       bool
	http       *http.Client
}

func (c *rolloutClient) register(fs *flag.FlagSet) {
	c.url = os.Getenv("TENANTOPS_TRIGGER_URL")
	if c.url == "" {
		c.url = "http://127.0.0.1:8080"
	}
	fs.StringVar(&c.url, "url", c.url, "the trigger's base URL (env TENANTOPS_TRIGGER_URL)")
	c.token = os.Getenv("TENANTOPS_TRIGGER_API_TOKEN")
	fs.Func("token", "API bearer token (env TENANTOPS_TRIGGER_API_TOKEN)", func(s string) error { c.token = s; return nil })
	fs.BoolVar(&c.json, "json", false, "print the API's JSON answer")
}

// cmdFleetRollout starts, shows and steers rollouts through the API.
func cmdFleetRollout(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(os.Stderr, rolloutUsage)
		if len(args) == 0 {
			return errors.New("an action is required")
		}
		return nil
	}
	action, args := args[0], args[1:]
	c := &rolloutClient{http: &http.Client{Timeout: time.Minute}}
	fs := flag.NewFlagSet("fleet rollout "+action, flag.ContinueOnError)
	c.register(fs)
	switch action {
	case "start":
		return c.start(ctx, fs, args)
	case "list":
		tier := fs.String("tier", "", "only this tier's rollouts")
		if err := fs.Parse(args); err != nil {
			return err
		}
		return c.list(ctx, *tier)
	case "status", "pause", "resume", "abort":
		id, err := rolloutArg(fs, args)
		if err != nil {
			return err
		}
		if action == "status" {
			return c.show(ctx, http.MethodGet, "/v1/rollouts/"+id, nil)
		}
		var ro store.Rollout
		if err := c.call(ctx, http.MethodPost, "/v1/rollouts/"+id+"/"+action, nil, &ro); err != nil {
			return err
		}
		fmt.Fprintf(rolloutOutput, "rollout %d of tier %s is %s\n", ro.ID, ro.Tier, ro.State)
		return nil
	}
	return fmt.Errorf("unknown action %q\n\n%s", action, rolloutUsage)
}

// rolloutArg parses flags before and after the rollout id.
func rolloutArg(fs *flag.FlagSet, args []string) (string, error) {
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if fs.NArg() == 0 {
		return "", errors.New("a rollout id is required")
	}
	id := fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		return "", fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		return "", fmt.Errorf("rollout id %q is not a number", id)
	}
	return id, nil
}

func (c *rolloutClient) start(ctx context.Context, fs *flag.FlagSet, args []string) error {
	var req rollout.Request
	var sizes, maxFailures string
	var canary, factor int
	fs.StringVar(&req.Tier, "tier", "", "the tier whose tenants get the revision (required)")
	fs.StringVar(&req.TemplateRevision, "revision", "", "template revision to apply (default: the tier's files on the trigger's disk now)")
	fs.IntVar(&canary, "canary", 1, "tenants in the first wave")
	fs.IntVar(&factor, "factor", 0, "each wave this many times the one before (default 2)")
	fs.StringVar(&sizes, "sizes", "", "wave sizes after the canary, comma-separated; the last repeats")
	fs.StringVar(&maxFailures, "max-failures", "", "failures a wave may have before the rollout halts: a count, or a percent such as 10% (default 0)")
	fs.StringVar(&req.PauseBetweenWaves, "pause", "", "wait between waves, such as 10m")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	req.Canary = &canary
	if factor != 0 || sizes != "" {
		req.Waves = &rollout.Waves{Factor: factor}
		for _, s := range strings.Split(sizes, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			n, err := strconv.Atoi(s)
			if err != nil {
				return fmt.Errorf("--sizes: %q is not a number", s)
			}
			req.Waves.Sizes = append(req.Waves.Sizes, n)
		}
	}
	if maxFailures != "" {
		pct, isPct := strings.CutSuffix(maxFailures, "%")
		n, err := strconv.Atoi(pct)
		if err != nil {
			return fmt.Errorf("--max-failures: %q is neither a count nor a percent", maxFailures)
		}
		req.FailureThreshold = &rollout.Threshold{Count: &n}
		if isPct {
			req.FailureThreshold = &rollout.Threshold{Percent: &n}
		}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	return c.show(ctx, http.MethodPost, "/v1/rollouts", body)
}

func (c *rolloutClient) list(ctx context.Context, tier string) error {
	var out struct {
		Rollouts []store.Rollout `json:"rollouts"`
	}
	path := "/v1/rollouts"
	if tier != "" {
		path += "?tier=" + tier
	}
	raw, err := c.do(ctx, http.MethodGet, path, nil)
	if err != nil || c.json {
		return c.print(raw, err)
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return err
	}
	w := tabwriter.NewWriter(rolloutOutput, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tTIER\tSTATE\tWAVE\tREVISION\tCREATED")
	for _, r := range out.Rollouts {
		fmt.Fprintf(w, "%d\t%s\t%s\t%d/%d\t%.12s\t%s\n", r.ID, r.Tier, r.State, min(r.CurrentWave+1, r.Waves), r.Waves,
			r.TemplateRevision, r.CreatedAt.UTC().Format(time.RFC3339))
	}
	return w.Flush()
}

// show calls the API and prints the rollout it answers with.
func (c *rolloutClient) show(ctx context.Context, method, path string, body []byte) error {
	raw, err := c.do(ctx, method, path, body)
	if err != nil || c.json {
		return c.print(raw, err)
	}
	var v rollout.View
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	printRollout(rolloutOutput, v)
	return nil
}

func (c *rolloutClient) print(raw []byte, err error) error {
	if err != nil {
		return err
	}
	_, err = rolloutOutput.Write(raw)
	return err
}

// printRollout writes a rollout, its waves and its tenants for a person.
func printRollout(out io.Writer, v rollout.View) {
	fmt.Fprintf(out, "rollout %d  tier %s  state %s  wave %d of %d\n", v.ID, v.Tier, v.State, min(v.CurrentWave+1, v.Waves), v.Waves)
	fmt.Fprintf(out, "template revision %s\n", v.TemplateRevision)
	if v.Error != "" {
		fmt.Fprintf(out, "error: %s\n", v.Error)
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "WAVE\tTENANT\tSTATUS\tRUN\tRUN STATE")
	for _, t := range v.Tenants {
		run := "-"
		if t.RunID != nil {
			run = strconv.FormatInt(*t.RunID, 10)
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", t.Wave, t.Tenant, t.Status, run, t.RunState)
	}
	_ = w.Flush()
}

func (c *rolloutClient) call(ctx context.Context, method, path string, body []byte, v any) error {
	raw, err := c.do(ctx, method, path, body)
	if err != nil {
		return err
	}
	if c.json {
		_, err := rolloutOutput.Write(raw)
		return err
	}
	return json.Unmarshal(raw, v)
}

// do sends one request and returns the answer's body, or an error holding
// the API's message (and each field's problem) when it is not a 2xx.
func (c *rolloutClient) do(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	if c.token == "" {
		return nil, errors.New("an API token is required: --token or TENANTOPS_TRIGGER_API_TOKEN")
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.url, "/")+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 == 2 {
		return raw, nil
	}
	var e struct {
		Error  string               `json:"error"`
		Errors []rollout.FieldError `json:"errors"`
	}
	if json.Unmarshal(raw, &e) != nil || e.Error == "" {
		return nil, fmt.Errorf("%s %s: %s", method, path, resp.Status)
	}
	msg := e.Error
	for _, f := range e.Errors {
		msg += fmt.Sprintf("\n  %s: %s", f.Field, f.Message)
	}
	return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, msg)
}
