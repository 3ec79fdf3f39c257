package cli

import (
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
)

func testProgram(got *[]string) Program {
	return Program{
		Name: "prog",
		Commands: map[string]Command{
			"ok":      {Summary: "succeeds", Run: func(_ context.Context, args []string) error { *got = args; return nil }},
			"failing": {Summary: "fails", Run: func(context.Context, []string) error { return errors.New("boom") }},
			"help":    {Summary: "never reached: help is the listing", Run: func(context.Context, []string) error { return errors.New("ran") }},
			"asks":    {Summary: "prints its help", Run: func(context.Context, []string) error { return flag.ErrHelp }},
		},
		Explain: func(name string) error {
			if name == "old" {
				return errors.New(`"old" moved to newprog old`)
			}
			return nil
		},
	}
}

func TestRun(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr []string // substrings
	}{
		{"no command", nil, 2, []string{"usage: prog <command> [flags]", "  asks     prints its help", "  failing  fails"}},
		{"help", []string{"help"}, 0, []string{"usage: prog", "run `prog <command> --help`"}},
		{"--help", []string{"--help"}, 0, []string{"usage: prog"}},
		{"success", []string{"ok", "-x", "1"}, 0, nil},
		{"failure", []string{"failing"}, 1, []string{"prog: boom\n"}},
		{"command help", []string{"asks"}, 0, nil},
		{"unknown", []string{"nope"}, 2, []string{`unknown command "nope"`, "usage: prog"}},
		{"explained", []string{"old"}, 2, []string{"prog: \"old\" moved to newprog old\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			var stderr strings.Builder
			code := testProgram(&got).Run(context.Background(), tc.args, &stderr)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr.String())
			}
			for _, s := range tc.stderr {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr.String())
				}
			}
			if tc.stderr == nil && stderr.Len() > 0 {
				t.Errorf("unexpected stderr:\n%s", stderr.String())
			}
			if tc.name == "success" && strings.Join(got, " ") != "-x 1" {
				t.Errorf("command got args %q, want the ones after its name", got)
			}
		})
	}
}
