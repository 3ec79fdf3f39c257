// Package tfengine tells which engine a binary is: Terraform or OpenTofu,
// and its version, from the first line of `version` that names one.
package tfengine

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"

	"golang.org/x/mod/semver"
)

// Name is the engine a binary is.
type Name string

const (
	Terraform Name = "Terraform"
	OpenTofu  Name = "OpenTofu"
)

// Engine is what `version` reported.
type Engine struct {
	Name    Name
	Version string // without the leading "v", e.g. "1.12.6"
}

// IsOpenTofu reports whether e is OpenTofu.
func (e Engine) IsOpenTofu() bool { return e.Name == OpenTofu }

// AtLeast reports whether e's version is version ("1.11") or later. A
// pre-release comes before its release, as semantic versioning orders them.
func (e Engine) AtLeast(version string) bool {
	return semver.IsValid("v"+e.Version) && semver.Compare("v"+e.Version, "v"+version) >= 0
}

// HasWriteOnlyArguments reports whether e takes write-only arguments
// (schema attributes it never stores in plan or state): Terraform and
// OpenTofu both from 1.11.
func (e Engine) HasWriteOnlyArguments() bool { return e.AtLeast("1.11") }

// Detect runs `bin version` and reads the engine from its output.
func Detect(ctx context.Context, bin string) (Engine, error) {
	out, err := exec.CommandContext(ctx, bin, "version").Output()
	if err != nil {
		return Engine{}, fmt.Errorf("%s version: %w", bin, err)
	}
	return Parse(out)
}

// Parse reads the engine from the output of `version`. The line naming
// the engine is not always the first: OpenTofu prints a warning about a
// missing CLI configuration file on standard output before it.
func Parse(out []byte) (Engine, error) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		for _, n := range []Name{OpenTofu, Terraform} {
			if v, ok := strings.CutPrefix(line, string(n)+" v"); ok && v != "" && v[0] >= '0' && v[0] <= '9' {
				return Engine{Name: n, Version: strings.Fields(v)[0]}, nil
			}
		}
	}
	return Engine{}, fmt.Errorf("`version` names neither Terraform nor OpenTofu: %.200q", out)
}
